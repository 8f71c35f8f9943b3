// Ctrl-C and SIGTERM, detached runs, and signals sent to a live run through
// its control socket (pause, resume, cancel, rollback, a workflow's own).
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

// `slow` hangs the first time it runs and is quick after (resume).
const char* const k_interruptible = R"yaml(version: 1
name: interruptible
steps:
  first: { run: "echo first >> first.count" }
  slow:
    needs: [first]
    run: |
      echo slow >> slow.count
      if [ "$(wc -l < slow.count)" -lt 2 ]; then sleep 30; fi
  last: { needs: [slow], run: "echo last >> last.count" }
)yaml";

std::size_t runs_of(const Project& p, const std::string& step) {
  return count_of(read_file(p.dir() / (step + ".count")), "\n");
}

std::string run_status_of(const Project& p, const std::string& id) {
  const auto lines = p.run({"status", id, "--output", "json"}).json_lines();
  return lines.empty() ? std::string() : lines[0].value("status", "");
}

bool has_record(const std::vector<Value>& records, const std::string& type) {
  return std::any_of(records.begin(), records.end(), [&](const Value& r) { return r.value("type", "") == type; });
}

void check_interrupt_and_resume(int sig) {
  Project p;
  p.write("wf.yaml", k_interruptible);
  auto driver = p.spawn({"--output", "plain", "run", "wf.yaml"});
  const std::string id = p.wait_for_run();
  REQUIRE(p.wait_for_record(id, "StepStarted", "slow"));
  REQUIRE(eventually([&] { return runs_of(p, "slow") == 1; }));
  const auto sent = std::chrono::steady_clock::now();
  driver->signal(sig);
  CHECK(driver->wait(10s) == 130);
  CHECK(std::chrono::steady_clock::now() - sent < 5s);
  const auto journal = p.journal(id);
  REQUIRE_FALSE(journal.empty());
  CHECK(journal.back()["type"] == "RunInterrupted");
  CHECK(journal.back()["reason"] == "interrupted by signal");
  CHECK_FALSE(has_record(journal, "StepFailed"));
  const auto last_line = lines_of(driver->out()).back();
  CHECK(last_line.find("interrupted") != std::string::npos);
  CHECK(last_line.substr(last_line.size() - std::string("resume with: automata resume " + id).size()) ==
        "resume with: automata resume " + id);
  CHECK(run_status_of(p, id) == "interrupted");
  const auto resumed = p.run({"resume", id});
  CHECK(resumed.exit_code == 0);
  CHECK(runs_of(p, "first") == 1);
  CHECK(runs_of(p, "slow") == 2);
  CHECK(runs_of(p, "last") == 1);
  CHECK(run_status_of(p, id) == "succeeded");
}

}  // namespace

TEST_SUITE("e2e signals") {

TEST_CASE("Ctrl-C: exit 130 within 5s, RunInterrupted, the resume hint; resume completes the run") {
  check_interrupt_and_resume(SIGINT);
}

TEST_CASE("SIGTERM: the same as Ctrl-C") { check_interrupt_and_resume(SIGTERM); }

TEST_CASE("Ctrl-C in --output json: the hint goes to stderr, stdout stays JSON") {
  Project p;
  p.write("wf.yaml", k_interruptible);
  auto driver = p.spawn({"--output", "json", "run", "wf.yaml"});
  const std::string id = p.wait_for_run();
  REQUIRE(p.wait_for_record(id, "StepStarted", "slow"));
  driver->signal(SIGINT);
  CHECK(driver->wait(10s) == 130);
  const auto lines = lines_of(driver->out());
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    CHECK(Value::parse(line, nullptr, false).is_object());
  }
  CHECK(Value::parse(lines.back())["type"] == "RunInterrupted");
  CHECK(driver->err() == "automata: run " + id + " interrupted; resume it with: automata resume " + id + "\n");
}

TEST_CASE("a second Ctrl-C kills steps that ignore SIGTERM at once") {
  Project p;
  p.write("stubborn.yaml", R"yaml(version: 1
name: stubborn
steps:
  stubborn: { run: "trap '' TERM; echo ready; sleep 30" }
)yaml");
  auto driver = p.spawn({"--output", "plain", "run", "stubborn.yaml"});
  const std::string id = p.wait_for_run();
  REQUIRE(eventually([&] { return driver->out().find("[stubborn] ready") != std::string::npos; }));
  const auto sent = std::chrono::steady_clock::now();
  driver->signal(SIGINT);
  std::this_thread::sleep_for(200ms);
  driver->signal(SIGINT);
  CHECK(driver->wait(10s) == 130);
  // Well before the 3s grace after which SIGTERM turns into SIGKILL.
  CHECK(std::chrono::steady_clock::now() - sent < 2500ms);
  CHECK(p.journal(id).back()["type"] == "RunInterrupted");
}

TEST_CASE("--detach: prints the run id; status is live; logs --follow streams to the end") {
  Project p;
  p.write("bg.yaml", R"yaml(version: 1
name: bg
steps:
  tick: { run: "for i in 1 2 3 4 5; do echo tick $i; sleep 0.1; done" }
  done: { needs: [tick], run: "echo finished" }
)yaml");
  const auto started = p.run({"run", "bg.yaml", "--detach"});
  CHECK(started.exit_code == 0);
  const std::string id = p.only_run();
  CHECK(started.out == id + "\n");
  const auto follow = p.run({"logs", id, "tick", "--follow"});
  CHECK(follow.exit_code == 0);
  const auto lines = lines_of(follow.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[1] == "tick 1");
  CHECK(lines[5] == "tick 5");
  const auto history = p.run({"logs", id, "--follow", "--output", "json"});
  CHECK(history.exit_code == 0);
  CHECK(history.json_lines().back()["type"] == "RunCompleted");
  REQUIRE(eventually([&] { return run_status_of(p, id) == "succeeded"; }));
  const auto log = read_file(p.run_dir(id) / "driver.log");
  CHECK(log.find("✓ bg succeeded") != std::string::npos);
}

TEST_CASE("--detach --output json prints the run, its directory and the driver's pid") {
  Project p;
  p.write("quick.yaml", "version: 1\nname: quick\nsteps:\n  a: { run: \"true\" }\n");
  const auto started = p.run({"--output", "json", "run", "quick.yaml", "--detach"});
  CHECK(started.exit_code == 0);
  const auto lines = started.json_lines();
  REQUIRE(lines.size() == 1);
  const std::string id = p.only_run();
  CHECK(lines[0]["run"] == id);
  CHECK(lines[0]["dir"] == p.run_dir(id).string());
  CHECK(lines[0]["pid"].is_number_integer());
  REQUIRE(eventually([&] { return run_status_of(p, id) == "succeeded"; }));
}

TEST_CASE("a detached run: live status, then cancel reaches it; compensations and finally run (RunCancelled)") {
  Project p;
  p.write("long.yaml", R"yaml(version: 1
name: long
steps:
  setup:
    run: echo setup
    compensate: { run: "echo undone >> undone.txt" }
  work: { needs: [setup], run: "sleep 30" }
  never: { needs: [work], run: "echo never >> never.txt" }
finally:
  tidy: { run: "echo tidy >> tidy.txt" }
)yaml");
  REQUIRE(p.run({"run", "long.yaml", "--detach", "--run-id", "bg"}).exit_code == 0);
  REQUIRE(p.wait_for_record("bg", "StepStarted", "work"));
  const auto live = p.run({"status", "bg", "--output", "json"}).json_lines();
  REQUIRE(live.size() == 1);
  CHECK(live[0]["status"] == "running");
  CHECK(live[0]["steps"]["work"]["status"] == "running");
  CHECK_FALSE(live[0].contains("live"));
  const auto text = p.run({"status", "bg"});
  CHECK(text.out.find("run bg  long  running\n") == 0);
  const auto cancelled = p.run({"cancel", "bg"});
  CHECK(cancelled.exit_code == 0);
  CHECK(cancelled.err == "automata: cancel requested for run bg; its compensations run before it stops\n");
  const auto follow = p.run({"logs", "bg", "--follow", "--output", "json"});
  CHECK(follow.exit_code == 0);
  REQUIRE(eventually([&] { return run_status_of(p, "bg") == "cancelled"; }));
  auto full = trace(p.journal("bg"));
  const auto signal = std::find(full.begin(), full.end(), "SignalReceived cancel");
  REQUIRE(signal != full.end());
  CHECK(std::vector<std::string>(signal, full.end()) ==
        std::vector<std::string>{"SignalReceived cancel", "StepFailed work", "StepSkipped never",
                                 "CompensationStarted setup", "StepProcess setup", "CompensationCompleted setup",
                                 "StepScheduled tidy", "StepStarted tidy", "StepProcess tidy", "StepCompleted tidy",
                                 "RunCancelled"});
  CHECK(read_file(p.dir() / "undone.txt") == "undone\n");
  CHECK(read_file(p.dir() / "tidy.txt") == "tidy\n");
  CHECK_FALSE(std::filesystem::exists(p.dir() / "never.txt"));
  const auto runs = p.run({"runs", "--status", "cancelled", "--output", "json"}).json_lines();
  REQUIRE(runs.size() == 1);
}

TEST_CASE("SIGTERM to a detached run's driver interrupts it like Ctrl-C; resume finishes it") {
  Project p;
  p.write("wf.yaml", k_interruptible);
  const auto started = p.run({"--output", "json", "run", "wf.yaml", "--detach", "--run-id", "d"});
  REQUIRE(started.exit_code == 0);
  const pid_t pid = started.json_lines().at(0)["pid"].get<pid_t>();
  REQUIRE(p.wait_for_record("d", "StepStarted", "slow"));
  REQUIRE(eventually([&] { return runs_of(p, "slow") == 1; }));
  ::kill(pid, SIGTERM);
  REQUIRE(p.wait_for_record("d", "RunInterrupted", "", 5s));
  REQUIRE(eventually([&] { return run_status_of(p, "d") == "interrupted"; }));
  CHECK(p.run({"resume", "d"}).exit_code == 0);
  CHECK(runs_of(p, "slow") == 2);
  CHECK(runs_of(p, "last") == 1);
}

TEST_CASE("live pause of a run in the foreground: it ends paused (exit 4) once nothing runs; resume finishes it") {
  Project p;
  p.write("steps.yaml", R"yaml(version: 1
name: steps
steps:
  one: { run: "touch one.started; while [ ! -f go ]; do sleep 0.05; done" }
  two: { needs: [one], run: "echo two >> two.count" }
)yaml");
  auto driver = p.spawn({"--output", "plain", "run", "steps.yaml", "--run-id", "pz"});
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "one.started"); }));
  const auto paused = p.run({"signal", "pz", "pause"});
  CHECK(paused.exit_code == 0);
  CHECK(paused.err == "automata: signal 'pause' sent to run pz\n");
  REQUIRE(p.wait_for_record("pz", "SignalReceived"));
  // While `one` runs, the process lives: a `resume` signal would continue it there.
  const auto live = p.run({"status", "pz", "--output", "json"}).json_lines().at(0);
  CHECK(live["status"] == "paused");
  CHECK(live["paused_reason"] == "paused by signal");
  CHECK(live["waiting_for"] == Value::array({Value{{"signal", "resume"}, {"command", "automata signal pz resume"}}}));
  CHECK_FALSE(live.contains("resume_command"));
  p.write("go", "");
  CHECK(driver->wait(10s) == 4);
  CHECK(lines_of(driver->out()).back().find("paused after") != std::string::npos);
  CHECK(lines_of(driver->out()).back().find("· resume with: automata resume pz") != std::string::npos);
  const auto stopped = p.run({"status", "pz", "--output", "json"}).json_lines().at(0);
  CHECK(stopped["status"] == "paused");
  CHECK_FALSE(stopped.contains("waiting_for"));
  CHECK(stopped["resume_command"] == "automata resume pz");
  CHECK_FALSE(std::filesystem::exists(p.dir() / "two.count"));
  const auto resumed = p.run({"resume", "pz"});
  CHECK(resumed.exit_code == 0);
  CHECK(runs_of(p, "two") == 1);
}

TEST_CASE("a detached run paused by signal keeps its process; `signal RUN resume` continues it, no resume command") {
  Project p;
  p.write("steps.yaml", R"yaml(version: 1
name: steps
steps:
  one: { run: "touch one.started; while [ ! -f go ]; do sleep 0.05; done" }
  two: { needs: [one], run: "echo two >> two.count" }
)yaml");
  REQUIRE(p.run({"run", "steps.yaml", "--detach", "--run-id", "dp"}).exit_code == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "one.started"); }));
  REQUIRE(p.run({"signal", "dp", "pause"}).exit_code == 0);
  REQUIRE(p.wait_for_record("dp", "SignalReceived"));
  p.write("go", "");
  REQUIRE(p.wait_for_record("dp", "StepCompleted", "one"));
  // Nothing runs, the process waits: status is live and says how to continue.
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(std::filesystem::exists(p.dir() / "two.count"));
  const auto status = p.run({"status", "dp", "--output", "json"}).json_lines().at(0);
  CHECK(status["status"] == "paused");
  CHECK(status["waiting_for"] == Value::array({Value{{"signal", "resume"}, {"command", "automata signal dp resume"}}}));
  CHECK(lines_of(p.run({"status", "dp"}).out).at(3) == "  paused   paused by signal");
  const auto sent = p.run({"signal", "dp", "resume"});
  CHECK(sent.exit_code == 0);
  CHECK(sent.err == "automata: signal 'resume' sent to run dp\n");
  REQUIRE(eventually([&] { return run_status_of(p, "dp") == "succeeded"; }));
  CHECK(runs_of(p, "two") == 1);
  CHECK_FALSE(has_record(p.journal("dp"), "RunPaused"));
  CHECK(count_of(read_file(p.run_dir("dp") / "journal.jsonl"), "RunResumed") == 0);
}

TEST_CASE("a detached run with only a wait step left waits in its process; the signal alone continues it") {
  Project p;
  p.write("gate.yaml", R"yaml(version: 1
name: gate
steps:
  approval: { uses: wait, with: { signal: approve } }
  ship: { needs: [approval], run: "echo by=${{ steps.approval.outputs.data.by }} > shipped.txt" }
)yaml");
  REQUIRE(p.run({"run", "gate.yaml", "--detach", "--run-id", "dw"}).exit_code == 0);
  REQUIRE(p.wait_for_record("dw", "StepStarted", "approval"));
  Value status;
  REQUIRE(eventually([&] {
    status = p.run({"status", "dw", "--output", "json"}).json_lines().at(0);
    return status["status"] == "paused";
  }));
  CHECK(status["paused_reason"] == "waiting for signal 'approve'");
  CHECK(status["waiting_for"] == Value::array({Value{{"signal", "approve"}, {"command", "automata signal dw approve"}}}));
  CHECK_FALSE(status.contains("resume_command"));
  REQUIRE(p.run({"signal", "dw", "approve", "--data", R"({"by": "kim"})"}).exit_code == 0);
  REQUIRE(eventually([&] { return run_status_of(p, "dw") == "succeeded"; }));
  CHECK(read_file(p.dir() / "shipped.txt") == "by=kim\n");
  CHECK_FALSE(has_record(p.journal("dw"), "RunPaused"));
}

TEST_CASE("live pause then resume signals: the run goes on in the same process") {
  Project p;
  p.write("steps.yaml", R"yaml(version: 1
name: steps
steps:
  one: { run: "touch one.started; while [ ! -f go ]; do sleep 0.05; done" }
  two: { needs: [one], run: "echo two >> two.count" }
)yaml");
  REQUIRE(p.run({"run", "steps.yaml", "--detach", "--run-id", "pr"}).exit_code == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "one.started"); }));
  REQUIRE(p.run({"signal", "pr", "pause"}).exit_code == 0);
  REQUIRE(p.run({"signal", "pr", "resume"}).exit_code == 0);
  REQUIRE(eventually([&] { return count_of(read_file(p.run_dir("pr") / "journal.jsonl"), "SignalReceived") == 2; }));
  p.write("go", "");
  REQUIRE(eventually([&] { return run_status_of(p, "pr") == "succeeded"; }));
  CHECK(runs_of(p, "two") == 1);
  CHECK_FALSE(has_record(p.journal("pr"), "RunPaused"));
}

TEST_CASE("live rollback: running steps stop, completed ones are compensated, on_failure runs, the run fails") {
  Project p;
  p.write("saga.yaml", R"yaml(version: 1
name: saga
steps:
  book:
    run: echo booked
    compensate: { run: "echo unbooked >> unbooked.txt" }
  pay: { needs: [book], run: "touch pay.started; sleep 30" }
on_failure:
  tell: { run: "echo failed-step=${{ run.failed_step }} >> told.txt" }
)yaml");
  REQUIRE(p.run({"run", "saga.yaml", "--detach", "--run-id", "rb"}).exit_code == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "pay.started"); }));
  REQUIRE(p.run({"signal", "rb", "rollback"}).exit_code == 0);
  REQUIRE(eventually([&] { return run_status_of(p, "rb") == "failed"; }));
  const auto journal = p.journal("rb");
  CHECK(journal.back()["error"] == "rolled back by signal");
  CHECK(read_file(p.dir() / "unbooked.txt") == "unbooked\n");
  CHECK(std::filesystem::exists(p.dir() / "told.txt"));
}

TEST_CASE("a workflow's own signal reaches a live wait step, with its data") {
  Project p;
  p.write("gate.yaml", R"yaml(version: 1
name: gate
steps:
  busy: { run: "touch busy.started; while [ ! -f go ]; do sleep 0.05; done" }
  approval: { uses: wait, with: { signal: approve, timeout: 1m } }
  ship: { needs: [approval], run: "echo by=${{ steps.approval.outputs.data.by }} > shipped.txt" }
)yaml");
  REQUIRE(p.run({"run", "gate.yaml", "--detach", "--run-id", "g"}).exit_code == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "busy.started"); }));
  REQUIRE(p.wait_for_record("g", "StepStarted", "approval"));
  const auto sent = p.run({"signal", "g", "approve", "--data", R"({"by": "lee"})"});
  CHECK(sent.exit_code == 0);
  CHECK(sent.err == "automata: signal 'approve' sent to run g\n");
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "shipped.txt"); }));
  CHECK(read_file(p.dir() / "shipped.txt") == "by=lee\n");
  p.write("go", "");
  REQUIRE(eventually([&] { return run_status_of(p, "g") == "succeeded"; }));
}

}  // TEST_SUITE
