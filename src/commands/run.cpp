// automata run FILE|NAME [-i key=value ...] [--inputs-file F] [--run-id ID]
//              [--if-exists fail|resume|skip] [--detach]
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/drive.hpp"
#include "commands/run_existing.hpp"
#include "commands/value_checks.hpp"
#include "engine/inputs.hpp"
#include "engine/run_state.hpp"

namespace automata::commands {
namespace {

struct RunOptions {
  std::string workflow;
  std::vector<std::string> inputs;
  std::string inputs_file;
  std::string run_id;
  std::string if_exists = "fail";
  bool detach = false;
  bool dry_run = false;
};

int exit_code_for_status(const std::string& status) {
  if (status == "succeeded" || status == "running") {
    return 0;
  }
  if (status == "failed") {
    return 1;
  }
  if (status == "cancelled") {
    return 3;
  }
  if (status == "paused") {
    return 4;
  }
  return 130;
}

// The detached driver: a child process in its own session, output to driver.log.
int detach_and_drive(Invocation& inv, const engine::NewRun& run, std::shared_ptr<const engine::Workflow> workflow) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    return inv.fail(Error::infra(fmt::format("cannot detach: {}", std::strerror(errno))));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    return inv.fail(Error::infra(fmt::format("cannot detach: {}", std::strerror(errno))));
  }
  if (pid == 0) {
    ::close(ready[0]);
    ::setsid();
    const int log = ::open((run.dir / "driver.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log >= 0 && null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    inv.io->redirect(1);
    inv.global.output = "plain";
    inv.detached = true;
    set_interrupt_target(nullptr);
    // fork() keeps only the calling thread: cli/'s signal thread is gone in
    // the child. The detached driver takes SIGINT/SIGTERM itself, so
    // `kill -TERM` stops it like Ctrl-C (RunInterrupted, resumable).
    if (inv.restart_signal_handling) {
      inv.restart_signal_handling();
    }
    const char byte = 'r';
    (void)!::write(ready[1], &byte, 1);
    ::close(ready[1]);
    engine::OpenMode mode;
    return open_and_drive(inv, run.dir, std::move(workflow), mode);
  }
  ::close(ready[1]);
  char byte = 0;
  while (::read(ready[0], &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(ready[0]);
  if (inv.io->mode() == Mode::json) {
    inv.io->out(Value{{"run", run.id}, {"dir", run.dir.string()}, {"pid", pid}}.dump() + "\n");
  } else {
    inv.io->out(run.id + "\n");
  }
  return 0;
}

int run_command(Invocation& inv, const RunOptions& options) {
  auto source = find_workflow(options.workflow);
  if (!source.ok()) {
    return inv.fail(source.error());
  }
  const std::string file = source->file;
  auto workflow = load_or_report(inv, std::move(source.value()));
  if (!workflow.ok()) {
    return inv.fail(workflow.error());
  }
  engine::InputSources sources;
  for (const auto& assignment : options.inputs) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return inv.fail(Error::usage(fmt::format("-i {}: expected key=value", assignment)));
    }
    sources.assignments.emplace_back(assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  if (!options.inputs_file.empty()) {
    auto values = engine::read_inputs_file(options.inputs_file);
    if (!values.ok()) {
      return inv.fail(values.error());
    }
    sources.file_values = std::move(values.value());
    sources.file_name = options.inputs_file;
  }
  auto inputs = engine::resolve_inputs(*workflow.value(), sources);
  if (!inputs.ok()) {
    return inv.fail(inputs.error());
  }
  const engine::RunStore store = inv.store();
  auto run_id = chosen_run_id(options.run_id);
  if (!run_id.ok()) {
    return inv.fail(run_id.error());
  }
  const engine::Masker masker = engine::masker_for(*workflow.value());
  if (run_id.value() && store.exists(options.run_id)) {
    if (options.if_exists == "fail") {
      return inv.fail(Error::usage(fmt::format("a run with id '{}' exists already", options.run_id),
                                   "choose another --run-id, or pass --if-exists resume|skip"));
    }
    const auto dir = store.run_dir(options.run_id);
    auto contents = engine::load_journal(dir / "journal.jsonl", nullptr);
    if (!contents.ok()) {
      return inv.fail(contents.error());
    }
    const engine::RunState state = engine::fold_records(contents->records);
    Value masked_inputs = inputs.value();
    masker.mask_value(masked_inputs);
    const RunRequest request{workflow.value().get(), file, masked_inputs, options.dry_run, options.if_exists};
    if (auto same = check_same_run(options.run_id, state, request); !same.ok()) {
      return inv.fail(same.error());
    }
    if (options.if_exists == "skip") {
      inv.note(fmt::format("run {} exists ({}); skipped", options.run_id, state.status));
      return exit_code_for_status(state.status);
    }
    if (state.status == "succeeded") {
      inv.note(fmt::format("run {} has already succeeded", options.run_id));
      return 0;
    }
    engine::OpenMode mode;
    mode.resume = true;
    mode.by = "run --if-exists resume";
    return open_and_drive(inv, dir, workflow.value(), mode);
  }
  engine::EngineServices services = make_services(inv);
  auto created = engine::create_run(store, *workflow.value(), inputs.value(), run_id.value(), std::filesystem::current_path(),
                                    masker, services, engine::RunFlags{options.dry_run});
  if (!created.ok()) {
    return inv.fail(created.error());
  }
  if (options.detach) {
    return detach_and_drive(inv, created.value(), workflow.value());
  }
  engine::OpenMode mode;
  return open_and_drive(inv, created->dir, workflow.value(), mode);
}

}  // namespace

void add_run(CLI::App& app, Invocation& inv) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a workflow file, or a built-in workflow by name");
  sub->add_option("workflow", options->workflow,
                  "A built-in workflow's name (see `automata workflows`), or a workflow file: a bare name such as "
                  "agent is the built-in even if a file of that name is here; ./agent or agent.yaml is a file")
      ->required();
  sub->add_option("-i,--input", options->inputs, "Set an input: key=value (repeatable)");
  sub->add_option("--inputs-file", options->inputs_file, "Read inputs from a YAML or JSON file");
  sub->add_option("--run-id", options->run_id, "Choose the run id (an idempotency key)");
  sub->add_option("--if-exists", options->if_exists, "When --run-id exists: fail, resume or skip")
      ->check(one_of("--if-exists", {"fail", "resume", "skip"}));
  sub->add_flag("--detach", options->detach, "Print the run id and keep running in the background");
  sub->add_flag("--dry-run", options->dry_run,
                "Forge, push and HTTP steps print the request they would send (credentials masked) and change nothing");
  sub->callback([&inv, options] { inv.action = [&inv, options] { return run_command(inv, *options); }; });
}

}  // namespace automata::commands
