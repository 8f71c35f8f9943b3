// Scheduling: nodes (step definitions) become ready when their needs are done,
// expand into instances (matrix), pass their `if`, and start within the caps.
#include <cctype>

#include <fmt/format.h>

#include "engine/driver_context.hpp"
#include "engine/driver_impl.hpp"
#include "engine/loader.hpp"
#include "engine/matrix.hpp"
#include "engine/retry.hpp"
#include "engine/text_case.hpp"

namespace automata::engine {
namespace {

std::string describe_failure(const StepResult& result) {
  if (!result.error.empty()) {
    return result.error;
  }
  if (result.exit_code) {
    return fmt::format("exit code {}", *result.exit_code);
  }
  return "failed";
}

// "a skipped, b failed": the needs of `def` that did not succeed (a failure
// allowed by continue_on_error counts as success).
std::string unsuccessful_needs(const StepGraph& graph, const StepDef& def) {
  std::vector<std::string> blocking;
  for (const auto& need : def.needs) {
    for (const auto& other : graph.nodes) {
      if (other.def->id == need && other.status != "succeeded" &&
          !(other.status == "failed" && other.def->continue_on_error)) {
        blocking.push_back(fmt::format("{} {}", need, other.status));
      }
    }
  }
  return fmt::format("{}", fmt::join(blocking, ", "));
}

// Why a step whose condition was false is skipped, naming what decided it:
// its needs when the implicit success() was false (no `if`, or an `if`
// without a status function: the `if` itself was never the cause), else
// its `if`, with the needs that did not succeed when there are any.
std::string skip_reason(const StepGraph& graph, const StepDef& def, bool decided_by_needs, bool cancelled) {
  const std::string needs = unsuccessful_needs(graph, def);
  if (decided_by_needs) {
    if (!needs.empty()) {
      return fmt::format("needs not successful: {}", needs);
    }
    // No needs: success() describes the run (an on_failure or finally step).
    return cancelled ? "run cancelled"
                     : "the run failed (an if without success(), failure(), always() or cancelled() means "
                       "success() && (if))";
  }
  const std::string text = def.if_expr ? def.if_expr->text : std::string("success()");
  return needs.empty() ? fmt::format("if: {} was false", text)
                       : fmt::format("if: {} was false (needs: {})", text, needs);
}

}  // namespace

void Driver::Impl::build_nodes() {
  graph.build(*workflow);
  // `steps.ID` anywhere in the source (a scan, not std::regex: this runs
  // for every drive and std::regex costs milliseconds on a large file), in
  // lowercase: `Steps.Build.STDOUT` reads step build's stdout.
  const std::string lowered = ascii_lower(workflow->source);
  const std::string_view source = lowered;
  constexpr std::string_view k_prefix = "steps.";
  for (std::size_t at = source.find(k_prefix); at != std::string_view::npos; at = source.find(k_prefix, at + 1)) {
    std::size_t end = at + k_prefix.size();
    while (end < source.size() && (std::isalnum(static_cast<unsigned char>(source[end])) != 0 ||
                                   source[end] == '_' || source[end] == '-')) {
      ++end;
    }
    const std::string_view id = source.substr(at + k_prefix.size(), end - at - k_prefix.size());
    if (id.empty()) {
      continue;
    }
    scope.referenced_steps.emplace(id);
    // Only steps whose stdout an expression reads keep it in the journal.
    if (source.substr(end, 7) == ".stdout") {
      scope.stdout_used.emplace(id);
    }
  }
  // steps['x'], steps[expr] or steps.*: any step may be read.
  scope.all_steps_referenced = source.find("steps[") != std::string_view::npos || source.find("steps.*") != std::string_view::npos;
}

bool Driver::Impl::node_ready(const Node& node) const { return node.pending_needs == 0; }

Result<void> Driver::Impl::expand(int node_index) {
  Node& node = graph.node(node_index);
  node.expanded = true;
  std::vector<MatrixInstance> planned;
  if (node.def->matrix) {
    std::vector<Value> combinations;
    if (node.def->matrix->from) {
      expr::EvalContext context = eval_context(nullptr, nullptr);
      auto value = render(*node.def->matrix->from, context);
      Result<std::vector<Value>> listed = value.ok() ? expand_matrix_list(value.value())
                                                     : Result<std::vector<Value>>(value.error());
      if (!listed.ok()) {
        // The step itself fails: it has no instances to run.
        const std::string message = fmt::format("matrix: {}", listed.error().message);
        TRY(emit({{"type", "StepFailed"}, {"step", node.def->id}, {"attempt", 1}, {"error", message},
                  {"exit_code", nullptr}, {"retryable", false}, {"duration_ms", 0}}));
        graph.node_done(node_index);
        node.status = "failed";
        if (!node.def->continue_on_error) {
          outcome.step_failed(node.def->id, message);
        }
        return {};
      }
      combinations = std::move(listed.value());
    } else if (!node.def->matrix->axis_positions.empty()) {
      // Axes given as expressions are evaluated now, then expanded as lists.
      MatrixDef evaluated = *node.def->matrix;
      expr::EvalContext context = eval_context(nullptr, nullptr);
      std::string problem;
      for (const auto& [axis, pos] : node.def->matrix->axis_positions) {
        auto value = render(TemplateText{evaluated.axes[axis].get<std::string>(), pos}, context);
        if (!value.ok()) {
          problem = fmt::format("matrix axis '{}': {}", axis, value.error().message);
          break;
        }
        if (!value->is_array()) {
          problem = fmt::format("matrix axis '{}' gave {}, not a list", axis, value->dump());
          break;
        }
        evaluated.axes[axis] = std::move(value.value());
      }
      if (!problem.empty()) {
        TRY(emit({{"type", "StepFailed"}, {"step", node.def->id}, {"attempt", 1}, {"error", problem},
                  {"exit_code", nullptr}, {"retryable", false}, {"duration_ms", 0}}));
        graph.node_done(node_index);
        node.status = "failed";
        if (!node.def->continue_on_error) {
          outcome.step_failed(node.def->id, problem);
        }
        return {};
      }
      combinations = expand_static_matrix(evaluated);
    } else {
      combinations = expand_static_matrix(*node.def->matrix);
    }
    planned = name_instances(node.def->id, combinations);
    if (planned.empty()) {
      TRY(emit({{"type", "StepSkipped"}, {"step", node.def->id}, {"reason", "the matrix is empty"}}));
      graph.node_done(node_index);
      node.status = "skipped";
      return {};
    }
  } else {
    planned.push_back({node.def->id, Value()});
  }
  for (auto& item : planned) {
    Instance instance;
    instance.node = node_index;
    instance.id = item.id;
    instance.matrix = std::move(item.values);
    instance.def = node.def;
    const StepKind* kind = services.kinds->find(node.def->uses);
    instance.uses_slot = kind == nullptr || kind->uses_job_slot();
    const auto known = state.steps.find(instance.id);
    if (known != state.steps.end()) {
      const StepState& previous = known->second;
      if (previous.status == "succeeded") {
        instance.phase = InstancePhase::done;
        instance.status = "succeeded";
        instance.attempt = previous.attempt;
        instance.outputs = previous.outputs;
        instance.exit_code = previous.exit_code;
        instance.duration_ms = previous.duration_ms;
        instance.condition_checked = true;
      } else if (previous.status == "running") {
        // Started, never finished: the same attempt runs again (at-least-once).
        // start_attempt does not count a resumed attempt, so it keeps its number.
        instance.attempt = previous.attempt;
        instance.attempt_base = 0;
        instance.resumed_attempt = true;
      } else if (previous.status == "retrying") {
        instance.attempt = previous.attempt;
        instance.condition_checked = true;
      } else {
        // Failed, cancelled or skipped before: a fresh series of attempts.
        instance.attempt = previous.attempt;
        instance.attempt_base = previous.attempt;
      }
    }
    graph.instances.push_back(std::move(instance));
    const int index = static_cast<int>(graph.instances.size() - 1);
    node.instances.push_back(index);
    if (graph.instances.back().phase == InstancePhase::done) {
      update_steps_context(graph.instances.back());
    }
  }
  if (node.def->phase == Phase::main) {
    graph.total_instances += node.instances.size() - 1;
  }
  // Kept in file order: with few slots, earlier steps start first.
  graph.active_nodes.insert(std::lower_bound(graph.active_nodes.begin(), graph.active_nodes.end(), node_index), node_index);
  update_node(node_index);
  return {};
}

void Driver::Impl::update_node(int node_index) {
  Node& node = graph.node(node_index);
  if (!node.expanded || node.done) {
    return;
  }
  bool any_failed = false;
  bool any_cancelled = false;
  bool all_skipped = true;
  for (int index : node.instances) {
    const Instance& instance = graph.instance(index);
    if (instance.phase != InstancePhase::done) {
      return;
    }
    any_failed = any_failed || instance.status == "failed";
    any_cancelled = any_cancelled || instance.status == "cancelled";
    all_skipped = all_skipped && instance.status == "skipped";
  }
  graph.node_done(node_index);
  node.status = any_failed ? "failed" : any_cancelled ? "cancelled" : all_skipped ? "skipped" : "succeeded";
  if (node.def->matrix && scope.step_is_read(node.def->id)) {
    Value entry = Value::object();
    Value outputs = Value::array();
    for (int index : node.instances) {
      outputs.push_back(graph.instance(index).outputs);
    }
    entry["status"] = node.status;
    entry["outputs"] = std::move(outputs);
    scope.steps_context[node.def->id] = std::move(entry);
  }
}

Result<bool> Driver::Impl::schedule_ready(SteadyTime now) {
  bool started = false;
  const Phase phase = phase_of(flow.stage);
  if (!schedules_steps(flow.stage)) {
    return started;
  }
  // Nodes whose needs are all done; those of a later stage wait their turn.
  std::vector<int> ready;
  ready.swap(graph.ready_nodes);
  std::sort(ready.begin(), ready.end());  // file order, so starts are deterministic
  for (int n : ready) {
    Node& node = graph.node(n);
    if (node.expanded) {
      continue;
    }
    if (node.def->phase != phase) {
      graph.ready_nodes.push_back(n);
      continue;
    }
    TRY(expand(n));
  }
  announce_total();
  std::erase_if(graph.active_nodes, [&](int n) { return graph.node(n).done; });
  const int jobs = options.jobs;
  int running_slots = graph.running_count(true);
  int running_all = running_slots;
  // Steps that only wait (sleep, wait) take no --jobs slot but do take a
  // thread: a fan-out of thousands of them is started in bounded batches.
  int running_waiters = graph.running_count(false) - running_slots;
  for (int n : graph.active_nodes) {
    Node& node = graph.node(n);
    if (node.def->phase != phase || !node.expanded || node.done) {
      continue;
    }
    int node_running = 0;
    bool sibling_failed = false;
    for (int index : node.instances) {
      const Instance& instance = graph.instance(index);
      node_running += instance.phase == InstancePhase::running ? 1 : 0;
      sibling_failed = sibling_failed || (instance.status == "failed" && !node.def->continue_on_error);
    }
    for (int index : node.instances) {
      Instance& instance = graph.instance(index);
      if (instance.phase == InstancePhase::retry_wait && instance.retry_at > now) {
        continue;
      }
      if (instance.phase != InstancePhase::waiting && instance.phase != InstancePhase::retry_wait) {
        continue;
      }
      if (node.def->matrix && node.def->fail_fast && sibling_failed) {
        TRY(emit({{"type", "StepSkipped"}, {"step", instance.id}, {"reason", "fail_fast: another instance failed"}}));
        TRY(finish_instance(instance, "skipped"));
        continue;
      }
      if (!instance.condition_checked) {
        instance.condition_checked = true;
        expr::EvalContext context = eval_context(&instance, nullptr);
        // on_failure and finally steps run by default: the run's failure (or
        // cancel) is why they exist. Their `if`, or their needs, can say otherwise.
        const bool cleanup_root = node.def->phase != Phase::main && node.def->needs.empty();
        bool decided_by_needs = false;
        auto go = cleanup_root && !node.def->if_expr
                      ? Result<bool>(true)
                      : evaluate_condition(node.def->if_expr, context, true, &decided_by_needs);
        if (!go.ok()) {
          instance.attempt += 1;
          TRY(emit({{"type", "StepFailed"}, {"step", instance.id}, {"attempt", instance.attempt},
                    {"error", fmt::format("if: {}", go.error().message)}, {"exit_code", nullptr},
                    {"retryable", false}, {"duration_ms", 0}}));
          instance.error = go.error().message;
          TRY(finish_instance(instance, "failed"));
          continue;
        }
        if (!go.value()) {
          TRY(emit({{"type", "StepSkipped"}, {"step", instance.id},
                    {"reason", skip_reason(graph, *node.def, decided_by_needs, context.status.cancelled)}}));
          TRY(finish_instance(instance, "skipped"));
          continue;
        }
      }
      if (instance.uses_slot && running_slots >= jobs) {
        continue;
      }
      if (!instance.uses_slot && running_waiters >= k_max_running_waiters) {
        continue;
      }
      // Like --jobs, `concurrency` counts steps that work: a wait or sleep
      // step holding the only place would keep ready work from starting, and
      // with nothing but waits running the run would end paused.
      if (instance.uses_slot && workflow->concurrency > 0 && running_all >= workflow->concurrency) {
        continue;
      }
      if (node.def->max_parallel > 0 && node_running >= node.def->max_parallel) {
        continue;
      }
      TRY(start_attempt(index, now));
      started = true;
      ++node_running;
      if (instance.uses_slot) {
        ++running_slots;
        ++running_all;
      } else {
        ++running_waiters;
      }
    }
  }
  return started;
}

Result<void> Driver::Impl::start_attempt(int index, SteadyTime now) {
  Instance& instance = graph.instance(index);
  const StepDef& def = *instance.def;
  instance.timed_out = false;
  instance.cancel_requested = false;
  instance.cancel = std::make_unique<CancelToken>();
  if (instance.is_compensation) {
    TRY(emit({{"type", "CompensationStarted"}, {"step", instance.id}}));
  } else {
    const bool first_time = state.steps.find(instance.id) == state.steps.end();
    if (!instance.resumed_attempt) {
      instance.attempt += 1;
    }
    instance.resumed_attempt = false;
    if (first_time) {
      Value scheduled = {{"type", "StepScheduled"}, {"step", instance.id}};
      if (!def.name.empty()) {
        // A name may use the matrix (`build ${{ matrix.os }}`); if it cannot
        // be evaluated it is shown as written.
        scheduled["name"] = def.name;
        if (def.name.find("${{") != std::string::npos) {
          auto shown = render(TemplateText{def.name, def.pos}, eval_context(&instance, nullptr));
          if (shown.ok()) {
            scheduled["name"] = shown->is_string() ? shown->get<std::string>() : expr::to_display_string(*shown);
          }
        }
      }
      if (!instance.matrix.is_null()) {
        scheduled["instance"] = instance.matrix;
        scheduled["matrix_of"] = def.id;
      }
      scheduled["attempt"] = instance.attempt;
      TRY(emit(std::move(scheduled)));
    }
    TRY(emit({{"type", "StepStarted"}, {"step", instance.id}, {"attempt", instance.attempt},
              {"worker", fmt::format("local:{}", getpid())}}));
  }
  instance.phase = InstancePhase::running;
  if (std::find(graph.live.begin(), graph.live.end(), index) == graph.live.end()) {
    graph.live.push_back(index);
  }
  instance.started_at = now;
  instance.deadline = def.timeout ? now + *def.timeout : SteadyTime::max();
  // Everything the step thread needs is rendered here, on the driver thread.
  expr::EvalContext context = eval_context(&instance, nullptr);
  auto step_context = std::make_unique<InstanceContext>(*this, instance);
  auto prepared = prepare_attempt(instance, context, *step_context);
  instance.context = std::move(step_context);
  if (!prepared.ok()) {
    // The attempt fails without running (an expression could not be evaluated).
    completions.push_back({index, StepResult::failure(prepared.error().message, false)});
    wake.notify_all();
    return {};
  }
  StepKind* kind = services.kinds->find(def.uses);
  InstanceContext* raw = instance.context.get();
  if (auto at_once = kind->try_complete_at_once(*raw)) {
    raw->finish();
    completions.push_back({index, std::move(*at_once)});
    return {};
  }
  instance.executing = true;
  step_threads.submit([this, index, kind, raw] {
    StepResult result;
    try {
      result = kind->execute(*raw);
    } catch (const std::exception& e) {
      result = StepResult::failure(fmt::format("internal error in step kind '{}': {}", kind->name(), e.what()), false);
    }
    raw->finish();
    {
      std::lock_guard guard(mutex);
      completions.push_back({index, std::move(result)});
    }
    wake.notify_all();
  });
  return {};
}

Result<void> Driver::Impl::prepare_attempt(Instance& instance, const expr::EvalContext& context,
                                           InstanceContext& step_context) {
  const StepDef& def = *instance.def;
  Value params = Value::object();
  std::vector<std::string> script_environment;
  if (def.uses == "shell") {
    const std::string shell = def.shell.empty() ? workflow->default_shell : def.shell;
    if (def.run) {
      // Expressions reach the script as variables, never as its text (shell_script.hpp).
      TRY_ASSIGN(auto script, shell_script(*def.run, shell));
      TRY_ASSIGN(script_environment, script_variables(*script, context));
      params["run"] = script->text;
    }
    params["shell"] = shell;
  } else {
    TRY_ASSIGN(params, render_value(def.with, context));
    if (const StepKind* kind = services.kinds->find(def.uses)) {
      for (const auto& spec : kind->params()) {
        const auto given = params.find(spec.name);
        if (given == params.end() || given->is_null()) {
          if (!spec.default_value.is_null()) {
            params[spec.name] = spec.default_value;
          }
          continue;
        }
        // Literal values were checked by validation; rendered ones are checked now.
        if (auto problem = param_problem(spec, *given)) {
          return Error::usage(fmt::format("parameter '{}' {}", spec.name, masker.mask(*problem)));
        }
      }
    }
  }
  const StepKind* kind = services.kinds->find(def.uses);
  const std::vector<std::string> secret_names = secrets_for_step(def, kind, params);
  // A variable named only at run time (`token_env: ${{ inputs.var }}`) was
  // not known when the masker was made: its value is masked from now on,
  // before the step can print it.
  for (const auto& name : secret_names) {
    if (const auto found = scope.base_env_map.find(name); found != scope.base_env_map.end()) {
      masker.add(found->second);
    }
  }
  if (kind == nullptr || kind->needs_environment()) {
    Result<void> env_problem;
    auto environment = step_environment(def, instance, context, secret_names, env_problem);
    TRY(env_problem);
    for (auto& entry : script_environment) {
      environment.push_back(std::move(entry));
    }
    step_context.set_environment(std::move(environment));
  }
  step_context.set_params(std::move(params));
  std::filesystem::path directory = cwd;
  const std::optional<TemplateText>& wd = def.working_directory ? def.working_directory : workflow->default_working_directory;
  if (wd) {
    TRY_ASSIGN(Value text, render(*wd, context));
    const std::string path = text.is_string() ? text.get<std::string>() : text.dump();
    directory = std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : cwd / path;
  }
  step_context.set_working_directory(std::move(directory));
  step_context.set_timeout(def.timeout);
  return {};
}

Result<void> Driver::Impl::finish_instance(Instance& instance, const std::string& status) {
  instance.phase = InstancePhase::done;
  instance.status = status;
  if (!instance.is_compensation) {
    update_steps_context(instance);
    update_node(instance.node);
  }
  // A finished attempt's log file and cancel pipe are closed now, not at the
  // end of the run: a run of 30,000 steps would otherwise hold 90,000 fds.
  if (!instance.executing) {
    instance.context.reset();
    instance.cancel.reset();
  }
  return {};
}

Result<void> Driver::Impl::handle_completion(Completion completion) {
  Instance& instance = graph.instance(completion.instance);
  StepResult& result = completion.result;
  const SteadyTime now = services.clock->steady_now();
  instance.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - instance.started_at).count();
  const bool stopped_by_us = (flow.stop == StopMode::interrupt || flow.pause_exit) && !instance.timed_out;
  if (stopped_by_us && !result.succeeded) {
    // Interrupted or paused: nothing is recorded, the attempt runs again on resume.
    instance.phase = InstancePhase::waiting;
    instance.resumed_attempt = !instance.is_compensation;
    if (instance.is_compensation) {
      flow.compensation_queue.insert(flow.compensation_queue.begin(), completion.instance);
    }
    return {};
  }
  if (instance.timed_out && !result.succeeded) {
    result.timed_out = true;
    result.cancelled = false;
    result.exit_code = 124;
    result.error = fmt::format("timed out after {}", format_duration_spec(*instance.def->timeout));
  }
  if (instance.is_compensation) {
    if (result.succeeded) {
      // Its outputs say what it did (a git.worktree remove may have kept the worktree).
      const Value outputs = result.outputs.is_object() ? result.outputs : Value::object();
      TRY(emit({{"type", "CompensationCompleted"}, {"step", instance.id}, {"outputs", outputs},
                {"duration_ms", instance.duration_ms}}));
    } else {
      TRY(emit({{"type", "CompensationFailed"}, {"step", instance.id}, {"error", describe_failure(result)},
                {"duration_ms", instance.duration_ms}}));
    }
    return finish_instance(instance, result.succeeded ? "succeeded" : "failed");
  }
  InstanceContext& step_context = *instance.context;
  if (result.succeeded) {
    instance.outputs = result.outputs;
    instance.exit_code = result.exit_code;
    // `outputs:` expressions see the step's own results.
    if (!instance.def->outputs.empty()) {
      Value self = {{"status", "succeeded"}, {"outputs", instance.outputs},
                    {"exit_code", result.exit_code ? Value(*result.exit_code) : Value()},
                    {"stdout", step_context.stdout_tail()}, {"attempts", instance.attempt}};
      scope.steps_context[instance.id] = self;
      if (instance.matrix.is_object()) {
        scope.steps_context[instance.def->id] = self;
      }
      expr::EvalContext context = eval_context(&instance, nullptr);
      for (const auto& [name, text] : instance.def->outputs) {
        auto value = render(text, context);
        if (!value.ok()) {
          result.succeeded = false;
          result.retryable = false;
          result.error = fmt::format("outputs.{}: {}", name, value.error().message);
          break;
        }
        instance.outputs[name] = std::move(value.value());
      }
    }
  }
  if (result.succeeded) {
    Value record = {{"type", "StepCompleted"}, {"step", instance.id}, {"attempt", instance.attempt},
                    {"outputs", instance.outputs}, {"duration_ms", instance.duration_ms}};
    if (result.exit_code) {
      record["exit_code"] = *result.exit_code;
    }
    if (scope.stdout_is_read(instance.def->id)) {
      record["stdout"] = step_context.stdout_tail();
    }
    if (Value usage = step_context.llm_usage(); !usage.is_null()) {
      check_budget(usage);
      record["llm"] = std::move(usage);
    }
    TRY(emit(std::move(record)));
    return finish_instance(instance, "succeeded");
  }
  instance.exit_code = result.exit_code;
  instance.error = describe_failure(result);
  // What a failed step still knows (an agent's outcome, its files) is kept for
  // `if: always()` steps and for status.
  instance.outputs = result.outputs.is_object() ? result.outputs : Value::object();
  const bool cancelled = result.cancelled || instance.cancel_requested;
  const Value usage = step_context.llm_usage();
  if (!usage.is_null()) {
    check_budget(usage);  // before deciding on a retry: a run over budget retries nothing
  }
  bool retry = false;
  if (!cancelled && flow.stop == StopMode::none) {
    retry = may_retry(instance.def->retry, instance.attempt - instance.attempt_base, result.exit_code, result.retryable);
    if (retry && instance.def->retry.when) {
      Value attempt = {{"number", instance.attempt},
                       {"exit_code", result.exit_code ? Value(*result.exit_code) : Value()},
                       {"timed_out", result.timed_out},
                       {"error", instance.error}};
      expr::EvalContext context = eval_context(&instance, &attempt);
      auto when = evaluate_condition(instance.def->retry.when, context, true);
      retry = when.ok() && when.value();
    }
  }
  Value failed = {{"type", "StepFailed"},
                  {"step", instance.id},
                  {"attempt", instance.attempt},
                  {"error", instance.error},
                  {"exit_code", result.exit_code ? Value(*result.exit_code) : Value()},
                  {"retryable", retry},
                  {"duration_ms", instance.duration_ms}};
  if (cancelled) {
    failed["cancelled"] = true;
  }
  if (result.timed_out) {
    failed["timed_out"] = true;
  }
  if (instance.def->continue_on_error) {
    failed["continue_on_error"] = true;
  }
  if (!instance.outputs.empty()) {
    Value outputs = instance.outputs;
    masker.mask_value(outputs);
    failed["outputs"] = std::move(outputs);
  }
  if (scope.stdout_is_read(instance.def->id)) {
    failed["stdout"] = step_context.stdout_tail();
  }
  // Tokens spent by a failed attempt count too (a budget stop is a failure).
  if (!usage.is_null()) {
    failed["llm"] = usage;
  }
  TRY(emit(std::move(failed)));
  if (retry) {
    const double unit = services.random ? services.random()
                                        : std::uniform_real_distribution<double>(0.0, 1.0)(random_engine);
    const Duration delay = retry_delay(instance.def->retry, instance.attempt - instance.attempt_base, unit);
    TRY(emit({{"type", "StepRetryScheduled"}, {"step", instance.id}, {"next_attempt", instance.attempt + 1},
              {"delay_ms", delay.count()}, {"max_attempts", instance.attempt_base + instance.def->retry.max_attempts}}));
    instance.phase = InstancePhase::retry_wait;
    instance.retry_at = now + delay;
    return {};
  }
  if (cancelled) {
    return finish_instance(instance, "cancelled");
  }
  if (!instance.def->continue_on_error) {
    outcome.step_failed(instance.id, instance.error);
    // fail_fast: the running siblings of a matrix instance are cancelled.
    const Node& node = graph.node(instance.node);
    if (node.def->matrix && node.def->fail_fast) {
      for (int sibling : node.instances) {
        Instance& other = graph.instance(sibling);
        if (other.phase == InstancePhase::running) {
          other.cancel_requested = true;
          cancel_instance(other, false);
        }
      }
    }
  }
  return finish_instance(instance, "failed");
}

}  // namespace automata::engine
