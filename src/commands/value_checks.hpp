#pragma once
// The values a setting or an option takes, checked the same way wherever
// the value comes from: a flag (--jobs), the environment (AUTOMATA_JOBS) or
// a config file (jobs:). Each message names where the value came from and
// says what is accepted, in one line: "--jobs must be at least 1, got 0".
//
// The CLI11 validators below throw FlagValueError, not CLI11's
// ValidationError: CLI11 would prefix its own "--jobs: " and, for its Range
// checks, print the bounds of a double (a 300-digit number).
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/result.hpp"

namespace automata::commands {

// The most steps --jobs allows at once: each holds processes and pipes, so
// more would run out of descriptors long before it ran faster.
inline constexpr long k_max_jobs = 4096;

// A whole number from min to max.
Result<long> parse_whole_number(std::string_view text, std::string_view name, long min, long max);

// One of `choices`, with a "did you mean" for a near miss.
Result<void> check_choice(std::string_view value, std::string_view name, const std::vector<std::string>& choices);

// A command-line value refused by one of the validators below (exit 2).
class FlagValueError : public CLI::ParseError {
 public:
  explicit FlagValueError(std::string message)
      : CLI::ParseError("FlagValueError", std::move(message), CLI::ExitCodes::ValidationError) {}
};

// For add_option(...)->check(...); `name` is the option as the user writes
// it ("--jobs"). one_of's description lists the choices the way IsMember's
// does, so help, the man page and the completions still show them.
CLI::Validator whole_number(std::string name, long min, long max);
CLI::Validator one_of(std::string name, std::vector<std::string> choices);
CLI::Validator existing_file(std::string name);

}  // namespace automata::commands
