#pragma once
// Runs the real automata binary for end-to-end tests.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/value.hpp"

namespace automata::test {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  // stdout parsed as JSON lines (lines that are not JSON are skipped).
  std::vector<Value> json_lines() const;
};

struct Invoke {
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  // added to (or replacing in) the test's environment
  std::vector<std::string> unset;          // removed from it
  std::chrono::milliseconds timeout{60000};
  std::string binary;  // empty: the one just built (binary_path())
};

std::string binary_path();
std::filesystem::path source_dir();
Outcome run_automata(const std::vector<std::string>& args, const Invoke& how);

}  // namespace automata::test
