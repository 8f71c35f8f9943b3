#include "commands/value_checks.hpp"

#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include "engine/suggest.hpp"
#include "engine/visible_text.hpp"

namespace automata::commands {
namespace {

// "a, b or c"
std::string listed(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    out += i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    out += choices[i];
  }
  return out;
}

std::string shown(std::string_view value) { return engine::visible_text(engine::elide_middle_bytes(value, 60)); }

}  // namespace

Result<long> parse_whole_number(std::string_view text, std::string_view name, long min, long max) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);
  }
  long value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const bool whole = !digits.empty() && end == digits.data() + digits.size();
  if (!whole || (error != std::errc() && error != std::errc::result_out_of_range)) {
    return Error::usage(fmt::format("{} must be a whole number, got '{}'", name, shown(text)));
  }
  if (error == std::errc::result_out_of_range) {
    return Error::usage(digits.front() == '-' ? fmt::format("{} must be at least {}, got {}", name, min, shown(text))
                                              : fmt::format("{} must be at most {}, got {}", name, max, shown(text)));
  }
  if (value < min) {
    return Error::usage(fmt::format("{} must be at least {}, got {}", name, min, value));
  }
  if (value > max) {
    return Error::usage(fmt::format("{} must be at most {}, got {}", name, max, value));
  }
  return value;
}

Result<void> check_choice(std::string_view value, std::string_view name, const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
    return {};
  }
  std::string message = fmt::format("{} must be {}, got '{}'", name, listed(choices), shown(value));
  if (auto suggestion = engine::did_you_mean(value, choices)) {
    message += fmt::format(" (did you mean '{}'?)", *suggestion);
  }
  return Error::usage(message);
}

CLI::Validator whole_number(std::string name, long min, long max) {
  return CLI::Validator(
      [name, min, max](std::string& value) -> std::string {
        if (auto parsed = parse_whole_number(value, name, min, max); !parsed.ok()) {
          throw FlagValueError(parsed.error().message);
        }
        return {};
      },
      "");
}

CLI::Validator one_of(std::string name, std::vector<std::string> choices) {
  std::string description = "{";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    description += (i == 0 ? "" : ",") + choices[i];
  }
  description += "}";
  return CLI::Validator(
      [name, choices](std::string& value) -> std::string {
        if (auto checked = check_choice(value, name, choices); !checked.ok()) {
          throw FlagValueError(checked.error().message);
        }
        return {};
      },
      description);
}

CLI::Validator existing_file(std::string name) {
  return CLI::Validator(
      [name](std::string& value) -> std::string {
        std::error_code ec;
        const auto status = std::filesystem::status(value, ec);
        if (!std::filesystem::exists(status)) {
          throw FlagValueError(fmt::format("{} {}: no such file", name, shown(value)));
        }
        if (std::filesystem::is_directory(status)) {
          throw FlagValueError(fmt::format("{} {}: is a directory, not a file", name, shown(value)));
        }
        return {};
      },
      "");
}

}  // namespace automata::commands
