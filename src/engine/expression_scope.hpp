#pragma once
// What the expressions of a driven run read (dsl.md "Contexts") and what a
// step's environment starts from, with the caches that make evaluating them
// cheap. Part of the driver (driver_eval.cpp fills and reads it), used on the
// driver's thread, under its lock, only.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "engine/expr.hpp"
#include "engine/shell_script.hpp"
#include "engine/text_case.hpp"
#include "engine/value.hpp"

namespace automata::engine {

struct ExpressionScope {
  Value env_context = Value::object();      // `env`: the process environment less its secrets, the workflow's env
  Value secrets_context = Value::object();  // `secrets`: the declared names
  Value steps_context = Value::object();    // `steps`: kept only for the steps an expression reads
  std::set<std::string> referenced_steps;   // ids after `steps.`, in lowercase (names are case-insensitive)
  bool all_steps_referenced = false;        // a computed steps[...] index reads any step
  std::set<std::string> stdout_used;        // ids whose stdout an expression reads, in lowercase
  std::vector<std::string> base_environment;         // the run's environment as recorded (NAME=value)
  std::map<std::string, std::string> base_env_map;   // the process environment, secrets included
  std::map<std::string, std::string> step_base_env;  // what every step starts from: no secrets, the workflow's env
  std::unordered_map<std::string, std::shared_ptr<const ShellScript>> script_cache;  // by shell and run text
  std::unordered_map<std::string, std::shared_ptr<expr::Template>> template_cache;  // by source text

  bool step_is_read(std::string_view id) const {
    return all_steps_referenced || referenced_steps.count(ascii_lower(id)) != 0;
  }
  bool stdout_is_read(std::string_view id) const { return stdout_used.count(ascii_lower(id)) != 0; }
};

}  // namespace automata::engine
