#include <fmt/format.h>

#include "engine/loader.hpp"
#include "engine/step_kind.hpp"
#include "engine/suggest.hpp"

namespace automata::engine {

std::optional<std::string> param_problem(const ParamSpec& spec, const Value& value) {
  bool ok = true;
  switch (spec.type) {
    case ParamType::string:
      ok = value.is_string() || value.is_number() || value.is_boolean();
      break;
    case ParamType::number:
      ok = value.is_number();
      break;
    case ParamType::integer:
      ok = value.is_number_integer();
      break;
    case ParamType::boolean:
      ok = value.is_boolean();
      break;
    case ParamType::duration:
      ok = value.is_string() && parse_duration(value.get<std::string>()).has_value();
      break;
    case ParamType::list:
      ok = value.is_array();
      break;
    case ParamType::object:
      ok = value.is_object();
      break;
    case ParamType::any:
      break;
  }
  // fmt, not operator+: GCC 12 at -O3 warns falsely (stringop-overflow) on the concatenation.
  const std::string shown = value.is_string() ? fmt::format("'{}'", value.get_ref<const std::string&>()) : value.dump();
  if (!ok) {
    static const char* const k_type_names[] = {"a string", "a number", "a whole number", "true or false",
                                               "a duration such as 90s, 10m or 1h30m", "a list", "a map", "a value"};
    return fmt::format("must be {}, got {}", k_type_names[static_cast<int>(spec.type)], shown);
  }
  if (!spec.choices.empty() && value.is_string() &&
      std::find(spec.choices.begin(), spec.choices.end(), value.get<std::string>()) == spec.choices.end()) {
    std::string problem = fmt::format("must be one of {}, got {}", fmt::join(spec.choices, ", "), shown);
    if (auto suggestion = did_you_mean(value.get<std::string>(), spec.choices)) {
      problem += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    return problem;
  }
  return std::nullopt;
}

}  // namespace automata::engine
