// /proc/PID/stat and the machine's boot id and host name.
#include "engine/proc_stat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "engine/unique_fd.hpp"

namespace automata::engine {
namespace {

std::optional<std::string> read_small_file(const char* path) {
  const UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return std::nullopt;
  }
  std::string text;
  char buffer[1024];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  // After "pid (comm)": field 3 is the state, 5 the group, 22 the start time.
  std::string_view rest = text.substr(close + 1);
  std::vector<std::string_view> fields;
  while (!rest.empty() && fields.size() < 20) {
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(start);
    const auto end = rest.find(' ');
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  if (fields.size() < 20 || fields[0].size() != 1) {
    return std::nullopt;
  }
  ProcStat stat;
  stat.state = fields[0][0];
  const auto& pgrp = fields[2];
  const auto& start = fields[19];
  if (std::from_chars(pgrp.data(), pgrp.data() + pgrp.size(), stat.pgrp).ec != std::errc() ||
      std::from_chars(start.data(), start.data() + start.size(), stat.start_time).ec != std::errc()) {
    return std::nullopt;
  }
  return stat;
}

std::optional<ProcStat> read_proc_stat(int pid) {
  const auto text = read_small_file(fmt::format("/proc/{}/stat", pid).c_str());
  return text ? parse_proc_stat(*text) : std::nullopt;
}

const std::string& this_boot_id() {
  static const std::string id = trimmed(read_small_file("/proc/sys/kernel/random/boot_id").value_or(""));
  return id;
}

const std::string& this_host() {
  static const std::string host = [] {
    char name[256] = {};
    return ::gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string();
  }();
  return host;
}

ProcessIdentity identify_process(int pid) {
  ProcessIdentity id;
  id.pgid = pid;
  if (const auto stat = read_proc_stat(pid)) {
    id.start_time = stat->start_time;
  }
  id.boot_id = this_boot_id();
  id.host = this_host();
  return id;
}

}  // namespace automata::engine
