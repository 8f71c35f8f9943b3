// `automata resume` end to end: failed runs, --from, --dry-run, a changed
// workflow file, RUN prefixes, lock contention, a run killed with SIGKILL.
#include <map>

#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

// Each step appends to STEP.count, so a test counts how often each ran.
const char* const k_diamond = R"(version: 1
name: diamond
steps:
  a: { run: "echo a >> a.count" }
  b: { needs: [a], run: "echo b >> b.count; test -f fixed" }
  c: { needs: [b], run: "echo c >> c.count" }
  d: { needs: [a], run: "echo d >> d.count" }
)";

std::size_t runs_of(const Project& p, const std::string& step) {
  return count_of(read_file(p.dir() / (step + ".count")), "\n");
}

// What a resume did to each step, from the journal: "re-run" (records of it
// before and after the last RunResumed), "new" (only after), "reused" (only before).
std::map<std::string, std::string> what_resume_did(const std::vector<Value>& journal) {
  std::size_t resumed = 0;
  for (std::size_t i = 0; i < journal.size(); ++i) {
    if (journal[i]["type"] == "RunResumed") {
      resumed = i;
    }
  }
  std::map<std::string, std::pair<bool, bool>> seen;  // before, after
  for (std::size_t i = 0; i < journal.size(); ++i) {
    const std::string type = journal[i].value("type", "");
    if (type.rfind("Step", 0) != 0 || !journal[i].contains("step")) {
      continue;
    }
    auto& [before, after] = seen[journal[i]["step"].get<std::string>()];
    (i < resumed ? before : after) = true;
  }
  std::map<std::string, std::string> did;
  for (const auto& [id, when] : seen) {
    did[id] = when.second ? (when.first ? "re-run" : "new") : "reused";
  }
  return did;
}

// The dry run's listing as {step: action}.
std::map<std::string, std::string> dry_run_plan(const Project& p, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--output", "json", "resume"};
  all.insert(all.end(), args.begin(), args.end());
  all.push_back("--dry-run");
  const auto lines = p.run(all).json_lines();
  REQUIRE(lines.size() == 1);
  std::map<std::string, std::string> plan;
  for (const auto& [id, action] : lines[0]["steps"].items()) {
    plan[id] = action.get<std::string>();
  }
  return plan;
}

}  // namespace

TEST_SUITE("e2e resume") {

TEST_CASE("resume of a failed run re-runs only what did not succeed, then says there is nothing left") {
  Project p;
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml"}).exit_code == 1);
  const std::string id = p.only_run();
  p.write("fixed", "");
  const auto resumed = p.run({"--output", "json", "resume", id});
  CHECK(resumed.exit_code == 0);
  // c was skipped (not new): it is started, not scheduled again.
  CHECK(trace(resumed.json_lines()) == std::vector<std::string>{"RunResumed", "StepStarted b", "StepProcess b",
                                                                "StepCompleted b", "StepStarted c", "StepProcess c",
                                                                "StepCompleted c", "RunCompleted"});
  CHECK(resumed.json_lines()[1]["attempt"] == 2);
  CHECK(runs_of(p, "a") == 1);
  CHECK(runs_of(p, "b") == 2);
  CHECK(runs_of(p, "c") == 1);
  CHECK(runs_of(p, "d") == 1);
  const auto again = p.run({"resume", id});
  CHECK(again.exit_code == 0);
  CHECK(again.err == "automata: run " + id +
                         " has already succeeded; nothing to resume (use --from STEP to re-run a step)\n");
  const auto status = p.run({"status", id, "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["status"] == "succeeded");
  CHECK(status[0]["steps"]["b"]["attempts"] == 2);
}

TEST_CASE("resume --dry-run shows reused, re-run, new and removed, and changes nothing") {
  Project p;
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml"}).exit_code == 1);
  const std::string id = p.only_run();
  const auto journal_before = read_file(p.run_dir(id) / "journal.jsonl");
  const auto plan = p.run({"resume", id, "--dry-run"});
  CHECK(plan.exit_code == 0);
  CHECK(plan.out == "resume of run " + id +
                        " would:\n"
                        "  reused   a\n"
                        "  re-run   b\n"
                        "  re-run   c\n"
                        "  reused   d\n"
                        "(dry run: nothing was changed)\n");
  // A changed file: e is new, d was removed.
  p.write("diamond.yaml", R"(version: 1
name: diamond
steps:
  a: { run: "echo a >> a.count" }
  b: { needs: [a], run: "echo b >> b.count; test -f fixed" }
  c: { needs: [b], run: "echo c >> c.count" }
  e: { needs: [a], run: "echo e >> e.count" }
)");
  const auto changed = p.run({"resume", id, "--dry-run", "--use-current", "--from", "a"});
  CHECK(changed.exit_code == 0);
  CHECK(changed.out == "resume of run " + id +
                           " would:\n"
                           "  re-run   a\n"
                           "  re-run   b\n"
                           "  re-run   c\n"
                           "  new      e\n"
                           "  removed  d\n"
                           "(dry run: nothing was changed)\n");
  const auto json = p.run({"--output", "json", "resume", id, "--dry-run", "--use-current"}).json_lines();
  REQUIRE(json.size() == 1);
  CHECK(json[0] == Value{{"run", id},
                         {"steps", {{"a", "reused"}, {"b", "re-run"}, {"c", "re-run"}, {"e", "new"}, {"d", "removed"}}}});
  CHECK(read_file(p.run_dir(id) / "journal.jsonl") == journal_before);
  CHECK_FALSE(std::filesystem::exists(p.dir() / "e.count"));
}

TEST_CASE("resume --dry-run tells the truth: compensated, finally and on_failure steps re-run after a failure") {
  Project p;
  p.write("saga.yaml", R"(version: 1
name: saga
steps:
  a: { run: "echo a >> a.count" }
  b:
    needs: [a]
    run: "echo b >> b.count"
    compensate: { run: "echo undo >> undo.count" }
  c: { needs: [b], run: "echo c >> c.count; test -f fixed" }
  d: { needs: [a], run: "echo d >> d.count" }
on_failure:
  tell: { run: "echo tell >> tell.count" }
finally:
  tidy: { run: "echo tidy >> tidy.count" }
)");
  REQUIRE(p.run({"run", "saga.yaml", "--run-id", "s"}).exit_code == 1);
  REQUIRE(runs_of(p, "undo") == 1);
  const auto text = p.run({"resume", "s", "--dry-run"});
  CHECK(text.exit_code == 0);
  CHECK(text.out == "resume of run s would:\n"
                    "  reused   a\n"
                    "  re-run   b\n"
                    "  re-run   c\n"
                    "  reused   d\n"
                    "  re-run   tell  (on_failure: runs only if the run fails)\n"
                    "  re-run   tidy\n"
                    "(dry run: nothing was changed)\n");
  const auto plan = dry_run_plan(p, {"s"});
  p.write("fixed", "");
  REQUIRE(p.run({"resume", "s"}).exit_code == 0);
  auto did = what_resume_did(p.journal("s"));
  // The run succeeded this time: its on_failure step did not run.
  CHECK(plan.at("tell") == "re-run");
  CHECK(did.at("tell") == "reused");
  did.erase("tell");
  auto expected = plan;
  expected.erase("tell");
  CHECK(did == expected);
  CHECK(runs_of(p, "a") == 1);
  CHECK(runs_of(p, "b") == 2);
  CHECK(runs_of(p, "tidy") == 2);
  CHECK(runs_of(p, "tell") == 1);
}

TEST_CASE("resume --from re-runs steps that read the step's results without needing it; --dry-run says so first") {
  // `late` and `env_reader` read steps through a computed index, which needs
  // no `needs`; `report` (finally) reads steps.a. One job: a runs first.
  Project p;
  p.write("reads.yaml", R"(version: 1
name: reads
inputs:
  which: { default: a }
steps:
  a: { run: "echo a >> a.count; echo v=$(wc -l < a.count) >> $AUTOMATA_OUTPUT" }
  b: { needs: [a], run: "echo b >> b.count" }
  gate: { run: "echo gate >> gate.count" }
  late:
    needs: [gate]
    if: steps[inputs.which].outputs.v != ''
    run: "echo late >> late.count"
  env_reader:
    needs: [gate]
    env: { V: "${{ steps[inputs.which].outputs.v }}" }
    run: "echo $V >> env_reader.count"
finally:
  report: { if: "steps.a.outputs.v != ''", run: "echo report >> report.count" }
)");
  REQUIRE(p.run({"-j", "1", "run", "reads.yaml", "--run-id", "r"}).exit_code == 0);
  const auto plan = dry_run_plan(p, {"r", "--from", "b"});
  CHECK(plan == std::map<std::string, std::string>{{"a", "reused"},
                                                   {"b", "re-run"},
                                                   {"gate", "reused"},
                                                   {"late", "re-run"},
                                                   {"env_reader", "re-run"},
                                                   {"report", "re-run"}});
  REQUIRE(p.run({"-j", "1", "resume", "r", "--from", "b"}).exit_code == 0);
  CHECK(what_resume_did(p.journal("r")) == plan);
  CHECK(runs_of(p, "a") == 1);
  CHECK(runs_of(p, "b") == 2);
  CHECK(runs_of(p, "gate") == 1);
  CHECK(runs_of(p, "late") == 2);
  CHECK(read_file(p.dir() / "env_reader.count") == "1\n1\n");
  CHECK(runs_of(p, "report") == 2);
}

TEST_CASE("rolled-back steps show as compensated (a failed compensation as such) in status, runs and the output") {
  Project p;
  p.write("undo.yaml", R"(version: 1
name: undo
steps:
  book:
    run: "echo booked"
    compensate: { run: "echo unbooked" }
  charge:
    needs: [book]
    run: "echo charged"
    compensate: { run: "echo cannot refund; exit 3" }
  ship: { needs: [charge], run: "exit 1" }
)");
  const auto run = p.run({"--output", "plain", "run", "undo.yaml", "--run-id", "u"});
  REQUIRE(run.exit_code == 1);
  const auto status = p.run({"status", "u", "--output", "json"}).json_lines().at(0);
  CHECK(status["steps"]["book"]["status"] == "compensated");
  CHECK(status["steps"]["charge"]["status"] == "compensation_failed");
  CHECK(status["steps"]["charge"]["compensation_error"] == "exit code 3");
  CHECK(status["steps"]["ship"]["status"] == "failed");
  CHECK(status["compensated"] == Value::array({"book"}));
  CHECK(status["compensation_failed"] == Value::array({"charge"}));
  const auto text = lines_of(p.run({"status", "u"}).out);
  auto line_of = [&](const std::string& prefix) {
    const auto it = std::find_if(text.begin(), text.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
    return it == text.end() ? std::string() : *it;
  };
  CHECK(line_of("  ↶ book    compensated").size() > 0);
  CHECK(line_of("  ✗ charge  compensation_failed").find("compensation: exit code 3") != std::string::npos);
  const auto runs = p.run({"runs"}).out;
  CHECK(runs.find("  compensated: book  compensation failed: charge\n") != std::string::npos);
  const auto listed = p.run({"runs", "--output", "json"}).json_lines().at(0);
  CHECK(listed["compensated"] == Value::array({"book"}));
  // The run's history, replayed by `logs`, ends with the steps as they ended.
  const auto junit = p.dir() / "junit.xml";
  REQUIRE(p.run({"--junit", junit.string(), "--output", "json", "resume", "u"}).exit_code == 1);
  const auto xml = read_file(junit);
  CHECK(xml.find(R"(<testcase classname="undo" name="book")") != std::string::npos);
  CHECK(xml.find(R"(<skipped message="compensated"/>)") != std::string::npos);
  CHECK(xml.find(R"(<failure message="compensation failed: exit code 3" type="compensation">)") != std::string::npos);
}

TEST_CASE("after a resume, status gives the running time (the drives) and the time since the first start") {
  Project p;
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml", "--run-id", "t"}).exit_code == 1);
  std::this_thread::sleep_for(700ms);
  p.write("fixed", "");
  REQUIRE(p.run({"resume", "t"}).exit_code == 0);
  const auto status = p.run({"status", "t", "--output", "json"}).json_lines().at(0);
  const auto running = status["duration_ms"].get<std::int64_t>();
  const auto elapsed = status["elapsed_ms"].get<std::int64_t>();
  CHECK(elapsed >= 700);
  CHECK(running <= elapsed - 650);
  const Value end = p.journal("t").back();
  CHECK(end["type"] == "RunCompleted");
  CHECK(std::abs(end["duration_ms"].get<std::int64_t>() - running) <= 5);
  CHECK(std::abs(end["elapsed_ms"].get<std::int64_t>() - elapsed) <= 5);
  CHECK(lines_of(p.run({"status", "t"}).out).at(3) ==
        fmt::format("  time     {:.1f}s running, {:.1f}s since the first start", running / 1000.0, elapsed / 1000.0));
}

TEST_CASE("resume refuses a changed workflow file; --use-current continues with it") {
  Project p;
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml"}).exit_code == 1);
  const std::string id = p.only_run();
  p.write("diamond.yaml", std::string(k_diamond) + "  e: { needs: [c], run: \"echo e >> e.count\" }\n");
  const auto refused = p.run({"resume", id});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err == "automata: error: " + (p.dir() / "diamond.yaml").string() + " has changed since run " + id +
                           " started\n"
                           "automata: hint: resume with --use-current to continue with the new version (completed "
                           "steps are kept), or restore the file\n");
  p.write("fixed", "");
  const auto current = p.run({"resume", id, "--use-current"});
  CHECK(current.exit_code == 0);
  CHECK(runs_of(p, "a") == 1);
  CHECK(runs_of(p, "e") == 1);
  // The run now holds the new source, and the old one next to it.
  CHECK(read_file(p.run_dir(id) / "workflow.yaml") == read_file(p.dir() / "diamond.yaml"));
  std::size_t old_sources = 0;
  for (const auto& entry : std::filesystem::directory_iterator(p.run_dir(id))) {
    const auto name = entry.path().filename().string();
    if (name.rfind("workflow.", 0) == 0 && name != "workflow.yaml") {
      CHECK(read_file(entry.path()) == k_diamond);
      ++old_sources;
    }
  }
  CHECK(old_sources == 1);
}

TEST_CASE("resume --from STEP re-runs the step and everything downstream, nothing else") {
  Project p;
  p.write("fixed", "");
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml"}).exit_code == 0);
  const std::string id = p.only_run();
  const auto r = p.run({"resume", id, "--from", "b"});
  CHECK(r.exit_code == 0);
  CHECK(runs_of(p, "a") == 1);
  CHECK(runs_of(p, "b") == 2);
  CHECK(runs_of(p, "c") == 2);
  CHECK(runs_of(p, "d") == 1);
  const auto unknown = p.run({"resume", id, "--from", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "automata: error: --from: run " + id + " has no step 'nope'\n");
  // Re-run steps look, in status, like any other.
  const auto status = p.run({"status", id, "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["status"] == "succeeded");
  for (const char* step : {"a", "b", "c", "d"}) {
    CHECK(status[0]["steps"][step]["status"] == "succeeded");
    CHECK(status[0]["steps"][step]["attempts"] == 1);
  }
}

TEST_CASE("RUN arguments: a unique prefix, `last`, an ambiguous prefix, an unknown id") {
  Project p;
  p.write("fixed", "");
  p.write("diamond.yaml", k_diamond);
  REQUIRE(p.run({"run", "diamond.yaml", "--run-id", "alpha-1"}).exit_code == 0);
  REQUIRE(p.run({"run", "diamond.yaml", "--run-id", "alpha-2"}).exit_code == 0);
  REQUIRE(p.run({"run", "diamond.yaml", "--run-id", "beta"}).exit_code == 0);
  CHECK(p.run({"status", "alpha-2", "--output", "json"}).json_lines()[0]["run"] == "alpha-2");
  CHECK(p.run({"status", "be", "--output", "json"}).json_lines()[0]["run"] == "beta");
  CHECK(p.run({"status", "last", "--output", "json"}).json_lines()[0]["run"] == "beta");
  const auto ambiguous = p.run({"status", "alpha"});
  CHECK(ambiguous.exit_code == 2);
  CHECK(ambiguous.err ==
        "automata: error: 'alpha' matches 2 runs: alpha-1, alpha-2\n"
        "automata: hint: give more characters of the run id\n");
  const auto unknown = p.run({"logs", "gamma"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "automata: error: no run matches 'gamma' in " + (p.home() / "runs").string() +
                           "\n"
                           "automata: hint: `automata runs` lists the runs\n");
}

TEST_CASE("lock contention: resuming a run another process drives fails at once with exit 5") {
  Project p;
  p.write("slow.yaml", R"(version: 1
name: slow
steps:
  wait: { run: "sleep 5" }
)");
  auto driver = p.spawn({"run", "slow.yaml"});
  const std::string id = p.wait_for_run();
  REQUIRE(p.wait_for_record(id, "StepStarted", "wait"));
  const auto started = std::chrono::steady_clock::now();
  const auto second = p.run({"resume", id});
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(second.exit_code == 5);
  CHECK(second.err == fmt::format("automata: error: run {} is being driven by another process (pid {})\n"
                                  "automata: hint: wait for it to finish, or `automata cancel {}`\n",
                                  id, driver->pid(), id));
  driver->signal(SIGINT);
  CHECK(driver->wait() == 130);
}

TEST_CASE("a run killed with SIGKILL shows as interrupted, and resume finishes it running each step once") {
  Project p;
  // slow hangs the first time only: the resumed attempt is quick.
  p.write("killed.yaml", R"(version: 1
name: killed
steps:
  first: { run: "echo first >> first.count" }
  slow: { needs: [first], run: "echo $$ > slow.pid; echo slow >> slow.count; if [ $(wc -l < slow.count) -lt 2 ]; then sleep 30; fi" }
  last: { needs: [slow], run: "echo last >> last.count" }
)");
  auto driver = p.spawn({"run", "killed.yaml"});
  const std::string id = p.wait_for_run();
  REQUIRE(p.wait_for_record(id, "StepStarted", "slow"));
  REQUIRE(eventually([&] { return std::filesystem::exists(p.dir() / "slow.count"); }));
  // Everything at once, as a power loss would: the driver and its steps.
  ::kill(driver->pid(), SIGKILL);
  CHECK(driver->wait() == 128 + SIGKILL);
  // The step's process group dies with its driver (docs/processes.md; test_orphans.cpp).
  const auto status = p.run({"status", id, "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["status"] == "interrupted");
  CHECK(status[0]["steps"]["first"]["status"] == "succeeded");
  CHECK(status[0]["steps"]["slow"]["status"] == "interrupted");
  CHECK(status[0]["steps"]["last"]["status"] == "pending");
  const auto text = p.run({"status", id});
  CHECK(text.out.find("run " + id + "  killed  interrupted\n") == 0);
  const auto listed = p.run({"runs", "--status", "interrupted", "--output", "json"}).json_lines();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["run"] == id);
  const auto resumed = p.run({"--output", "json", "resume", id});
  CHECK(resumed.exit_code == 0);
  CHECK(trace(resumed.json_lines()) == std::vector<std::string>{"RunResumed", "StepStarted slow", "StepProcess slow",
                                                                "StepCompleted slow", "StepScheduled last",
                                                                "StepStarted last", "StepProcess last",
                                                                "StepCompleted last", "RunCompleted"});
  // The attempt that was cut off runs again under the same number.
  CHECK(resumed.json_lines()[1]["attempt"] == 1);
  CHECK(runs_of(p, "first") == 1);
  CHECK(runs_of(p, "slow") == 2);
  CHECK(runs_of(p, "last") == 1);
  const auto after = p.run({"status", id, "--output", "json"}).json_lines();
  CHECK(after[0]["status"] == "succeeded");
  CHECK(after[0]["steps"]["slow"]["attempts"] == 1);
}

}  // TEST_SUITE
