#include "engine/child_checks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/inputs.hpp"
#include "engine/suggest.hpp"

namespace automata::engine {
namespace {

bool has_expression(const Value& value) {
  return value.is_string() && value.get<std::string>().find("${{") != std::string::npos;
}

SourcePos position_in(const std::vector<std::pair<std::string, SourcePos>>& positions, std::string_view key,
                      SourcePos fallback) {
  const auto it = std::find_if(positions.begin(), positions.end(), [key](const auto& entry) { return entry.first == key; });
  return it == positions.end() ? fallback : it->second;
}

// A child's diagnostic on one line, named by the child's file.
std::string one_line(const Diagnostic& d) {
  if (d.pos.line > 0) {
    return fmt::format("{}:{}:{}: {}", d.file, d.pos.line, d.pos.column, d.message);
  }
  return fmt::format("{}: {}", d.file, d.message);
}

class ChildChecker {
 public:
  ChildChecker(const Workflow& wf, const WorkflowLibrary& library, Diagnostics& d, const ChildLoader& load)
      : m_wf(wf), m_library(library), m_diag(d), m_load(load) {}

  void check(const StepDef& step) {
    if (step.uses != "workflow") {
      return;
    }
    const Value* file = step.with.contains("file") ? &step.with["file"] : nullptr;
    if (file == nullptr || !file->is_string() || has_expression(*file)) {
      return;  // missing or mistyped: the parameter checks say so; an expression: checked when it runs
    }
    const SourcePos file_pos = position_in(step.with_positions, "file", step.uses_pos);
    auto found = resolve_child_workflow(m_library, m_wf.file, file->get<std::string>(), {});
    if (!found.ok()) {
      m_diag.error(file_pos, found.error().message);
      return;
    }
    const auto loaded = m_load(found.value());
    if (!loaded) {
      return;
    }
    if (!loaded->ok()) {
      for (const auto& d : loaded->diagnostics) {
        m_diag.error(file_pos, one_line(d));
      }
      return;
    }
    check_inputs(step, *loaded->workflow, file_pos);
  }

 private:
  void check_inputs(const StepDef& step, const Workflow& child, SourcePos file_pos) {
    const Value inputs = step.with.contains("inputs") ? step.with["inputs"] : Value::object();
    if (!inputs.is_object()) {
      return;  // an expression (checked when it runs), or a wrong type the parameter checks report
    }
    const SourcePos inputs_pos = position_in(step.with_positions, "inputs", file_pos);
    std::vector<std::string> names;
    for (const auto& decl : child.inputs) {
      names.push_back(decl.name);
    }
    for (const auto& [name, value] : inputs.items()) {
      const SourcePos pos = position_in(step.child_input_positions, name, inputs_pos);
      const auto decl = std::find_if(child.inputs.begin(), child.inputs.end(),
                                     [&name](const InputDecl& d) { return d.name == name; });
      if (decl == child.inputs.end()) {
        std::string message = fmt::format("child workflow {} has no input '{}'", child.file, name);
        if (auto suggestion = did_you_mean(name, names)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        }
        message += names.empty() ? std::string("; it declares no inputs")
                                 : fmt::format("; its inputs are {}", fmt::join(names, ", "));
        m_diag.error(pos, message);
        continue;
      }
      if (has_expression(value)) {
        continue;
      }
      if (auto checked = check_input_value(*decl, value); !checked.ok()) {
        m_diag.error(pos, fmt::format("input '{}' of child workflow {} {}", name, child.file, checked.error().message));
      }
    }
    for (const auto& decl : child.inputs) {
      if (!decl.default_value && !inputs.contains(decl.name)) {
        m_diag.error(inputs_pos, fmt::format("child workflow {} needs input '{}' (it has no default); give it in "
                                             "'inputs'",
                                             child.file, decl.name));
      }
    }
  }

  const Workflow& m_wf;
  const WorkflowLibrary& m_library;
  Diagnostics& m_diag;
  const ChildLoader& m_load;
};

}  // namespace

void check_child_workflows(const Workflow& workflow, const WorkflowLibrary& library, Diagnostics& diagnostics,
                           const ChildLoader& load_child) {
  ChildChecker checker(workflow, library, diagnostics, load_child);
  for (const auto& step : workflow.steps) {
    checker.check(step);
    if (step.compensate) {
      checker.check(*step.compensate);
    }
  }
}

}  // namespace automata::engine
