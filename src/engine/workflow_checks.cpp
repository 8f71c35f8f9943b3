#include "engine/workflow_checks.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/expr.hpp"
#include "engine/loader.hpp"
#include "engine/secret_names.hpp"
#include "engine/shell_script.hpp"
#include "engine/suggest.hpp"
#include "engine/text_case.hpp"

namespace automata::engine {
namespace {

const std::vector<std::string> k_step_fields = {"outputs", "status", "exit_code", "stdout", "attempts", "duration_ms", "error"};
const std::vector<std::string> k_run_fields = {"id", "dir", "attempt", "workflow", "failed_step"};
const std::vector<std::string> k_attempt_fields = {"number", "exit_code", "timed_out", "error"};

// Names in expressions are case-insensitive, as in GitHub Actions
// (`inputs.Branch`, `secrets.my_token`, `steps.Build`).
bool has_name(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& known) { return equals_ignore_case(known, name); });
}

// As the evaluator resolves steps.ID: an exact match first (two ids may differ only in case).
const StepDef* find_step_ignoring_case(const Workflow& workflow, std::string_view id) {
  if (const StepDef* exact = workflow.find_step(id)) {
    return exact;
  }
  const auto it = std::find_if(workflow.steps.begin(), workflow.steps.end(),
                               [&](const StepDef& step) { return equals_ignore_case(step.id, id); });
  return it == workflow.steps.end() ? nullptr : &*it;
}

const char* section_name(Phase phase) {
  switch (phase) {
    case Phase::main:
      return "steps";
    case Phase::on_failure:
      return "on_failure";
    case Phase::finally:
      return "finally";
  }
  return "steps";
}

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
    m_acyclic = check_cycles();
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
      check_condition(*m_wf.default_retry.when, scope);
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
      check_script(step);
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
        m_diag.error(step.matrix->from->pos,
                     fmt::format("'matrix' must be a map of axes to lists (e.g. {{ os: [a, b] }}) or one ${{{{ }}}} "
                                 "expression giving a list, got '{}'",
                                 step.matrix->from->text));
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
    check_with(step, scope, fmt::format("step '{}'", step.id));
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
        check_script(comp);
      }
      for (const auto& [name, text] : comp.env) {
        comp_scope.field = "env";
        check_template(text, comp_scope);
      }
      if (comp.working_directory) {
        comp_scope.field = "working_directory";
        check_template(*comp.working_directory, comp_scope);
      }
      check_with(comp, comp_scope, fmt::format("the compensation of step '{}'", step.id));
    }
  }

  // How the run text's expressions reach the shell (shell_script.hpp); a
  // text that does not parse was reported by check_template.
  void check_script(const StepDef& step) {
    const std::string& shell = step.shell.empty() ? m_wf.default_shell : step.shell;
    if (expr::Template::parse(step.run->text).index() != 0) {
      return;
    }
    auto prepared = prepare_shell_script(step.run->text, shell);
    if (const auto* problem = std::get_if<ScriptProblem>(&prepared)) {
      m_diag.error(locate(*step.run, problem->offset), fmt::format("in 'run': {}", problem->message));
    }
  }

  void check_with(const StepDef& step, Scope scope, const std::string& label) {
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
      check_param_value(label, *it, step.with[key], pos, scope);
    }
    for (const auto& p : kind->params()) {
      if (p.required && !step.with.contains(p.name)) {
        m_diag.error(step.uses_pos, fmt::format("step kind '{}' needs parameter '{}' in 'with': {}", step.uses,
                                                p.name, p.description));
      }
    }
  }

  // Literal values are type-checked now; strings with expressions when they run.
  void check_param_value(const std::string& label, const ParamSpec& spec, const Value& value, SourcePos pos,
                         const Scope& scope) {
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
    if (auto problem = param_problem(spec, value)) {
      m_diag.error(pos, fmt::format("parameter '{}' of {} {}", spec.name, label, *problem));
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
          const char* mine = section_name(step.phase);
          const char* theirs = section_name(target->phase);
          m_diag.error(step.needs_pos[i],
                       target->phase < step.phase
                           ? fmt::format("step '{}' cannot need '{}', which is in '{}': needs stay within one section; "
                                         "'{}' has finished before '{}' starts, so remove it",
                                         step.id, need, theirs, theirs, mine)
                           : fmt::format("step '{}' cannot need '{}', which is in '{}': needs stay within one section, "
                                         "and '{}' runs after '{}'",
                                         step.id, need, theirs, theirs, mine));
        } else if (target == &step) {
          m_diag.error(step.needs_pos[i], fmt::format("step '{}' needs itself; remove '{}' from its needs", step.id,
                                                      need));
        }
      }
    }
  }

  // Iterative depth-first search: a chain of 30,000 steps must not recurse
  // 30,000 frames deep.
  bool check_cycles() {
    enum class Mark { none, active, done };
    std::unordered_map<const StepDef*, Mark> marks;
    std::vector<std::pair<const StepDef*, std::size_t>> stack;  // step, next need to look at
    bool acyclic = true;
    for (const auto& root : m_wf.steps) {
      if (marks[&root] != Mark::none) {
        continue;
      }
      marks[&root] = Mark::active;
      stack.emplace_back(&root, 0);
      while (!stack.empty()) {
        auto& [step, i] = stack.back();
        if (i == step->needs.size()) {
          marks[step] = Mark::done;
          stack.pop_back();
          continue;
        }
        const std::size_t need_index = i++;
        const StepDef* next = m_wf.find_step(step->needs[need_index]);
        if (next == nullptr || next == step || next->phase != step->phase) {
          continue;
        }
        const Mark mark = marks[next];
        if (mark == Mark::active) {
          // The stack from `next` to here is a chain in which each step needs
          // the one after it, and this step needs `next`. Start the message at
          // this step, whose `needs` entry the caret points at.
          std::vector<std::string> links;
          links.push_back(fmt::format("{} needs {}", step->id, next->id));
          auto from = std::find_if(stack.begin(), stack.end(), [&](const auto& entry) { return entry.first == next; });
          for (auto it = from; it + 1 != stack.end(); ++it) {
            links.push_back(fmt::format("{} needs {}", it->first->id, (it + 1)->first->id));
          }
          m_diag.error(step->needs_pos[need_index],
                       fmt::format("dependency cycle: {}; remove one of these needs", fmt::join(links, ", ")));
          acyclic = false;
        } else if (mark == Mark::none) {
          marks[next] = Mark::active;
          stack.emplace_back(next, 0);
        }
      }
    }
    return acyclic;
  }

  // Whether `target` is upstream of `from` through needs in the same
  // section. Searched only when an expression reads steps.X, so a long chain
  // costs nothing when no step reads another.
  bool is_upstream(const StepDef& from, const std::string& target) const {
    std::vector<const StepDef*> pending = {&from};
    std::unordered_set<const StepDef*> seen = {&from};
    while (!pending.empty()) {
      const StepDef* step = pending.back();
      pending.pop_back();
      for (const auto& need : step->needs) {
        if (need == target) {
          return true;
        }
        const StepDef* parent = m_wf.find_step(need);
        if (parent != nullptr && parent->phase == from.phase && seen.insert(parent).second) {
          pending.push_back(parent);
        }
      }
    }
    return false;
  }

  // A position inside a YAML scalar. The scalar's text is not its source
  // (quotes, escapes, folded lines, block indentation), so the word at
  // `offset` is searched in the source after the scalar's start, skipping as
  // many occurrences as the text has before `offset`. The word stops at
  // whitespace, the one thing folding and indentation change; quote
  // characters are written back the way the scalar's style escapes them.
  SourcePos locate(const TemplateText& text, std::size_t offset) const {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (offset < text.text.size() && is_space(text.text[offset])) {
      ++offset;
    }
    if (offset >= text.text.size()) {
      return text.pos;
    }
    std::size_t word_end = offset;
    while (word_end < text.text.size() && word_end - offset < 48 && !is_space(text.text[word_end])) {
      ++word_end;
    }
    const std::string word = text.text.substr(offset, word_end - offset);
    const std::size_t start = m_diag.offset_of(text.pos);
    const std::string_view source = m_diag.source();
    const char style = start < source.size() ? source[start] : ' ';
    std::string needle;
    for (const char c : word) {
      if (style == '"' && (c == '"' || c == '\\')) {
        needle += '\\';
      } else if (style == '\'' && c == '\'') {
        needle += '\'';
      }
      needle += c;
    }
    std::size_t occurrences_before = 0;
    for (std::size_t at = text.text.find(word); at != std::string::npos && at < offset;
         at = text.text.find(word, at + 1)) {
      ++occurrences_before;
    }
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
      auto parsed = expr::Template::parse(text.text);
      if (auto* tpl = std::get_if<expr::Template>(&parsed); tpl != nullptr && !tpl->is_single_expression()) {
        // "${{ a }} && b" renders as a string, which is always true.
        m_diag.error(text.pos, fmt::format("'{}' mixes text with ${{{{ }}}}: the result would be a string, which is "
                                           "always true; write the whole condition inside one ${{{{ }}}}, or without "
                                           "${{{{ }}}}",
                                           scope.field));
      }
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
    if (auto suggestion = did_you_mean_ignoring_case(name, known)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    } else if (!known.empty()) {
      message += fmt::format("; known: {}", fmt::join(known, ", "));
    } else if (ref.root == "inputs") {
      message += "; the workflow declares no inputs: add it under 'inputs'";
    }
    m_diag.error(locate(text, ref.offset), message);
  }

  void check_reference(const expr::Reference& ref, const TemplateText& text, const Scope& scope) {
    static const std::vector<std::string> k_roots = {"inputs", "env", "secrets", "steps", "matrix", "run", "attempt"};
    const std::string& root = ref.root;
    const SourcePos pos = locate(text, ref.offset);
    if (std::find(k_roots.begin(), k_roots.end(), root) == k_roots.end()) {
      std::string message = fmt::format("unknown context '{}'", root);
      if (auto suggestion = did_you_mean_ignoring_case(root, k_roots)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(pos, message + "; contexts are inputs, env, secrets, steps, matrix, run, attempt");
      return;
    }
    const std::string member = ref.path.empty() ? std::string() : ref.path.front();
    if (root == "inputs") {
      if (!member.empty() && !has_name(m_input_names, member)) {
        unknown_member(ref, text, "input", member, m_input_names);
      }
    } else if (root == "secrets") {
      if (!scope.allow_secrets) {
        if (scope.secret_refusal != nullptr) {
          m_diag.error(pos, fmt::format("secrets cannot be used in '{}': {}", scope.field, scope.secret_refusal));
        } else {
          const std::string name = member.empty() ? "NAME" : member;
          m_diag.error(pos, fmt::format("secrets cannot be used in 'run' text, where they would be shown and stored; "
                                        "pass the secret as an environment variable: set env: {{ {}: ${{{{ secrets.{} "
                                        "}}}} }} and use ${} in the command",
                                        name, name, name));
        }
      } else if (!member.empty() && !has_name(m_wf.secrets, member)) {
        std::string message = fmt::format("unknown secret '{}': declare it in 'secrets'", member);
        if (auto suggestion = did_you_mean_ignoring_case(member, m_wf.secrets)) {
          message = fmt::format("unknown secret '{}' (did you mean '{}'?)", member, *suggestion);
        }
        m_diag.error(pos, message);
      }
    } else if (root == "env") {
      check_env_reference(member, scope, pos);
    } else if (root == "steps") {
      check_step_reference(ref, scope, pos);
    } else if (root == "matrix") {
      if (!scope.allow_matrix) {
        if (scope.step == nullptr) {
          m_diag.error(pos, fmt::format("'matrix' is not available in workflow-level '{}': only a step with a "
                                        "'matrix' has it",
                                        scope.field));
        } else if (scope.field == "matrix") {
          m_diag.error(pos, fmt::format("'matrix' cannot be used in the 'matrix' of step '{}' itself: an axis is "
                                        "known only once the matrix is expanded",
                                        scope.step->id));
        } else {
          m_diag.error(pos, fmt::format("'matrix' is not available in '{}' of step '{}': the step has no 'matrix'",
                                        scope.field, scope.step->id));
        }
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
        if (!has_name(axes, member)) {
          unknown_member(ref, text, "matrix axis", member, axes);
        }
      }
    } else if (root == "run") {
      if (!member.empty() && !has_name(k_run_fields, member)) {
        unknown_member(ref, text, "run field", member, k_run_fields);
      }
    } else if (root == "attempt") {
      if (!scope.allow_attempt) {
        m_diag.error(pos, fmt::format("'attempt' is only available in retry.when, not in '{}'", scope.field));
      } else if (!member.empty() && !has_name(k_attempt_fields, member)) {
        unknown_member(ref, text, "attempt field", member, k_attempt_fields);
      }
    }
  }

  // The env context holds no secrets (secret_names.hpp): only the workflow's
  // own env: entries may have a credential-looking name.
  void check_env_reference(const std::string& name, const Scope& scope, SourcePos pos) {
    // `env.deploy_token` names DEPLOY_TOKEN too: the names are case-insensitive.
    const bool secret = is_secret_variable(name, m_wf.secrets) || has_name(m_wf.secrets, name) ||
                        has_name(well_known_secret_variables(), name);
    if (name.empty() || !secret) {
      return;
    }
    const bool defined = std::any_of(m_wf.env.begin(), m_wf.env.end(),
                                     [&](const auto& entry) { return equals_ignore_case(entry.first, name); });
    if (defined) {
      return;
    }
    const bool declared = has_name(m_wf.secrets, name);
    m_diag.error(pos, fmt::format("env.{} is a secret, and the env context holds no secrets: {}use ${{{{ secrets.{} }}}}{}",
                                  name, declared ? "" : std::string("declare it in 'secrets' and "), name,
                                  scope.allow_secrets ? "" : fmt::format(" in 'env:' or 'with:', not in '{}'", scope.field)));
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
    const StepDef* target = find_step_ignoring_case(m_wf, id);
    if (target == nullptr) {
      std::string message = fmt::format("unknown step '{}' in steps.{}", id, id);
      if (auto suggestion = did_you_mean_ignoring_case(id, m_step_ids)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(pos, message);
      return;
    }
    if (ref.path.size() > 1) {
      const std::string& field = ref.path[1];
      if (!has_name(k_step_fields, field)) {
        std::string message = fmt::format("unknown step field '{}' in steps.{}.{}", field, id, field);
        if (auto suggestion = did_you_mean_ignoring_case(field, k_step_fields)) {
          message += fmt::format(" (did you mean '{}'?)", *suggestion);
        } else {
          message += fmt::format("; known: {}", fmt::join(k_step_fields, ", "));
        }
        m_diag.error(pos, message);
        return;
      }
    }
    if (scope.step == nullptr || !m_acyclic) {
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
    // Sections run one after the other: steps, then on_failure, then finally.
    if (target->phase < scope.step->phase) {
      return;
    }
    if (target->phase > scope.step->phase) {
      m_diag.error(pos, fmt::format("step '{}' reads steps.{}, but '{}' is in '{}', which runs after '{}'",
                                    scope.step->id, id, id, section_name(target->phase),
                                    section_name(scope.step->phase)));
      return;
    }
    if (!is_upstream(*scope.step, target->id)) {
      m_diag.error(pos, fmt::format("step '{}' reads steps.{} but does not depend on it: add '{}' to its needs",
                                    scope.step->id, id, target->id));
    }
  }

  const Workflow& m_wf;
  const StepKindRegistry& m_kinds;
  Diagnostics& m_diag;
  std::vector<std::string> m_input_names;
  std::vector<std::string> m_step_ids;
  bool m_acyclic = false;
};

}  // namespace

void check_workflow(const Workflow& workflow, const StepKindRegistry& kinds, Diagnostics& diagnostics) {
  Checker(workflow, kinds, diagnostics).run();
}

std::vector<const StepDef*> topological_order(const Workflow& workflow, Phase phase) {
  // Depth-first, needs before the step, with an explicit stack (long chains).
  std::vector<const StepDef*> order;
  std::unordered_set<const StepDef*> placed;
  std::vector<std::pair<const StepDef*, std::size_t>> stack;
  for (const auto& root : workflow.steps) {
    if (root.phase != phase || !placed.insert(&root).second) {
      continue;
    }
    stack.emplace_back(&root, 0);
    while (!stack.empty()) {
      auto& [step, i] = stack.back();
      if (i == step->needs.size()) {
        order.push_back(step);
        stack.pop_back();
        continue;
      }
      const StepDef* parent = workflow.find_step(step->needs[i++]);
      if (parent != nullptr && placed.insert(parent).second) {
        stack.emplace_back(parent, 0);
      }
    }
  }
  return order;
}

namespace {

// `if` and `retry.when` may be written without ${{ }}; other fields are text
// with expressions in it.
void add_reads(const TemplateText& text, bool condition, StepReads& reads) {
  std::vector<expr::Reference> references;
  if (text.text.find("${{") != std::string::npos) {
    auto parsed = expr::Template::parse(text.text);
    if (auto* tpl = std::get_if<expr::Template>(&parsed)) {
      references = tpl->references();
    }
  } else if (condition) {
    auto parsed = expr::Expression::parse(text.text);
    if (auto* expression = std::get_if<expr::Expression>(&parsed)) {
      references = expression->references();
    }
  }
  for (const auto& reference : references) {
    if (reference.root != "steps") {
      continue;
    }
    if (reference.path.empty()) {
      reads.any = true;
    } else {
      reads.ids.insert(reference.path.front());
    }
  }
}

void add_value_reads(const Value& value, SourcePos pos, StepReads& reads) {
  if (value.is_string()) {
    add_reads(TemplateText{value.get<std::string>(), pos}, false, reads);
  } else if (value.is_structured()) {
    for (const auto& item : value) {
      add_value_reads(item, pos, reads);
    }
  }
}

void add_step_reads(const StepDef& step, StepReads& reads) {
  for (const auto* text : {step.run ? &*step.run : nullptr, step.working_directory ? &*step.working_directory : nullptr}) {
    if (text != nullptr) {
      add_reads(*text, false, reads);
    }
  }
  for (const auto* condition : {step.if_expr ? &*step.if_expr : nullptr, step.retry.when ? &*step.retry.when : nullptr}) {
    if (condition != nullptr) {
      add_reads(*condition, true, reads);
    }
  }
  for (const auto* named : {&step.env, &step.outputs}) {
    for (const auto& [name, text] : *named) {
      add_reads(text, false, reads);
    }
  }
  add_value_reads(step.with, step.pos, reads);
  if (step.matrix) {
    if (step.matrix->from) {
      add_reads(*step.matrix->from, false, reads);
    }
    for (const auto& [axis, pos] : step.matrix->axis_positions) {
      add_value_reads(step.matrix->axes[axis], pos, reads);
    }
  }
  if (step.compensate) {
    add_step_reads(*step.compensate, reads);
  }
}

}  // namespace

StepReads step_reads(const StepDef& step) {
  StepReads reads;
  add_step_reads(step, reads);
  return reads;
}

std::set<std::string> downstream_of(const Workflow& workflow, const std::string& step_id) {
  std::unordered_map<std::string, std::vector<const std::string*>> dependents;
  std::vector<const std::string*> read_everything;
  for (const auto& step : workflow.steps) {
    for (const auto& need : step.needs) {
      dependents[need].push_back(&step.id);
    }
    const StepReads reads = step_reads(step);
    for (const auto& id : reads.ids) {
      const StepDef* target = find_step_ignoring_case(workflow, id);
      if (target != nullptr && target != &step) {
        dependents[target->id].push_back(&step.id);
      }
    }
    if (reads.any) {
      read_everything.push_back(&step.id);
    }
  }
  std::set<std::string> found = {step_id};
  std::vector<std::string> pending = {step_id};
  while (!pending.empty()) {
    const std::string id = std::move(pending.back());
    pending.pop_back();
    const auto it = dependents.find(id);
    auto visit = [&](const std::string* dependent) {
      if (found.insert(*dependent).second) {
        pending.push_back(*dependent);
      }
    };
    if (it != dependents.end()) {
      for (const std::string* dependent : it->second) {
        visit(dependent);
      }
    }
    for (const std::string* reader : read_everything) {
      visit(reader);
    }
  }
  return found;
}

}  // namespace automata::engine
