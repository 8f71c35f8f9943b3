#include "engine/workflow_checks.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/expr.hpp"
#include "engine/loader.hpp"
#include "engine/suggest.hpp"

namespace automata::engine {
namespace {

const std::vector<std::string> k_step_fields = {"outputs", "status", "exit_code", "stdout", "attempts", "duration_ms", "error"};
const std::vector<std::string> k_run_fields = {"id", "dir", "attempt", "workflow", "failed_step"};
const std::vector<std::string> k_attempt_fields = {"number", "exit_code", "timed_out", "error"};

// Which contexts an expression may use, depending on where it stands.
struct Scope {
  const StepDef* step = nullptr;     // the step the expression belongs to (null: workflow level)
  bool allow_secrets = true;
  const char* secret_refusal = nullptr;  // message tail when secrets are refused
  bool allow_steps = true;
  bool allow_matrix = false;
  bool allow_attempt = false;
  bool allow_self = false;           // steps.<own id> (outputs, compensation)
  std::string field;                 // "run", "env", ... for messages
};

class Checker {
 public:
  Checker(const Workflow& wf, const StepKindRegistry& kinds, Diagnostics& d) : m_wf(wf), m_kinds(kinds), m_diag(d) {
    for (const auto& input : wf.inputs) {
      m_input_names.push_back(input.name);
    }
    for (const auto& step : wf.steps) {
      m_step_ids.push_back(step.id);
    }
  }

  void run() {
    check_needs();
    const bool acyclic = check_cycles();
    if (acyclic) {
      compute_ancestors();
    }
    m_ancestors_known = acyclic;
    Scope workflow_scope;
    workflow_scope.allow_steps = false;
    workflow_scope.field = "env";
    for (const auto& [name, text] : m_wf.env) {
      check_template(text, workflow_scope);
    }
    if (m_wf.default_working_directory) {
      Scope scope = workflow_scope;
      scope.field = "working_directory";
      check_template(*m_wf.default_working_directory, scope);
    }
    if (m_wf.default_retry.when) {
      Scope scope = workflow_scope;
      scope.allow_attempt = true;
      scope.field = "retry.when";
      check_template(*m_wf.default_retry.when, scope);
    }
    for (const auto& step : m_wf.steps) {
      check_step(step);
    }
    Scope outputs_scope;
    outputs_scope.allow_secrets = false;
    outputs_scope.secret_refusal = "workflow outputs are stored with the run";
    outputs_scope.field = "outputs";
    for (const auto& [name, text] : m_wf.outputs) {
      check_template(text, outputs_scope);
    }
  }

 private:
  void check_step(const StepDef& step) {
    Scope scope;
    scope.step = &step;
    scope.allow_matrix = step.matrix.has_value();
    if (step.run) {
      Scope run_scope = scope;
      run_scope.allow_secrets = false;
      run_scope.field = "run";
      check_template(*step.run, run_scope);
    }
    for (const auto& [name, text] : step.env) {
      scope.field = "env";
      check_template(text, scope);
    }
    if (step.working_directory) {
      scope.field = "working_directory";
      check_template(*step.working_directory, scope);
    }
    if (step.if_expr) {
      scope.field = "if";
      check_condition(*step.if_expr, scope);
    }
    if (step.matrix && step.matrix->from) {
      Scope matrix_scope = scope;
      matrix_scope.allow_matrix = false;
      matrix_scope.field = "matrix";
      check_template(*step.matrix->from, matrix_scope);
      if (!expr::Template::parse(step.matrix->from->text).index() &&
          !std::get<expr::Template>(expr::Template::parse(step.matrix->from->text)).is_single_expression()) {
        m_diag.error(step.matrix->from->pos, "'matrix' must be a map of lists or one ${{ }} expression giving a list");
      }
    }
    if (step.matrix) {
      Scope axis_scope = scope;
      axis_scope.allow_matrix = false;
      axis_scope.field = "matrix";
      for (const auto& [axis, pos] : step.matrix->axis_positions) {
        check_template(TemplateText{step.matrix->axes[axis].get<std::string>(), pos}, axis_scope);
      }
    }
    if (step.retry.when) {
      Scope retry_scope = scope;
      retry_scope.allow_attempt = true;
      retry_scope.field = "retry.when";
      check_condition(*step.retry.when, retry_scope);
    }
    check_with(step, scope);
    Scope outputs_scope = scope;
    outputs_scope.allow_self = true;
    outputs_scope.allow_secrets = false;
    outputs_scope.secret_refusal = "step outputs are stored in the journal";
    outputs_scope.field = "outputs";
    for (const auto& [name, text] : step.outputs) {
      check_template(text, outputs_scope);
    }
    if (step.compensate) {
      const StepDef& comp = *step.compensate;
      Scope comp_scope = scope;
      comp_scope.allow_self = true;
      if (comp.run) {
        Scope run_scope = comp_scope;
        run_scope.allow_secrets = false;
        run_scope.field = "run";
        check_template(*comp.run, run_scope);
      }
      for (const auto& [name, text] : comp.env) {
        comp_scope.field = "env";
        check_template(text, comp_scope);
      }
      if (comp.working_directory) {
        comp_scope.field = "working_directory";
        check_template(*comp.working_directory, comp_scope);
      }
      check_with(comp, comp_scope);
    }
  }

  void check_with(const StepDef& step, Scope scope) {
    scope.field = "with";
    if (step.uses.empty() || step.uses == "shell") {
      return;
    }
    const StepKind* kind = m_kinds.find(step.uses);
    if (kind == nullptr) {
      return;
    }
    std::vector<std::string> param_names;
    for (const auto& p : kind->params()) {
      param_names.push_back(p.name);
    }
    for (const auto& [key, pos] : step.with_positions) {
      const auto it = std::find_if(kind->params().begin(), kind->params().end(),
                                   [&](const ParamSpec& p) { return p.name == key; });
      if (it == kind->params().end()) {
        std::string message = fmt::format("unknown parameter '{}' for step kind '{}'", key, step.uses);
        if (auto suggestion = did_you_mean(key, param_names)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        }
        message += fmt::format("; it takes {}", fmt::join(param_names, ", "));
        m_diag.error(pos, message);
        continue;
      }
      check_param_value(step, *it, step.with[key], pos, scope);
    }
    for (const auto& p : kind->params()) {
      if (p.required && !step.with.contains(p.name)) {
        m_diag.error(step.uses_pos, fmt::format("step kind '{}' needs parameter '{}' ({}) in 'with'", step.uses,
                                                p.name, p.description));
      }
    }
  }

  // Literal values are type-checked now; strings with expressions when they run.
  void check_param_value(const StepDef& step, const ParamSpec& spec, const Value& value, SourcePos pos, const Scope& scope) {
    std::function<void(const Value&)> check_strings = [&](const Value& v) {
      if (v.is_string()) {
        check_template(TemplateText{v.get<std::string>(), pos}, scope);
      } else if (v.is_structured()) {
        for (const auto& item : v) {
          check_strings(item);
        }
      }
    };
    check_strings(value);
    if (value.is_string() && value.get<std::string>().find("${{") != std::string::npos) {
      return;
    }
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
    if (!ok) {
      static const char* const k_type_names[] = {"a string", "a number", "a whole number", "true or false",
                                                 "a duration like 90s, 10m or 2h", "a list", "a map", "a value"};
      m_diag.error(pos, fmt::format("parameter '{}' of step '{}' must be {}, got {}", spec.name, step.id,
                                    k_type_names[static_cast<int>(spec.type)],
                                    value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump()));
    }
  }

  void check_needs() {
    for (const auto& step : m_wf.steps) {
      for (std::size_t i = 0; i < step.needs.size(); ++i) {
        const std::string& need = step.needs[i];
        const StepDef* target = m_wf.find_step(need);
        if (target == nullptr) {
          std::string message = fmt::format("step '{}' needs unknown step '{}'", step.id, need);
          if (auto suggestion = did_you_mean(need, m_step_ids)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
          }
          m_diag.error(step.needs_pos[i], message);
        } else if (target->phase != step.phase) {
          m_diag.error(step.needs_pos[i],
                       fmt::format("step '{}' cannot need '{}': needs stay within one section (steps, on_failure, "
                                   "finally); {} steps run after every step of 'steps' has finished",
                                   step.id, need, step.phase == Phase::on_failure ? "on_failure" : "finally"));
        } else if (target == &step) {
          m_diag.error(step.needs_pos[i], fmt::format("step '{}' needs itself", step.id));
        }
      }
    }
  }

  bool check_cycles() {
    enum class Mark { none, active, done };
    std::map<std::string, Mark> marks;
    std::vector<const StepDef*> stack;
    bool acyclic = true;
    std::function<void(const StepDef&)> visit = [&](const StepDef& step) {
      marks[step.id] = Mark::active;
      stack.push_back(&step);
      for (std::size_t i = 0; i < step.needs.size(); ++i) {
        const StepDef* next = m_wf.find_step(step.needs[i]);
        if (next == nullptr || next == &step || next->phase != step.phase) {
          continue;
        }
        const Mark mark = marks[next->id];
        if (mark == Mark::active) {
          // The cycle is the part of the stack from `next` to here, then `next` again.
          std::vector<std::string> ids;
          auto from = std::find(stack.begin(), stack.end(), next);
          for (auto it = from; it != stack.end(); ++it) {
            ids.push_back((*it)->id);
          }
          std::reverse(ids.begin(), ids.end());
          ids.insert(ids.begin(), next->id);
          // Reads as "a needs b needs c needs a".
          m_diag.error(step.needs_pos[i], fmt::format("dependency cycle: {}", fmt::join(ids, " -> ")));
          acyclic = false;
        } else if (mark == Mark::none) {
          visit(*next);
        }
      }
      stack.pop_back();
      marks[step.id] = Mark::done;
    };
    for (const auto& step : m_wf.steps) {
      if (marks[step.id] == Mark::none) {
        visit(step);
      }
    }
    return acyclic;
  }

  void compute_ancestors() {
    std::function<const std::set<std::string>&(const StepDef&)> ancestors = [&](const StepDef& step) -> const std::set<std::string>& {
      auto it = m_ancestors.find(step.id);
      if (it != m_ancestors.end()) {
        return it->second;
      }
      std::set<std::string> result;
      for (const auto& need : step.needs) {
        if (const StepDef* parent = m_wf.find_step(need)) {
          result.insert(need);
          const auto& above = ancestors(*parent);
          result.insert(above.begin(), above.end());
        }
      }
      return m_ancestors.emplace(step.id, std::move(result)).first->second;
    };
    for (const auto& step : m_wf.steps) {
      ancestors(step);
    }
  }

  // A position inside a YAML scalar: find the expression's text in the source
  // after the scalar's start (block and quoted scalars do not map 1:1).
  SourcePos locate(const TemplateText& text, std::size_t offset) const {
    const std::size_t start = m_diag.offset_of(text.pos);
    if (offset >= text.text.size()) {
      return text.pos;
    }
    std::size_t end_of_needle = text.text.find('\n', offset);
    if (end_of_needle == std::string::npos) {
      end_of_needle = text.text.size();
    }
    const std::string needle = text.text.substr(offset, std::min<std::size_t>(end_of_needle - offset, 48));
    if (needle.empty()) {
      return text.pos;
    }
    std::size_t occurrences_before = 0;
    for (std::size_t at = text.text.find(needle); at != std::string::npos && at < offset;
         at = text.text.find(needle, at + 1)) {
      ++occurrences_before;
    }
    const std::string_view source = m_diag.source();
    std::size_t at = source.find(needle, start);
    while (at != std::string_view::npos && occurrences_before > 0) {
      at = source.find(needle, at + 1);
      --occurrences_before;
    }
    if (at == std::string_view::npos) {
      return text.pos;
    }
    return m_diag.position_of(at);
  }

  // `if:` and `retry.when:` may be written with or without ${{ }}.
  void check_condition(const TemplateText& text, const Scope& scope) {
    if (text.text.find("${{") != std::string::npos) {
      check_template(text, scope);
      return;
    }
    auto parsed = expr::Expression::parse(text.text);
    if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
      m_diag.error(locate(text, error->offset), fmt::format("invalid expression in '{}': {}", scope.field, error->message));
      return;
    }
    for (const auto& ref : std::get<expr::Expression>(parsed).references()) {
      check_reference(ref, text, scope);
    }
  }

  void check_template(const TemplateText& text, const Scope& scope) {
    if (text.text.find("${{") == std::string::npos) {
      return;
    }
    auto parsed = expr::Template::parse(text.text);
    if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
      m_diag.error(locate(text, error->offset), fmt::format("invalid expression in '{}': {}", scope.field, error->message));
      return;
    }
    for (const auto& ref : std::get<expr::Template>(parsed).references()) {
      check_reference(ref, text, scope);
    }
  }

  void unknown_member(const expr::Reference& ref, const TemplateText& text, const std::string& what,
                      const std::string& name, const std::vector<std::string>& known) {
    std::string message = fmt::format("unknown {} '{}' in {}.{}", what, name, ref.root, name);
    if (auto suggestion = did_you_mean(name, known)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    } else if (!known.empty()) {
      message += fmt::format("; known: {}", fmt::join(known, ", "));
    }
    m_diag.error(locate(text, ref.offset), message);
  }

  void check_reference(const expr::Reference& ref, const TemplateText& text, const Scope& scope) {
    static const std::vector<std::string> k_roots = {"inputs", "env", "secrets", "steps", "matrix", "run", "attempt"};
    const std::string& root = ref.root;
    const SourcePos pos = locate(text, ref.offset);
    if (std::find(k_roots.begin(), k_roots.end(), root) == k_roots.end()) {
      std::string message = fmt::format("unknown context '{}'", root);
      if (auto suggestion = did_you_mean(root, k_roots)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(pos, message + "; contexts are inputs, env, secrets, steps, matrix, run, attempt");
      return;
    }
    const std::string member = ref.path.empty() ? std::string() : ref.path.front();
    if (root == "inputs") {
      if (!member.empty() && std::find(m_input_names.begin(), m_input_names.end(), member) == m_input_names.end()) {
        unknown_member(ref, text, "input", member, m_input_names);
      }
    } else if (root == "secrets") {
      if (!scope.allow_secrets) {
        if (scope.secret_refusal != nullptr) {
          m_diag.error(pos, fmt::format("secrets cannot be used in '{}': {}", scope.field, scope.secret_refusal));
        } else {
          const std::string name = member.empty() ? "NAME" : member;
          m_diag.error(pos, fmt::format("secret '{}' used in run: text; secrets reach shell steps only as environment "
                                        "variables: set env: {{ {}: ${{{{ secrets.{} }}}} }} and use ${}",
                                        name, name, name, name));
        }
      } else if (!member.empty() && std::find(m_wf.secrets.begin(), m_wf.secrets.end(), member) == m_wf.secrets.end()) {
        std::string message = fmt::format("unknown secret '{}': declare it in 'secrets'", member);
        if (auto suggestion = did_you_mean(member, m_wf.secrets)) {
          message = fmt::format("unknown secret '{}' (did you mean '{}'?)", member, *suggestion);
        }
        m_diag.error(pos, message);
      }
    } else if (root == "steps") {
      check_step_reference(ref, scope, pos);
    } else if (root == "matrix") {
      if (!scope.allow_matrix) {
        m_diag.error(pos, scope.step != nullptr
                              ? fmt::format("'matrix' is not available in '{}' of step '{}': the step has no matrix",
                                            scope.field, scope.step->id)
                              : fmt::format("'matrix' is not available in workflow-level '{}'", scope.field));
      } else if (!member.empty() && scope.step->matrix && !scope.step->matrix->from) {
        std::vector<std::string> axes;
        for (const auto& [axis, values] : scope.step->matrix->axes.items()) {
          axes.push_back(axis);
        }
        for (const auto& entry : scope.step->matrix->include) {
          for (const auto& [key, value] : entry.items()) {
            if (std::find(axes.begin(), axes.end(), key) == axes.end()) {
              axes.push_back(key);
            }
          }
        }
        if (std::find(axes.begin(), axes.end(), member) == axes.end()) {
          unknown_member(ref, text, "matrix axis", member, axes);
        }
      }
    } else if (root == "run") {
      if (!member.empty() && std::find(k_run_fields.begin(), k_run_fields.end(), member) == k_run_fields.end()) {
        unknown_member(ref, text, "run field", member, k_run_fields);
      }
    } else if (root == "attempt") {
      if (!scope.allow_attempt) {
        m_diag.error(pos, fmt::format("'attempt' is only available in retry.when, not in '{}'", scope.field));
      } else if (!member.empty() &&
                 std::find(k_attempt_fields.begin(), k_attempt_fields.end(), member) == k_attempt_fields.end()) {
        unknown_member(ref, text, "attempt field", member, k_attempt_fields);
      }
    }
  }

  void check_step_reference(const expr::Reference& ref, const Scope& scope, SourcePos pos) {
    if (!scope.allow_steps) {
      m_diag.error(pos, fmt::format("'steps' is not available in workflow-level '{}': no step has run yet", scope.field));
      return;
    }
    if (ref.path.empty()) {
      return;
    }
    const std::string& id = ref.path.front();
    const StepDef* target = m_wf.find_step(id);
    if (target == nullptr) {
      std::string message = fmt::format("unknown step '{}' in steps.{}", id, id);
      if (auto suggestion = did_you_mean(id, m_step_ids)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(pos, message);
      return;
    }
    if (ref.path.size() > 1) {
      const std::string& field = ref.path[1];
      if (std::find(k_step_fields.begin(), k_step_fields.end(), field) == k_step_fields.end()) {
        std::string message = fmt::format("unknown step field '{}' in steps.{}.{}", field, id, field);
        if (auto suggestion = did_you_mean(field, k_step_fields)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        } else {
          message += fmt::format("; known: {}", fmt::join(k_step_fields, ", "));
        }
        m_diag.error(pos, message);
        return;
      }
    }
    if (scope.step == nullptr || !m_ancestors_known) {
      return;
    }
    if (target == scope.step) {
      if (!scope.allow_self) {
        m_diag.error(pos, fmt::format("step '{}' reads its own steps.{} in '{}': it has not finished yet; use it in "
                                      "'outputs' or 'compensate'",
                                      id, id, scope.field));
      }
      return;
    }
    // on_failure and finally steps run after every main step has finished.
    if (scope.step->phase != Phase::main && target->phase == Phase::main) {
      return;
    }
    const auto& above = m_ancestors[scope.step->id];
    if (above.count(id) == 0) {
      m_diag.error(pos, fmt::format("step '{}' reads steps.{} but does not depend on it: add '{}' to its needs",
                                    scope.step->id, id, id));
    }
  }

  const Workflow& m_wf;
  const StepKindRegistry& m_kinds;
  Diagnostics& m_diag;
  std::vector<std::string> m_input_names;
  std::vector<std::string> m_step_ids;
  std::map<std::string, std::set<std::string>> m_ancestors;
  bool m_ancestors_known = false;
};

}  // namespace

void check_workflow(const Workflow& workflow, const StepKindRegistry& kinds, Diagnostics& diagnostics) {
  Checker(workflow, kinds, diagnostics).run();
}

std::vector<const StepDef*> topological_order(const Workflow& workflow, Phase phase) {
  std::vector<const StepDef*> order;
  std::set<std::string> placed;
  std::function<void(const StepDef&)> place = [&](const StepDef& step) {
    if (placed.count(step.id) != 0) {
      return;
    }
    placed.insert(step.id);
    for (const auto& need : step.needs) {
      if (const StepDef* parent = workflow.find_step(need)) {
        place(*parent);
      }
    }
    order.push_back(&step);
  };
  for (const auto& step : workflow.steps) {
    if (step.phase == phase) {
      place(step);
    }
  }
  return order;
}

}  // namespace automata::engine
