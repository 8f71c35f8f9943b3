#pragma once
// What /proc says about a process: enough to name one process of one boot
// (pid and start time), which a pid alone does not after it is reused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/process.hpp"

namespace automata::engine {

// The fields of /proc/PID/stat that identify a process.
struct ProcStat {
  char state = '?';  // R S D Z T ...; Z and X are dead
  int pgrp = 0;
  std::uint64_t start_time = 0;  // field 22
};

// Pure: parses the text of /proc/PID/stat (its comm, in parentheses, may hold
// spaces and parentheses, so fields are counted after the last ')').
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// nullopt when there is no such process.
std::optional<ProcStat> read_proc_stat(int pid);

const std::string& this_boot_id();
const std::string& this_host();
// The identity of a process of ours that runs now (start_time 0 if /proc is unreadable).
ProcessIdentity identify_process(int pid);

}  // namespace automata::engine
