// automata resume RUN [--use-current] [--from STEP] [--dry-run]
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "commands/agent_result.hpp"
#include "commands/builtin_workflows.hpp"
#include "commands/commands.hpp"
#include "commands/drive.hpp"
#include "commands/run_lookup.hpp"
#include "commands/value_checks.hpp"
#include "engine/hash.hpp"
#include "engine/resume_plan.hpp"
#include "engine/suggest.hpp"
#include "engine/workflow_checks.hpp"

namespace automata::commands {
namespace {

struct ResumeOptions {
  std::string run;
  bool use_current = false;
  std::string from;
  bool dry_run = false;
  std::string orphans = "stop";
};

std::string read_text(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Which steps a resume keeps, re-runs, adds or drops: the driver's own plan.
int dry_run(Invocation& inv, const RunRef& run, const engine::RunState& state, const engine::Workflow& workflow,
            const std::optional<std::string>& from) {
  Value plan = Value::object();
  for (const auto& [id, action] : engine::resume_plan(state, workflow, from)) {
    plan[id] = engine::resume_action_name(action);
  }
  if (inv.io->mode() == Mode::json) {
    inv.io->out(Value{{"run", run.id}, {"steps", plan}}.dump() + "\n");
    return 0;
  }
  std::string text = fmt::format("resume of run {} would:\n", run.id);
  for (const auto& [id, action] : plan.items()) {
    const engine::StepDef* step = workflow.find_step(id.substr(0, id.find('[')));
    const bool conditional = step != nullptr && step->phase == engine::Phase::on_failure && action != "reused";
    text += fmt::format("  {:<8} {}{}\n", action.get<std::string>(), id,
                        conditional ? "  (on_failure: runs only if the run fails)" : "");
  }
  text += "(dry run: nothing was changed)\n";
  inv.io->out(text);
  return 0;
}

// A run that stopped because only `wait` steps were left, none of whose
// signals has come since: a resume could only pause it again. Unless a wait
// has a timeout (which resume must let expire), it says so and changes nothing.
bool still_waiting(const engine::RunState& state, const engine::Workflow& workflow) {
  if (state.status != "paused" || state.waiting_for.empty()) {
    return false;
  }
  for (const auto& step : workflow.steps) {
    if (step.uses == "wait" && step.with.contains("timeout") &&
        std::find(state.waiting_for.begin(), state.waiting_for.end(), step.with.value("signal", std::string())) !=
            state.waiting_for.end()) {
      return false;
    }
  }
  return true;
}

int resume_command(Invocation& inv, const ResumeOptions& options) {
  auto run = find_run(inv, options.run);
  if (!run.ok()) {
    return inv.fail(run.error());
  }
  auto records = read_records(run->dir);
  if (!records.ok()) {
    return inv.fail(records.error());
  }
  const engine::RunState state = engine::fold_records(records.value());
  if (state.status == "succeeded" && options.from.empty()) {
    inv.note(fmt::format("run {} has already succeeded; nothing to resume (use --from STEP to re-run a step)", run->id));
    return 0;
  }
  bool stored_ok = false;
  std::string stored = read_text(run->dir / "workflow.yaml", stored_ok);
  if (!stored_ok) {
    return inv.fail(Error::infra(fmt::format("run {} has no stored workflow.yaml", run->id)));
  }
  std::string source = stored;
  const std::string display = state.file.empty() ? (run->dir / "workflow.yaml").string() : state.file;
  // A built-in's current version is the one in this binary, never a file.
  const auto builtin = engine::builtin_name_of(state.file);
  bool current_ok = false;
  std::string current;
  if (builtin) {
    if (const engine::BuiltinWorkflow* found = workflow_library().find(*builtin)) {
      current = std::string(found->source);
      current_ok = true;
    }
  } else if (!state.file.empty()) {
    current = read_text(state.file, current_ok);
  }
  const bool changed = current_ok && engine::sha256_hex(current) != engine::sha256_hex(stored);
  if (options.use_current) {
    if (!current_ok) {
      return inv.fail(Error::usage(builtin ? fmt::format("--use-current: this automata has no built-in workflow '{}'", *builtin)
                                           : fmt::format("--use-current: cannot read {}", display)));
    }
    source = current;
  } else if (changed && builtin) {
    return inv.fail(Error::usage(
        fmt::format("the built-in workflow '{}' of this automata differs from the one run {} started with", *builtin,
                    run->id),
        "resume with --use-current to continue with this version (completed steps are kept), or with the automata "
        "that started it"));
  } else if (changed) {
    return inv.fail(Error::usage(
        fmt::format("{} has changed since run {} started", display, run->id),
        "resume with --use-current to continue with the new version (completed steps are kept), or restore the file"));
  }
  auto workflow = load_source_or_report(inv, display, source);
  if (!workflow.ok()) {
    return inv.fail(workflow.error());
  }
  std::optional<std::string> from;
  if (!options.from.empty()) {
    if (workflow.value()->find_step(options.from) == nullptr) {
      std::vector<std::string> ids;
      for (const auto& step : workflow.value()->steps) {
        ids.push_back(step.id);
      }
      std::string message = fmt::format("--from: run {} has no step '{}'", run->id, options.from);
      if (auto suggestion = engine::did_you_mean(options.from, ids)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      return inv.fail(Error::usage(message));
    }
    from = options.from;
  }
  if (options.dry_run) {
    return dry_run(inv, run.value(), state, *workflow.value(), from);
  }
  if (!from && !options.use_current && still_waiting(state, *workflow.value())) {
    inv.note(paused_note(run->id, state.waiting_for, state.paused_reason, true));
    return exit_code_for(Errc::paused);
  }
  engine::OpenMode mode;
  mode.resume = true;
  mode.use_current = options.use_current && changed;
  mode.from_step = from;
  mode.orphans = options.orphans == "wait" ? engine::OrphanPolicy::wait : engine::OrphanPolicy::stop;
  // A resumed `automata agent` run ends like one that was never stopped: with its result.
  if (workflow.value()->name == "agent") {
    const int code = open_and_drive(inv, run->dir, workflow.value(), mode, {}, agent_result_view(inv));
    print_agent_result(inv, run->dir);
    return code;
  }
  return open_and_drive(inv, run->dir, workflow.value(), mode);
}

}  // namespace

void add_resume(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<ResumeOptions>();
  CLI::App* sub = app.add_subcommand("resume", "Continue an interrupted, paused or failed run from its journal");
  sub->add_option("run", options->run, "Run id, unique prefix, or 'last'")->required();
  sub->add_flag("--use-current", options->use_current, "Continue with the workflow file as it is now");
  sub->add_option("--from", options->from, "Re-run this step and everything downstream of it");
  sub->add_flag("--dry-run", options->dry_run, "Show per step: reused, re-run, new, removed; change nothing");
  sub->add_option("--orphans", options->orphans,
                  "A step the killed driver left running: stop it (default), or wait for it to end; then run it again")
      ->check(one_of("--orphans", {"stop", "wait"}));
  sub->callback([&inv, options] { inv.action = [&inv, options] { return resume_command(inv, *options); }; });
}

}  // namespace automata::commands
