// automata agent: the coding agent from a task to a pushed branch. Glue only:
// the flags become the inputs of the built-in workflows/agent.yaml, which the
// engine runs like any other; the run's journal then gives the result object.
#include <fmt/format.h>

#include "commands/agent_result.hpp"
#include "commands/commands.hpp"
#include "commands/drive.hpp"
#include "commands/value_checks.hpp"
#include "engine/inputs.hpp"
#include "tools/llm/provider_settings.hpp"

extern char** environ;

namespace automata::commands {
namespace {

struct AgentOptions {
  std::string title;
  std::string description;
  std::vector<std::string> requirements;
  std::string task_file;
  std::string repo;
  std::string base;
  std::string branch;
  std::string remote;
  bool no_push = false;
  std::string model;
  std::string instructions;
  std::optional<int> max_iterations;
  std::vector<std::string> validate;
  std::optional<int> fix_rounds;
  bool no_plan = false;
  bool sandbox = false;
  bool no_sandbox = false;
  bool sandbox_network = false;
  std::string git_username;
  std::string git_token_env;
  std::string git_ssh_key;
  std::string run_id;
  bool dry_run = false;
  std::string workflow;
};

// Keys a task file may hold, and the input each one sets.
constexpr std::pair<const char*, const char*> k_task_file_keys[] = {
    {"title", "title"},         {"description", "description"},     {"requirements", "requirements"},
    {"instructions", "instructions"}, {"validate", "validate"},     {"branch", "branch"},
    {"base", "base"},           {"model", "model"},                 {"max_iterations", "max_iterations"},
    {"fix_rounds", "fix_rounds"}};

Result<Value> task_file_inputs(const std::string& path) {
  TRY_ASSIGN(Value file, engine::read_inputs_file(path));
  Value inputs = Value::object();
  for (const auto& [key, value] : file.items()) {
    const auto* known = std::find_if(std::begin(k_task_file_keys), std::end(k_task_file_keys),
                                     [&key](const auto& entry) { return key == entry.first; });
    if (known == std::end(k_task_file_keys)) {
      std::vector<std::string> names;
      for (const auto& entry : k_task_file_keys) {
        names.emplace_back(entry.first);
      }
      return Error::usage(fmt::format("{}: unknown key '{}'", path, key),
                          fmt::format("a task file may have: {}", fmt::join(names, ", ")));
    }
    // A single requirement or command may be written as a string.
    const bool is_list = std::string_view(known->second) == "requirements" || std::string_view(known->second) == "validate";
    inputs[known->second] = is_list && value.is_string() ? Value::array({value}) : value;
  }
  return inputs;
}

std::vector<std::string> process_environment() {
  std::vector<std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    environment.emplace_back(*entry);
  }
  return environment;
}

Result<Value> agent_inputs(const AgentOptions& options) {
  Value inputs = Value::object();
  if (!options.task_file.empty()) {
    TRY_ASSIGN(inputs, task_file_inputs(options.task_file));
  }
  const auto set_text = [&inputs](const char* key, const std::string& value) {
    if (!value.empty()) {
      inputs[key] = value;
    }
  };
  set_text("title", options.title);
  set_text("description", options.description);
  set_text("repo", options.repo);
  set_text("base", options.base);
  set_text("branch", options.branch);
  set_text("remote", options.remote);
  set_text("model", options.model);
  set_text("instructions", options.instructions);
  set_text("git_username", options.git_username);
  set_text("git_token_env", options.git_token_env);
  set_text("git_ssh_key", options.git_ssh_key);
  if (!options.requirements.empty()) {
    inputs["requirements"] = options.requirements;
  }
  if (!options.validate.empty()) {
    inputs["validate"] = options.validate;
  }
  if (options.max_iterations) {
    inputs["max_iterations"] = *options.max_iterations;
  }
  if (options.fix_rounds) {
    inputs["fix_rounds"] = *options.fix_rounds;
  }
  if (options.no_push) {
    inputs["push"] = false;
  }
  if (options.no_plan) {
    inputs["plan"] = false;
  }
  if (options.sandbox) {
    inputs["sandbox"] = "on";
  }
  if (options.no_sandbox) {
    inputs["sandbox"] = "off";
  }
  if (options.sandbox_network) {
    inputs["sandbox_network"] = true;
  }
  if (inputs.contains("title") && !inputs["title"].is_string()) {
    return Error::usage(fmt::format("{}: title must be text, got {}", options.task_file, inputs["title"].dump()));
  }
  if (!inputs.contains("title") || inputs["title"].get<std::string>().empty()) {
    return Error::usage("the task has no title", "give --title TEXT, or a task file with a title (--task-file FILE)");
  }
  return inputs;
}

int agent_command(Invocation& inv, const AgentOptions& options) {
  auto inputs = agent_inputs(options);
  if (!inputs.ok()) {
    return inv.fail(inputs.error());
  }
  // Checked before anything runs: a run that fails at its first model call
  // would have cloned and branched for nothing.
  const std::string model = inputs->value("model", std::string());
  if (auto settings = tools::llm::chat_settings(Value{{"model", model}}, process_environment()); !settings.ok()) {
    return inv.fail(Error::usage(settings.error().message, settings.error().hint));
  }
  if (!inputs->contains("repo") && !engine::enclosing_repository(std::filesystem::current_path())) {
    return inv.fail(Error::usage(
        fmt::format("{} is not inside a git repository", std::filesystem::current_path().string()),
        "run automata agent in the repository to change, or give the one to clone with --repo URL"));
  }
  // The built-in, never a file that happens to be called agent; --workflow
  // runs a copy of it with the same inputs.
  auto source = options.workflow.empty() ? find_builtin_workflow("agent") : read_workflow_file(options.workflow);
  if (!source.ok()) {
    return inv.fail(source.error());
  }
  auto workflow = load_or_report(inv, std::move(source.value()));
  if (!workflow.ok()) {
    return inv.fail(workflow.error());
  }
  engine::InputSources sources;
  sources.file_values = std::move(inputs.value());
  // Flags give values of the right type: a wrong one comes from the task file.
  sources.file_name = options.task_file.empty() ? std::string("automata agent") : options.task_file;
  auto resolved = engine::resolve_inputs(*workflow.value(), sources);
  if (!resolved.ok()) {
    return inv.fail(resolved.error());
  }
  const engine::RunStore store = inv.store();
  auto run_id = chosen_run_id(options.run_id);
  if (!run_id.ok()) {
    return inv.fail(run_id.error());
  }
  const engine::Masker masker = engine::masker_for(*workflow.value());
  auto created = engine::create_run(store, *workflow.value(), resolved.value(), run_id.value(),
                                    std::filesystem::current_path(), masker, make_services(inv),
                                    engine::RunFlags{options.dry_run});
  if (!created.ok()) {
    return inv.fail(created.error());
  }
  engine::OpenMode mode;
  const int code = open_and_drive(inv, created->dir, workflow.value(), mode, {}, agent_result_view(inv));
  print_agent_result(inv, created->dir);
  return code;
}

}  // namespace

void add_agent(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<AgentOptions>();
  CLI::App* sub = app.add_subcommand(
      "agent", "Run the coding agent: plan, implement, validate, commit and push a branch (built-in workflow agent)");
  sub->add_option("--title", options->title, "The task in one line (names the branch and the commit)");
  sub->add_option("--description", options->description, "The task in detail");
  // One value per flag: `--validate make test` must not read as two commands.
  sub->add_option("--requirement", options->requirements, "What must hold when the agent is done (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--task-file", options->task_file,
                  "The task as YAML or JSON: title, description, requirements, instructions, validate, ...")
      ->check(existing_file("--task-file"));
  sub->add_option("--repo", options->repo, "Repository URL to clone (default: this repository, in a fresh worktree)");
  sub->add_option("--base", options->base, "Branch to start from (default: the remote's HEAD, or HEAD)");
  sub->add_option("--branch", options->branch, "Branch to create (default: feat/YYYYMMDD-<slug of the title>)");
  sub->add_option("--remote", options->remote, "Remote to push to (default: origin)");
  sub->add_flag("--no-push", options->no_push, "Commit on the branch but do not push it");
  sub->add_option("--model", options->model, "The model (default: AUTOMATA_MODEL)");
  sub->add_option("--instructions", options->instructions, "Custom instructions for the agent");
  sub->add_option("--max-iterations", options->max_iterations, "Model calls per round before the agent is stopped (default: 10)")
      ->check(whole_number("--max-iterations", 1, 1'000'000));
  sub->add_option("--validate", options->validate,
                  "A validation command (repeatable; default: detected make test, ctest, npm test, pytest, cargo "
                  "test or go test)")
      ->allow_extra_args(false);
  sub->add_option("--fix-rounds", options->fix_rounds, "Rounds to fix a failed validation (default: 2)")
      ->check(whole_number("--fix-rounds", 0, 100));
  sub->add_flag("--no-plan", options->no_plan, "Skip the implementation plan");
  auto* sandbox = sub->add_flag("--sandbox", options->sandbox,
                                "Refuse to run the agent's commands outside the bwrap sandbox (default: sandboxed "
                                "where bwrap works, else a warning)");
  sub->add_flag("--no-sandbox", options->no_sandbox, "Run the agent's commands with the blocklist alone")
      ->excludes(sandbox);
  sub->add_flag("--sandbox-network", options->sandbox_network, "Let the sandboxed commands use the network");
  sub->add_option("--git-username", options->git_username, "User for git over https or ssh");
  sub->add_option("--git-token-env", options->git_token_env,
                  "Environment variable holding the https token for clone and push (e.g. GITHUB_TOKEN)");
  sub->add_option("--git-ssh-key", options->git_ssh_key, "Path of the ssh private key for clone and push");
  sub->add_option("--workflow", options->workflow,
                  "Run this workflow file instead of the built-in, with the same inputs (a changed copy: "
                  "`automata workflows agent > agent.yaml`)");
  sub->add_option("--run-id", options->run_id, "Choose the run id");
  sub->add_flag("--dry-run", options->dry_run, "Print the push instead of pushing (the model is still called)");
  sub->callback([&inv, options] { inv.action = [&inv, options] { return agent_command(inv, *options); }; });
}

}  // namespace automata::commands
