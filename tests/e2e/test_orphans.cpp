// No orphaned steps (docs/processes.md): a step's process group dies with
// the driver that started it, and a resume stops an attempt that still runs
// before it runs the step again, so a step's side effects never happen twice
// at once.
#include "e2e/e2e_support.hpp"

#include "engine/orphans.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

// The first attempt appends "start", sleeps, appends "end"; a later attempt
// (two starts in the file) does not sleep.
constexpr const char* k_workflow = R"yaml(version: 1
name: orphans
steps:
  deploy:
    run: |
      echo start >> side-effects
      if [ "$(grep -c start side-effects)" -lt 2 ]; then sleep SLEEP; fi
      echo end >> side-effects
)yaml";

std::string workflow(const std::string& sleep) {
  std::string text = k_workflow;
  text.replace(text.find("SLEEP"), 5, sleep);
  return text;
}

// The StepProcess record of the step's first attempt, once it is journaled
// and the command has started (its first line is in the file).
Value step_process(const Project& p, const std::string& id) {
  Value found;
  REQUIRE(eventually([&] {
    for (const auto& r : p.journal(id)) {
      if (r.value("type", "") == "StepProcess" && r.value("step", "") == "deploy") {
        found = r;
      }
    }
    return !found.is_null() && read_file(p.dir() / "side-effects") == "start\n";
  }));
  return found;
}

engine::ProcessIdentity identity_of(const Value& record) {
  engine::ProcessIdentity id;
  id.pgid = record["pgid"].get<int>();
  id.start_time = record["start_time"].get<std::uint64_t>();
  id.boot_id = record["boot_id"].get<std::string>();
  id.host = record["host"].get<std::string>();
  return id;
}

bool group_gone(const engine::ProcessIdentity& id) {
  return engine::group_liveness(id) == engine::GroupLiveness::gone;
}

std::vector<Value> records_of(const std::vector<Value>& records, const std::string& type) {
  std::vector<Value> out;
  for (const auto& r : records) {
    if (r.value("type", "") == type) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("orphans: a shell step's process group is journaled, synced, before its command runs") {
  Project p;
  p.write("orphans.yaml", workflow("0"));
  const auto ran = p.run({"run", "orphans.yaml"});
  REQUIRE(ran.exit_code == 0);
  const auto journal = p.journal(p.only_run());
  CHECK(trace(journal) == std::vector<std::string>{"RunStarted", "StepScheduled deploy", "StepStarted deploy",
                                                   "StepProcess deploy", "StepCompleted deploy", "RunCompleted"});
  const Value process = records_of(journal, "StepProcess").at(0);
  CHECK(process["attempt"] == 1);
  CHECK(process["pgid"].get<int>() > 1);
  CHECK(process["start_time"].get<std::uint64_t>() > 0);
  CHECK(process["boot_id"] == engine::this_boot_id());
  CHECK(process["host"] == engine::this_host());
  CHECK(process["kill_grace_ms"] == 3000);
  CHECK(!process.contains("compensation"));
  // The step is gone with its run: the group no longer exists.
  CHECK(group_gone(identity_of(process)));
}

TEST_CASE("orphans: the driver killed with SIGKILL takes its step's process group with it") {
  Project p;
  p.write("orphans.yaml", workflow("30"));
  auto driver = p.spawn({"run", "orphans.yaml"});
  const std::string id = p.wait_for_run();
  const auto step = identity_of(step_process(p, id));
  CHECK(engine::group_liveness(step) == engine::GroupLiveness::running);
  ::kill(driver->pid(), SIGKILL);
  CHECK(driver->wait() == 128 + SIGKILL);
  // Nobody resumes: the shim saw its socket close and stopped the group.
  CHECK(eventually([&] { return group_gone(step); }, 5s));
  CHECK(read_file(p.dir() / "side-effects") == "start\n");
}

TEST_CASE("orphans: resume after SIGKILL of the driver runs the step's side effect once more, not twice at once") {
  Project p;
  p.write("orphans.yaml", workflow("30"));
  auto driver = p.spawn({"run", "orphans.yaml"});
  const std::string id = p.wait_for_run();
  const auto step = identity_of(step_process(p, id));
  ::kill(driver->pid(), SIGKILL);
  CHECK(driver->wait() == 128 + SIGKILL);
  const auto resumed = p.run({"resume", id});
  CHECK(resumed.exit_code == 0);
  // The first attempt never wrote its second line; the re-run wrote both of its own.
  CHECK(read_file(p.dir() / "side-effects") == "start\nstart\nend\n");
  CHECK(group_gone(step));
}

TEST_CASE("orphans: resume stops an attempt that still runs (driver and shim killed) before it runs it again") {
  Project p;
  p.write("orphans.yaml", workflow("30"));
  auto driver = p.spawn({"run", "orphans.yaml"});
  const std::string id = p.wait_for_run();
  const auto step = identity_of(step_process(p, id));
  // A power loss of the supervision only: the driver cannot react (stopped),
  // the shim is killed outright, the command goes on in its group.
  ::kill(driver->pid(), SIGSTOP);
  ::kill(step.pgid, SIGKILL);
  ::kill(driver->pid(), SIGKILL);
  CHECK(driver->wait() == 128 + SIGKILL);
  REQUIRE(engine::group_liveness(step) == engine::GroupLiveness::running);

  const auto resumed = p.run({"--output", "json", "resume", id});
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.err == fmt::format("automata: step 'deploy' attempt 1 was still running (pgid {}): stopped it "
                                   "before running it again\n",
                                   step.pgid));
  CHECK(trace(resumed.json_lines()) ==
        std::vector<std::string>{"RunResumed", "StepProcessEnded deploy", "StepStarted deploy", "StepProcess deploy",
                                 "StepCompleted deploy", "RunCompleted"});
  const Value ended = records_of(p.journal(id), "StepProcessEnded").at(0);
  CHECK(ended["attempt"] == 1);
  CHECK(ended["pgid"] == step.pgid);
  CHECK(ended["ended"] == "stopped");
  CHECK(group_gone(step));
  CHECK(read_file(p.dir() / "side-effects") == "start\nstart\nend\n");
  const auto status = p.run({"status", id, "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["steps"]["deploy"]["status"] == "succeeded");
  CHECK(status[0]["steps"]["deploy"]["attempts"] == 1);
}

TEST_CASE("orphans: resume --orphans wait lets the old attempt finish, then runs the step again") {
  Project p;
  p.write("orphans.yaml", workflow("1"));
  auto driver = p.spawn({"run", "orphans.yaml"});
  const std::string id = p.wait_for_run();
  const auto step = identity_of(step_process(p, id));
  ::kill(driver->pid(), SIGSTOP);
  ::kill(step.pgid, SIGKILL);
  ::kill(driver->pid(), SIGKILL);
  CHECK(driver->wait() == 128 + SIGKILL);

  const auto resumed = p.run({"resume", id, "--orphans", "wait"});
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.err == fmt::format("automata: step 'deploy' attempt 1 is still running (pgid {}): waiting for it "
                                   "to end before running it again\n",
                                   step.pgid));
  CHECK(read_file(p.dir() / "side-effects") == "start\nend\nstart\nend\n");
  CHECK(records_of(p.journal(id), "StepProcessEnded").at(0)["ended"] == "waited");
}

TEST_CASE("orphans: resume --orphans takes stop or wait") {
  Project p;
  const auto bad = p.run({"resume", "last", "--orphans", "kill"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "automata: error: --orphans must be stop or wait, got 'kill'\n"
                   "automata: hint: run `automata help resume` for usage\n");
}

}  // TEST_SUITE
