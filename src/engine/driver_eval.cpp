// Expression contexts of a driven run (dsl.md "Expressions"): inputs, env,
// secrets, steps, matrix, run, attempt. Evaluation happens on the driver
// thread only, so replay stays a pure function of the journal.
#include <algorithm>

#include <fmt/format.h>

#include "engine/driver_context.hpp"
#include "engine/secret_names.hpp"

namespace automata::engine {
namespace {

std::string as_text(const Value& value) { return value.is_string() ? value.get<std::string>() : expr::to_display_string(value); }

// What bash arithmetic takes as a plain number: [+-]digits, spaces around.
bool is_whole_number(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return false;
  }
  text = text.substr(start, text.find_last_not_of(" \t") + 1 - start);
  if (text.front() == '-' || text.front() == '+') {
    text.remove_prefix(1);
  }
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

expr::StatusFlags Driver::Impl::needs_status(const StepDef& def) const {
  expr::StatusFlags flags;
  flags.cancelled = flow.stop == StopMode::cancel;
  if (def.needs.empty() && def.phase != Phase::main) {
    flags.any_failed = outcome.failed;
    flags.all_succeeded = !outcome.failed && flow.stop == StopMode::none;
    return flags;
  }
  for (const auto& need : def.needs) {
    const auto found = graph.node_by_id.find(need);
    if (found == graph.node_by_id.end()) {
      continue;
    }
    {
      const Node& node = graph.node(found->second);
      const bool allowed_failure = node.status == "failed" && node.def->continue_on_error;
      if ((node.status == "failed" && !allowed_failure) || node.status == "cancelled") {
        flags.any_failed = true;
      }
      if (node.status != "succeeded" && !allowed_failure) {
        flags.all_succeeded = false;
      }
    }
  }
  return flags;
}

expr::EvalContext Driver::Impl::eval_context(const Instance* instance, const Value* attempt) {
  expr::EvalContext context;
  auto run_context = std::make_shared<Value>(Value{{"id", run_id},
                                                   {"dir", run_dir.string()},
                                                   {"attempt", instance != nullptr ? instance->attempt : 0},
                                                   {"workflow", workflow->name},
                                                   {"failed_step", outcome.failed_step.empty() ? Value() : Value(outcome.failed_step)}});
  const Value* matrix = instance != nullptr && !instance->matrix.is_null() ? &instance->matrix : nullptr;
  context.lookup = [this, run_context, matrix, attempt](std::string_view root) -> const Value* {
    if (root == "inputs") {
      return &inputs;
    }
    if (root == "env") {
      return &scope.env_context;
    }
    if (root == "secrets") {
      return &scope.secrets_context;
    }
    if (root == "steps") {
      return &scope.steps_context;
    }
    if (root == "matrix") {
      return matrix;
    }
    if (root == "run") {
      return run_context.get();
    }
    if (root == "attempt") {
      return attempt;
    }
    return nullptr;
  };
  if (instance != nullptr) {
    context.status = needs_status(*instance->def);
  } else {
    context.status.any_failed = outcome.failed;
    context.status.cancelled = flow.stop == StopMode::cancel;
    context.status.all_succeeded = !outcome.failed;
  }
  context.hash_root = options.hash_root.empty() ? cwd : options.hash_root;
  return context;
}

Result<Value> Driver::Impl::render(const TemplateText& text, const expr::EvalContext& context) {
  if (text.text.find("${{") == std::string::npos) {
    return Value(text.text);
  }
  auto it = scope.template_cache.find(text.text);
  if (it == scope.template_cache.end()) {
    auto parsed = expr::Template::parse(text.text);
    if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
      return Error::failed(error->message);
    }
    it = scope.template_cache.emplace(text.text, std::make_shared<expr::Template>(std::get<expr::Template>(std::move(parsed)))).first;
  }
  return it->second->render(context);
}

Result<Value> Driver::Impl::render_value(const Value& value, const expr::EvalContext& context) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.find("${{") == std::string::npos) {
      return value;
    }
    return render(TemplateText{text, {}}, context);  // parsed once per distinct text
  }
  if (value.is_array()) {
    Value out = Value::array();
    for (const auto& item : value) {
      TRY_ASSIGN(Value rendered, render_value(item, context));
      out.push_back(std::move(rendered));
    }
    return out;
  }
  if (value.is_object()) {
    Value out = Value::object();
    for (const auto& [key, item] : value.items()) {
      TRY_ASSIGN(Value rendered, render_value(item, context));
      out[key] = std::move(rendered);
    }
    return out;
  }
  return value;
}

Result<bool> Driver::Impl::evaluate_condition(const std::optional<TemplateText>& text, const expr::EvalContext& context,
                                              bool default_value, bool* decided_by_needs) {
  const bool success = context.status.all_succeeded && !context.status.any_failed && !context.status.cancelled;
  if (!text) {
    if (decided_by_needs != nullptr) {
      *decided_by_needs = default_value && !success;
    }
    return default_value && success;
  }
  bool uses_status = false;
  Value value;
  if (text->text.find("${{") != std::string::npos) {
    auto parsed = expr::Template::parse(text->text);
    if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
      return Error::failed(error->message);
    }
    const auto& tpl = std::get<expr::Template>(parsed);
    uses_status = tpl.uses_status_function();
    TRY_ASSIGN(value, tpl.render(context));
  } else {
    auto parsed = expr::Expression::parse(text->text);
    if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
      return Error::failed(error->message);
    }
    const auto& expression = std::get<expr::Expression>(parsed);
    uses_status = expression.uses_status_function();
    TRY_ASSIGN(value, expression.evaluate(context));
  }
  // As in GitHub Actions: an `if` without a status function is success() && (if).
  if (!uses_status && !success) {
    if (decided_by_needs != nullptr) {
      *decided_by_needs = true;
    }
    return false;
  }
  return expr::is_truthy(value);
}

void Driver::Impl::update_steps_context(const Instance& instance) {
  // ordered_json lookups are linear: an entry no expression reads is not kept.
  if (!scope.step_is_read(instance.def->id)) {
    return;
  }
  Value entry = Value::object();
  entry["status"] = instance.status;
  entry["outputs"] = instance.outputs;
  entry["exit_code"] = instance.exit_code ? Value(*instance.exit_code) : Value();
  entry["attempts"] = instance.attempt;
  entry["duration_ms"] = instance.duration_ms;
  if (!instance.error.empty()) {
    entry["error"] = instance.error;
  }
  if (scope.stdout_is_read(instance.def->id)) {
    std::string tail;
    if (instance.context) {
      tail = instance.context->stdout_tail();
    } else if (const auto known = state.steps.find(instance.id); known != state.steps.end()) {
      tail = known->second.stdout_tail;
    }
    entry["stdout"] = std::move(tail);
  }
  scope.steps_context[instance.id] = std::move(entry);
}

std::vector<std::string> Driver::Impl::step_environment(const StepDef& def, const Instance& instance,
                                                        const expr::EvalContext& context,
                                                        const std::vector<std::string>& secret_names,
                                                        Result<void>& error) {
  std::map<std::string, std::string> env = scope.step_base_env;
  for (const auto& name : secret_names) {
    if (const auto it = scope.base_env_map.find(name); it != scope.base_env_map.end()) {
      env[name] = it->second;
    }
  }
  for (const auto& [name, text] : def.env) {
    auto value = render(text, context);
    if (!value.ok()) {
      error = Error::failed(fmt::format("env.{}: {}", name, value.error().message));
      return {};
    }
    env[name] = as_text(value.value());
  }
  env["AUTOMATA_RUN_ID"] = run_id;
  env["AUTOMATA_RUN_DIR"] = run_dir.string();
  env["AUTOMATA_STEP_ID"] = instance.id;
  env["AUTOMATA_ATTEMPT"] = std::to_string(instance.attempt);
  env["AUTOMATA_WORKFLOW"] = workflow->name;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) {
    out.push_back(key + "=" + value);
  }
  return out;
}

std::vector<std::string> Driver::Impl::secrets_for_step(const StepDef& def, const StepKind* kind, const Value& params) {
  std::vector<std::string> names;
  if (def.run) {
    names = variables_named_in_script(def.run->text, workflow->secrets);
  }
  if (kind != nullptr) {
    for (auto& name : kind->secret_variables(params)) {
      names.push_back(std::move(name));
    }
    // password_env, token_env, ...: a parameter naming the variable that holds a credential.
    for (const auto& [key, value] : params.items()) {
      if (value.is_string() && names_a_secret_variable(key)) {
        names.push_back(value.get<std::string>());
      }
    }
  }
  return names;
}

Result<std::vector<std::string>> Driver::Impl::script_variables(const ShellScript& script,
                                                                 const expr::EvalContext& context) {
  std::vector<std::string> entries;
  entries.reserve(script.slots.size());
  for (const auto& slot : script.slots) {
    std::string_view source = slot.expression->source();
    source.remove_prefix(std::min(source.find_first_not_of(" \t\n"), source.size()));
    source = source.substr(0, source.find_last_not_of(" \t\n") + 1);
    const std::string shown = fmt::format("${{{{ {} }}}}", source);
    TRY_ASSIGN(Value value, slot.expression->evaluate(context));
    std::string text = as_text(value);
    if (text.find('\0') != std::string::npos) {
      return Error::failed(fmt::format("run: the value of {} holds a NUL byte, which no shell variable can carry",
                                       shown));
    }
    if (slot.numeric && !value.is_number() && !is_whole_number(text)) {
      return Error::failed(fmt::format(
          "run: {} stands in arithmetic ($(( )) or (( ))), where the shell evaluates its text and could run "
          "commands: it must be a whole number, got '{}'",
          shown, text.size() > 60 ? text.substr(0, 60) + "..." : text));
    }
    entries.push_back(slot.variable + "=" + text);
  }
  return entries;
}

Result<std::shared_ptr<const ShellScript>> Driver::Impl::shell_script(const TemplateText& run, const std::string& shell) {
  std::string key = shell;
  key += '\0';
  key += run.text;
  if (const auto it = scope.script_cache.find(key); it != scope.script_cache.end()) {
    return it->second;
  }
  auto prepared = prepare_shell_script(run.text, shell);
  if (auto* problem = std::get_if<ScriptProblem>(&prepared)) {
    return Error::failed(fmt::format("run: {}", problem->message));
  }
  auto script = std::make_shared<const ShellScript>(std::get<ShellScript>(std::move(prepared)));
  scope.script_cache.emplace(std::move(key), script);
  return script;
}

Result<void> Driver::Impl::prepare_contexts() {
  for (const auto& entry : scope.base_environment) {
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      scope.base_env_map[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  // Secrets reach neither the env context nor a step, unless the step names them.
  scope.env_context = Value::object();
  for (const auto& [key, value] : scope.base_env_map) {
    if (!is_secret_variable(key, workflow->secrets)) {
      scope.step_base_env[key] = value;
      scope.env_context[key] = value;
    }
  }
  for (const auto& name : workflow->secrets) {
    const auto it = scope.base_env_map.find(name);
    scope.secrets_context[name] = it != scope.base_env_map.end() ? it->second : std::string();
  }
  expr::EvalContext context = eval_context(nullptr, nullptr);
  for (const auto& [name, text] : workflow->env) {
    auto value = render(text, context);
    if (!value.ok()) {
      return Error::failed(fmt::format("env.{}: {}", name, value.error().message));
    }
    scope.step_base_env[name] = as_text(value.value());
    scope.env_context[name] = scope.step_base_env[name];
  }
  return {};
}

}  // namespace automata::engine
