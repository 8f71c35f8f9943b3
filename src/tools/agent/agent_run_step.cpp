// agent.run: parameters to the loop's options, the loop's result to outputs.
// Any outcome but `finished` fails the step (not retried: the same model on
// the same task would most likely stop the same way, and pay again).
#include <fmt/format.h>

#include "engine/loader.hpp"
#include "tools/agent/agent_kinds.hpp"
#include "tools/agent/git_changes.hpp"
#include "tools/agent/loop.hpp"
#include "tools/agent/prompt.hpp"
#include "tools/agent/transcript.hpp"
#include "tools/agent/validation.hpp"
#include "tools/fs/step_workspace.hpp"
#include "tools/llm/provider_settings.hpp"
#include "tools/shell_policy/sandbox.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

constexpr std::string_view k_kind = "agent.run";
// About 75,000 tokens: room for the reply and the tools in a 128k-token window.
constexpr std::size_t k_default_max_context_bytes = 300'000;

std::vector<std::string> string_list(const Value& params, const char* name) {
  std::vector<std::string> out;
  if (const auto it = params.find(name); it != params.end() && it->is_array()) {
    for (const auto& item : *it) {
      out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    }
  }
  return out;
}

std::string string_param(const Value& params, const char* name) {
  const auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::optional<double>> number_param(const Value& params, const char* name) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) {
    return std::optional<double>();
  }
  if (!it->is_number() || it->get<double>() < 0) {
    return Error::failed(fmt::format("{} must be a non-negative number, got {}", name, it->dump()));
  }
  return std::optional<double>(it->get<double>());
}

Result<std::optional<std::chrono::milliseconds>> duration_param(const Value& params, const char* name) {
  const std::string text = string_param(params, name);
  if (text.empty()) {
    return std::optional<std::chrono::milliseconds>();
  }
  auto parsed = engine::parse_duration(text);
  if (!parsed) {
    return Error::failed(fmt::format("{} must be a duration such as 90s, 10m or 1h30m, got '{}'", name, text));
  }
  return std::optional<std::chrono::milliseconds>(*parsed);
}

Result<agent::AgentLimits> limits_from(const Value& params) {
  agent::AgentLimits limits;
  TRY_ASSIGN(auto max_iterations, fs::size_param(params, "max_iterations", 10));
  TRY_ASSIGN(auto max_format_errors, fs::size_param(params, "max_format_errors", 3));
  if (max_iterations == 0 || max_format_errors == 0) {
    return Error::failed("max_iterations and max_format_errors must be at least 1");
  }
  limits.max_iterations = static_cast<int>(std::min<std::size_t>(max_iterations, 1'000'000));
  limits.max_format_errors = static_cast<int>(std::min<std::size_t>(max_format_errors, 1'000'000));
  if (params.contains("max_tokens_total") && !params["max_tokens_total"].is_null()) {
    TRY_ASSIGN(auto tokens, fs::size_param(params, "max_tokens_total", 0));
    limits.max_tokens_total = static_cast<std::int64_t>(tokens);
  }
  TRY_ASSIGN(limits.max_cost, number_param(params, "max_cost"));
  TRY_ASSIGN(auto prompt_price, number_param(params, "price_prompt_per_mtok"));
  TRY_ASSIGN(auto completion_price, number_param(params, "price_completion_per_mtok"));
  limits.price_prompt_per_mtok = prompt_price.value_or(0);
  limits.price_completion_per_mtok = completion_price.value_or(0);
  if (limits.max_cost && limits.price_prompt_per_mtok == 0 && limits.price_completion_per_mtok == 0) {
    return Error::failed("max_cost needs price_prompt_per_mtok or price_completion_per_mtok to count a cost");
  }
  TRY_ASSIGN(limits.time_limit, duration_param(params, "time_limit"));
  return limits;
}

agent::AgentTask task_from(const Value& params) {
  agent::AgentTask task;
  task.title = string_param(params, "title");
  task.description = string_param(params, "task");
  if (const std::string description = string_param(params, "description"); !description.empty()) {
    task.description += (task.description.empty() ? "" : "\n\n") + description;
  }
  task.requirements = string_list(params, "requirements");
  return task;
}

Value outputs_of(const agent::AgentRunResult& result) {
  return {{"outcome", agent::outcome_name(result.outcome)},
          {"finished", result.outcome == agent::AgentOutcome::finished},
          {"summary", result.summary},
          {"message", result.message},
          {"refusal", result.refusal ? Value(*result.refusal) : Value(nullptr)},
          {"iterations", result.iterations},
          {"tool_calls", result.tool_calls},
          {"files_changed", result.files_changed},
          {"prompt_tokens", result.prompt_tokens},
          {"completion_tokens", result.completion_tokens},
          {"cost", result.cost},
          {"validation", result.validation},
          {"fix_rounds", result.fix_rounds},
          {"transcript", result.transcript.string()}};
}

// "`make test` exited 2 (3 passed, 1 failed)": the first command that failed.
std::string validation_summary(const agent::ValidationReport& report) {
  for (const auto& command : report.commands) {
    if (command.passed) {
      continue;
    }
    std::string what = !command.refused.empty() ? fmt::format("was not run: {}", command.refused)
                       : command.timed_out      ? std::string("timed out")
                                                : fmt::format("exited {}", command.exit_code);
    std::string line = fmt::format("`{}` {}", command.command, what);
    if (command.counts.passed || command.counts.failed) {
      line += fmt::format(" ({} passed, {} failed)", command.counts.passed.value_or(0), command.counts.failed.value_or(0));
    }
    return line;
  }
  return fmt::format("{} command{} passed", report.commands.size(), report.commands.size() == 1 ? "" : "s");
}

class AgentRunKind final : public engine::StepKind {
 public:
  explicit AgentRunKind(llm::ChatClientFactory factory) : m_factory(std::move(factory)) {}

  std::string_view name() const override { return k_kind; }
  // The model's key, and what allow_env lets the agent's commands see.
  std::vector<std::string> secret_variables(const Value& params) const override {
    std::vector<std::string> names = llm::key_variables();
    for (auto& name : string_list(params, "allow_env")) {
      names.push_back(std::move(name));
    }
    return names;
  }
  std::string_view summary() const override {
    return "a coding agent: a model calls tools (shell, files, patches) in the workspace until it calls finish";
  }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"task", ParamType::string, false, "what to do (or title, description and requirements)", nullptr, {}},
        {"title", ParamType::string, false, "the task's title", nullptr, {}},
        {"description", ParamType::string, false, "the task's description", nullptr, {}},
        {"requirements", ParamType::list, false, "what must hold when the agent finishes", nullptr, {}},
        {"instructions", ParamType::string, false, "custom instructions added to the system prompt", nullptr, {}},
        fs::k_workspace_param,
        {"model", ParamType::string, false, "the model (default: AUTOMATA_MODEL)", nullptr, {}},
        {"provider", ParamType::string, false, "openai, openrouter or anthropic", nullptr, {}},
        {"base_url", ParamType::string, false, "the provider's API base URL", nullptr, {}},
        {"api_key", ParamType::string, false, "the API key (default: from the environment)", nullptr, {}},
        {"max_iterations", ParamType::integer, false, "model calls before stopping", 10, {}},
        {"max_tokens_total", ParamType::integer, false, "stop when prompt + completion tokens reach this", nullptr, {}},
        {"max_cost", ParamType::number, false, "stop when the cost reaches this (needs the prices)", nullptr, {}},
        {"price_prompt_per_mtok", ParamType::number, false, "price of a million prompt tokens", nullptr, {}},
        {"price_completion_per_mtok", ParamType::number, false, "price of a million completion tokens", nullptr, {}},
        {"time_limit", ParamType::duration, false, "stop starting turns after this long (since the step started)", nullptr, {}},
        {"max_format_errors", ParamType::integer, false, "consecutive malformed replies before stopping", 3, {}},
        {"shell_timeout", ParamType::duration, false, "the longest a command may run", "120s", {}},
        {"allow_env", ParamType::list, false, "credential-looking variables commands may still see", nullptr, {}},
        {"sandbox", ParamType::string, false,
         "auto: commands run in a bwrap sandbox where bwrap works, else with the blocklist alone and a warning; on: "
         "refused where it does not work; off",
         "auto", {"auto", "on", "off"}},
        {"sandbox_network", ParamType::boolean, false, "the sandbox shares the host's network", false, {}},
        {"base_branch", ParamType::string, false, "force-pushing this branch is refused", nullptr, {}},
        {"plan", ParamType::any, false, "an implementation plan to follow (llm.chat's json: steps, files, validation)", nullptr, {}},
        {"validate", ParamType::list, false, "commands run after finish; a failure is fed back for a fix round", nullptr, {}},
        {"detect_validation", ParamType::boolean, false,
         "without validate: use the project's tests (make test, ctest, npm test, pytest, cargo test, go test)", false, {}},
        {"fix_rounds", ParamType::integer, false, "rounds the agent gets to fix a failed validation", 2, {}},
        {"validate_timeout", ParamType::duration, false, "the longest a validation command may run", "10m", {}},
        {"max_context_bytes",
         ParamType::integer,
         false,
         "past this size, older tool results are left out of what the model is sent (0: never)",
         static_cast<long long>(k_default_max_context_bytes),
         {}},
        {"max_tool_output_bytes",
         ParamType::integer,
         false,
         "a tool result longer than this is cut in the middle",
         static_cast<long long>(agent::k_default_max_tool_output_bytes),
         {}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const agent::AgentTask task = task_from(params);
    if (task.title.empty() && task.description.empty() && task.requirements.empty()) {
      return fs::step_failure(context, k_kind, "give a task, or a title, description or requirements");
    }
    auto limits = limits_from(params);
    if (!limits.ok()) {
      return fs::step_failure(context, k_kind, limits.error().message);
    }
    auto shell_timeout = duration_param(params, "shell_timeout");
    auto output_bytes = fs::size_param(params, "max_tool_output_bytes", agent::k_default_max_tool_output_bytes);
    auto context_bytes = fs::size_param(params, "max_context_bytes", k_default_max_context_bytes);
    if (!context_bytes.ok()) {
      return fs::step_failure(context, k_kind, context_bytes.error().message);
    }
    if (!shell_timeout.ok() || !output_bytes.ok()) {
      return fs::step_failure(context, k_kind,
                              !shell_timeout.ok() ? shell_timeout.error().message : output_bytes.error().message);
    }
    auto validate_timeout = duration_param(params, "validate_timeout");
    auto fix_rounds = fs::size_param(params, "fix_rounds", 2);
    if (!validate_timeout.ok() || !fix_rounds.ok()) {
      return fs::step_failure(context, k_kind,
                              !validate_timeout.ok() ? validate_timeout.error().message : fix_rounds.error().message);
    }
    auto workspace = fs::step_workspace(context);
    if (!workspace.ok()) {
      return fs::step_failure(context, k_kind, workspace.error().message);
    }
    auto client = m_factory(params, context.environment());
    if (!client.ok()) {
      return StepResult::failure(context.mask(fmt::format("{}: {}", k_kind, client.error().message)),
                                 client.error().code != Errc::usage);
    }

    agent::ToolboxOptions tool_options;
    tool_options.shell.workspace = workspace->root();
    tool_options.shell.environment = context.environment();
    tool_options.shell.allowed_secrets = string_list(params, "allow_env");
    tool_options.shell.base_branch = string_param(params, "base_branch");
    tool_options.shell.timeout = shell_timeout->value_or(std::chrono::milliseconds(120'000));
    const std::string sandbox = params.value("sandbox", std::string("auto"));
    const auto unusable = sandbox == "auto" ? shell_policy::sandbox_unavailable_reason() : std::nullopt;
    if (unusable) {
      context.output(engine::OutputStream::err,
                     fmt::format("agent.run: warning: the sandbox is off because {}: the agent's commands run with "
                                 "the blocklist alone; install bubblewrap to confine them (or set sandbox: off)\n",
                                 *unusable));
    }
    tool_options.shell.sandbox = sandbox == "on" || (sandbox == "auto" && !unusable);
    tool_options.shell.sandbox_network = params.value("sandbox_network", false);
    tool_options.max_output_bytes = std::max<std::size_t>(*output_bytes, 256);
    agent::AgentToolbox toolbox(*workspace, tool_options, context.launcher());

    agent::AgentLoopOptions options;
    options.model = string_param(params, "model");
    options.max_context_bytes = *context_bytes;
    options.limits = *limits;
    options.system_prompt =
        agent::build_system_prompt({string_param(params, "instructions"), task,
                                    agent::repository_overview(toolbox.workspace()),
                                    agent::plan_text(params.contains("plan") ? params["plan"] : Value())});
    options.first_user_message = agent::first_user_message(task);
    options.transcript = agent::transcript_path(context.run_directory(), context.step_id());
    options.list_changes = [&context, root = workspace->root(), transcript = options.transcript]()
        -> std::optional<std::vector<std::string>> {
      auto files = agent::git_changed_files(context.launcher(), root, context.environment(), context.cancel_token());
      if (!files) {
        return std::nullopt;
      }
      // A run directory inside the workspace (its transcript, logs) is not the agent's work.
      std::error_code ec;
      const auto relative = [&](const std::filesystem::path& path) {
        return std::filesystem::weakly_canonical(path, ec).lexically_relative(root).generic_string();
      };
      const std::string run_dir = relative(context.run_directory());
      const std::string transcript_file = relative(transcript);
      std::erase_if(*files, [&](const std::string& path) {
        const bool in_run_dir = run_dir != "." && !run_dir.empty() && run_dir.rfind("..", 0) != 0 &&
                                path.rfind(run_dir + "/", 0) == 0;
        return in_run_dir || path == transcript_file;
      });
      return files;
    };

    const std::vector<std::string> validate = string_list(params, "validate");
    if (!validate.empty() || params.value("detect_validation", false)) {
      agent::ValidationOptions validation;
      validation.shell = tool_options.shell;
      // Detected builds (ctest) are made outside the workspace, under the run.
      std::error_code made;
      std::filesystem::create_directories(context.run_directory() / "work", made);
      validation.shell.sandbox_writable.push_back(context.run_directory() / "work");
      validation.shell.timeout = validate_timeout->value_or(std::chrono::milliseconds(600'000));
      validation.shell.output_limit = tool_options.max_output_bytes;
      options.fix_rounds = static_cast<int>(std::min<std::size_t>(*fix_rounds, 100));
      options.validate = [&context, validate, validation, max_bytes = tool_options.max_output_bytes,
                          root = workspace->root()]() -> std::optional<agent::ValidationRun> {
        // Detected each time: the agent may have just created the build files.
        const std::vector<std::string> commands =
            !validate.empty() ? validate
                              : agent::detect_validation_commands(
                                    root, context.run_directory() / "work" / agent::step_file_name(context.step_id()));
        if (commands.empty()) {
          context.output(engine::OutputStream::err,
                         "agent.run: no validation commands given or found (make test, ctest, npm test, pytest, "
                         "cargo test, go test); the work is not validated\n");
          return std::nullopt;
        }
        const agent::ValidationReport report = agent::run_validation(
            context.launcher(), commands, validation, context.cancel_token(),
            [&context](engine::OutputStream stream, std::string_view chunk) { context.output(stream, chunk); });
        agent::ValidationRun run;
        run.passed = report.passed;
        run.report = agent::validation_to_json(report);
        run.summary = validation_summary(report);
        if (!report.passed) {
          run.feedback = agent::validation_feedback(report, max_bytes);
        }
        return run;
      };
    }

    agent::AgentLoop loop(**client, toolbox, context, std::move(options));
    auto result = loop.run();
    if (!result.ok()) {
      return StepResult::failure(context.mask(result.error().message), true);
    }
    Value outputs = outputs_of(*result);
    const int exit_code = agent::outcome_exit_code(result->outcome);
    if (result->outcome == agent::AgentOutcome::finished) {
      StepResult success = StepResult::success(std::move(outputs));
      success.exit_code = exit_code;
      return success;
    }
    StepResult failure = StepResult::failure(
        context.mask(fmt::format("{}: {} ({})", k_kind, result->message, agent::outcome_name(result->outcome))), false);
    failure.outputs = std::move(outputs);
    failure.exit_code = exit_code;
    failure.cancelled = result->outcome == agent::AgentOutcome::cancelled;
    return failure;
  }

 private:
  llm::ChatClientFactory m_factory;
};

}  // namespace

std::unique_ptr<engine::StepKind> make_agent_run_kind(llm::ChatClientFactory factory) {
  return std::make_unique<AgentRunKind>(std::move(factory));
}

}  // namespace automata::tools
