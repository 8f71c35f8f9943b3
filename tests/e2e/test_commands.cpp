// The inspection and control commands end to end: runs, status, logs,
// validate, graph, signal and cancel of runs no process drives, exit code 5.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

const char* const k_build = R"(version: 1
name: build
steps:
  compile:
    run: |
      echo compiling
      echo 'binary=app' >> "$AUTOMATA_OUTPUT"
  test:
    needs: [compile]
    matrix: { suite: [unit, e2e] }
    run: echo "testing ${{ matrix.suite }}"
  package:
    needs: [test]
    run: echo "packaging ${{ steps.compile.outputs.binary }}"
)";

const char* const k_approval = R"(version: 1
name: approval
steps:
  prepare: { run: "echo prepared" }
  approve: { needs: [prepare], uses: wait, with: { signal: approve } }
  ship:
    needs: [approve]
    run: echo "shipping for ${{ steps.approve.outputs.data.by }}"
    compensate: { run: "echo unship" }
finally:
  tidy: { run: "echo tidy" }
)";

}  // namespace

TEST_SUITE("e2e commands") {

TEST_CASE("runs: newest first, --status, --limit, JSON lines without steps") {
  Project p;
  p.write("build.yaml", k_build);
  p.write("fail.yaml", "version: 1\nname: fail\nsteps:\n  x: { run: \"exit 1\" }\n");
  const auto empty = p.run({"runs"});
  CHECK(empty.exit_code == 0);
  CHECK(empty.out == "");
  CHECK(empty.err == "automata: no runs in " + (p.home() / "runs").string() + "\n");
  REQUIRE(p.run({"run", "build.yaml", "--run-id", "r1"}).exit_code == 0);
  REQUIRE(p.run({"run", "fail.yaml", "--run-id", "r2"}).exit_code == 1);
  REQUIRE(p.run({"run", "build.yaml", "--run-id", "r3"}).exit_code == 0);
  const auto all = p.run({"runs", "--output", "json"});
  CHECK(all.exit_code == 0);
  const auto items = all.json_lines();
  REQUIRE(items.size() == 3);
  CHECK(items[0]["run"] == "r3");
  CHECK(items[1]["run"] == "r2");
  CHECK(items[2]["run"] == "r1");
  for (const auto& item : items) {
    CHECK_FALSE(item.contains("steps"));
    for (const char* key : {"run", "workflow", "status", "started", "finished", "outputs", "tokens"}) {
      CHECK(item.contains(key));
    }
  }
  CHECK(items[1]["status"] == "failed");
  CHECK(items[1]["workflow"] == "fail");
  const auto failed = p.run({"runs", "--status", "failed", "--output", "json"}).json_lines();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["run"] == "r2");
  const auto limited = p.run({"runs", "--limit", "2", "--output", "json"}).json_lines();
  REQUIRE(limited.size() == 2);
  CHECK(limited[1]["run"] == "r2");
  const auto text = lines_of(p.run({"runs"}).out);
  REQUIRE(text.size() == 4);
  CHECK(text[0].rfind("RUN", 0) == 0);
  CHECK(text[1].rfind("r3 ", 0) == 0);
  CHECK(text[1].find(" succeeded ") != std::string::npos);
  CHECK(p.run({"runs", "--status", "bogus"}).exit_code == 2);
}

TEST_CASE("status: text and the JSON shape of cli.md") {
  Project p;
  p.write("build.yaml", k_build);
  REQUIRE(p.run({"run", "build.yaml", "--run-id", "b1"}).exit_code == 0);
  const auto json = p.run({"status", "b1", "--output", "json"});
  CHECK(json.exit_code == 0);
  const auto objects = json.json_lines();
  REQUIRE(objects.size() == 1);
  const Value& s = objects[0];
  std::vector<std::string> keys;
  for (const auto& [key, value] : s.items()) {
    keys.push_back(key);
  }
  CHECK(keys == std::vector<std::string>{"run", "workflow", "status", "started", "finished", "duration_ms",
                                         "elapsed_ms", "steps", "outputs", "tokens"});
  CHECK(s["duration_ms"] == s["elapsed_ms"]);  // never stopped: the same
  CHECK(s["run"] == "b1");
  CHECK(s["workflow"] == "build");
  CHECK(s["status"] == "succeeded");
  CHECK(s["tokens"] == Value{{"prompt", 0}, {"completion", 0}, {"calls", 0}});
  std::vector<std::string> ids;
  for (const auto& [id, step] : s["steps"].items()) {
    ids.push_back(id);
    std::vector<std::string> fields;
    for (const auto& [key, value] : step.items()) {
      fields.push_back(key);
    }
    CHECK(fields == std::vector<std::string>{"status", "attempts", "outputs", "exit_code", "duration_ms"});
    CHECK(step["exit_code"] == 0);
  }
  CHECK(ids == std::vector<std::string>{"compile", "test[suite=unit]", "test[suite=e2e]", "package"});
  CHECK(s["steps"]["compile"]["outputs"] == Value{{"binary", "app"}});
  const auto text = lines_of(p.run({"status", "b1"}).out);
  REQUIRE(text.size() == 8);
  CHECK(text[0] == "run b1  build  succeeded");
  CHECK(text[1] == "  started  " + s["started"].get<std::string>());
  CHECK(text[2] == "  finished " + s["finished"].get<std::string>());
  const std::string took = fmt::format("{:.1f}s", s["duration_ms"].get<double>() / 1000.0);
  CHECK(text[3] == "  time     " + took + " running, " + took + " since the first start");
  CHECK(text[4].rfind("  ✓ compile           succeeded  ", 0) == 0);
  CHECK(text[5].rfind("  ✓ test[suite=unit]  succeeded  ", 0) == 0);
}

TEST_CASE("logs: the run's history, a step's output, every instance of a matrix step") {
  Project p;
  p.write("build.yaml", k_build);
  REQUIRE(p.run({"run", "build.yaml", "--run-id", "b1"}).exit_code == 0);
  const auto history = p.run({"logs", "b1", "--output", "json"});
  CHECK(history.exit_code == 0);
  CHECK(types(history.json_lines()) == types(p.journal("b1")));
  const auto plain = p.run({"logs", "b1"});
  CHECK(plain.exit_code == 0);
  CHECK(plain.out.find("▶ build · run b1") != std::string::npos);
  CHECK(plain.out.find("✓ package") != std::string::npos);
  const auto step = p.run({"logs", "b1", "compile"});
  CHECK(step.exit_code == 0);
  const auto step_lines = lines_of(step.out);
  REQUIRE(step_lines.size() == 2);
  CHECK(step_lines[0].rfind("=== step attempt 1 · ", 0) == 0);
  CHECK(step_lines[1] == "compiling");
  const auto matrix = lines_of(p.run({"logs", "b1", "test"}).out);
  REQUIRE(matrix.size() == 6);
  CHECK(matrix[0] == "── test[suite=e2e] ──");
  CHECK(matrix[2] == "testing e2e");
  CHECK(matrix[3] == "── test[suite=unit] ──");
  CHECK(matrix[5] == "testing unit");
  const auto instance = lines_of(p.run({"logs", "b1", "test[suite=unit]"}).out);
  REQUIRE(instance.size() == 2);
  CHECK(instance[1] == "testing unit");
  const auto unknown = p.run({"logs", "b1", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err ==
        "automata: error: run b1 has no step 'nope'\n"
        "automata: hint: `automata status b1` lists its steps\n");
}

TEST_CASE("validate: ok, every problem with file:line:col and caret (exit 2), JSON mode") {
  Project p;
  p.write("good.yaml", k_build);
  p.write("bad.yaml", R"(version: 1
name: bad
steps:
  build:
    run: echo hi
    timeout: 5 parsecs
  test:
    needs: [biuld]
    run: echo ${{ stepz.build }}
)");
  const auto good = p.run({"validate", "good.yaml"});
  CHECK(good.exit_code == 0);
  CHECK(good.out == "good.yaml: ok (3 steps)\n");
  const auto bad = p.run({"validate", "good.yaml", "bad.yaml"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out == "good.yaml: ok (3 steps)\n");
  CHECK(bad.err.find("bad.yaml:8:13: step 'test' needs unknown step 'biuld' (did you mean 'build'?)\n"
                     "      needs: [biuld]\n"
                     "              ^\n") != std::string::npos);
  CHECK(bad.err.find("bad.yaml:9:19: unknown context 'stepz' (did you mean 'steps'?); contexts are inputs, env, "
                     "secrets, steps, matrix, run, attempt\n"
                     "      run: echo ${{ stepz.build }}\n"
                     "                    ^\n") != std::string::npos);
  CHECK(bad.err.find("bad.yaml:6:14: ") != std::string::npos);
  CHECK(bad.err.substr(bad.err.rfind("automata: ")) == "automata: 3 problems found\n");
  const auto json = p.run({"--output", "json", "validate", "bad.yaml", "good.yaml"});
  CHECK(json.exit_code == 2);
  CHECK(json.err == "");
  const auto items = json.json_lines();
  REQUIRE(items.size() == 2);
  CHECK(items[0]["file"] == "bad.yaml");
  CHECK(items[0]["ok"] == false);
  REQUIRE(items[0]["diagnostics"].size() == 3);
  CHECK(items[0]["diagnostics"][1] == Value{{"file", "bad.yaml"},
                                            {"line", 8},
                                            {"column", 13},
                                            {"message", "step 'test' needs unknown step 'biuld' (did you mean 'build'?)"}});
  CHECK(items[1] == Value{{"file", "good.yaml"}, {"ok", true}, {"diagnostics", Value::array()}, {"workflow", "build"},
                          {"steps", 3}});
  CHECK_FALSE(std::filesystem::exists(p.home()));
}

TEST_CASE("graph: dot, mermaid and text") {
  Project p;
  p.write("build.yaml", std::string(k_build) + "finally:\n  tidy: { run: \"echo tidy\" }\n");
  const auto dot = p.run({"graph", "build.yaml", "--format", "dot"});
  CHECK(dot.exit_code == 0);
  CHECK(dot.out ==
        "digraph \"build\" {\n"
        "  rankdir=LR;\n"
        "  \"compile\" [label=\"compile\"];\n"
        "  \"test\" [label=\"test (matrix)\"];\n"
        "  \"compile\" -> \"test\";\n"
        "  \"package\" [label=\"package\"];\n"
        "  \"test\" -> \"package\";\n"
        "  \"tidy\" [label=\"tidy\", style=dashed];\n"
        "}\n");
  const auto mermaid = p.run({"graph", "build.yaml", "--format", "mermaid"});
  CHECK(mermaid.out ==
        "flowchart LR\n"
        "  compile[\"compile\"]\n"
        "  test[\"test (matrix)\"]\n"
        "  compile --> test\n"
        "  package[\"package\"]\n"
        "  test --> package\n"
        "  tidy[\"tidy\"]\n");
  const auto text = p.run({"graph", "build.yaml"});
  CHECK(text.out ==
        "steps:\n"
        "  compile\n"
        "  test (matrix)  <- compile\n"
        "  package  <- test\n"
        "finally:\n"
        "  tidy\n");
  CHECK(p.run({"graph", "build.yaml", "--format", "svg"}).exit_code == 2);
}

TEST_CASE("graph: nodes are labelled by id (the name after it); --output json prints one object of nodes and edges") {
  Project p;
  p.write("named.yaml", R"(version: 1
name: named
steps:
  fetch: { name: fetch the sources, run: echo f }
  test:
    name: unit tests
    needs: [fetch]
    matrix: { os: [a, b] }
    run: echo t
finally:
  tidy: { run: echo tidy }
)");
  const auto text = p.run({"graph", "named.yaml"});
  CHECK(text.exit_code == 0);
  CHECK(text.out ==
        "steps:\n"
        "  fetch (fetch the sources)\n"
        "  test (unit tests, matrix)  <- fetch\n"
        "finally:\n"
        "  tidy\n");
  CHECK(p.run({"graph", "named.yaml", "--format", "mermaid"}).out ==
        "flowchart LR\n"
        "  fetch[\"fetch (fetch the sources)\"]\n"
        "  test[\"test (unit tests, matrix)\"]\n"
        "  fetch --> test\n"
        "  tidy[\"tidy\"]\n");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--output", "json", "graph", "named.yaml"},
                                              {"--output", "json", "graph", "named.yaml", "--format", "dot"}}) {
    const auto json = p.run(args);
    CHECK(json.exit_code == 0);
    CHECK(json.err == "");
    REQUIRE(lines_of(json.out).size() == 1);
    const Value graph = Value::parse(json.out);
    CHECK(graph == Value{{"workflow", "named"},
                         {"nodes",
                          {{{"id", "fetch"}, {"name", "fetch the sources"}, {"needs", Value::array()}, {"phase", "steps"},
                            {"matrix", false}},
                           {{"id", "test"}, {"name", "unit tests"}, {"needs", {"fetch"}}, {"phase", "steps"},
                            {"matrix", true}},
                           {{"id", "tidy"}, {"name", "tidy"}, {"needs", Value::array()}, {"phase", "finally"},
                            {"matrix", false}}}},
                         {"edges", {{{"from", "fetch"}, {"to", "test"}}}}});
    CHECK(schema_problems(graph, "graph") == "");
  }
  // The schema can fail: a node without its phase does not conform.
  CHECK(schema_problems(Value{{"workflow", "w"}, {"nodes", {{{"id", "a"}, {"name", "a"}, {"needs", Value::array()},
                                                             {"matrix", false}}}},
                              {"edges", Value::array()}},
                        "graph") != "");
}

TEST_CASE("a wait step pauses the run (exit 4); signal --data is recorded for it; resume finishes the run") {
  Project p;
  p.write("approval.yaml", k_approval);
  const auto first = p.run({"--output", "plain", "run", "approval.yaml", "--run-id", "ap"});
  CHECK(first.exit_code == 4);
  const std::string last = lines_of(first.out).back();
  CHECK(last.find("⏸ approval paused after ") != std::string::npos);
  CHECK(last.substr(last.find(": waiting")) ==
        ": waiting for signal 'approve' · send it with: automata signal ap approve, then: automata resume ap");
  auto status = p.run({"status", "ap", "--output", "json"}).json_lines();
  CHECK(status[0]["status"] == "paused");
  CHECK(status[0]["paused_reason"] == "waiting for signal 'approve'");
  CHECK(status[0]["waiting_for"] ==
        Value::array({Value{{"signal", "approve"}, {"command", "automata signal ap approve"}}}));
  CHECK(status[0]["resume_command"] == "automata resume ap");
  const auto text = lines_of(p.run({"status", "ap"}).out);
  CHECK(std::find(text.begin(), text.end(), "  paused   waiting for signal 'approve'") != text.end());
  CHECK(std::find(text.begin(), text.end(), "  waiting  for signal 'approve': automata signal ap approve") != text.end());
  CHECK(std::find(text.begin(), text.end(), "  continue then automata resume ap") != text.end());
  // Resumed before the signal came, the run says it is still waiting and nothing runs.
  const auto journal_before = read_file(p.run_dir("ap") / "journal.jsonl");
  const auto early = p.run({"--output", "plain", "resume", "ap"});
  CHECK(early.exit_code == 4);
  CHECK(early.out.empty());
  CHECK(early.err == "automata: run ap is still waiting for signal 'approve': send it with: automata signal ap approve, "
                     "then: automata resume ap\n");
  CHECK(read_file(p.run_dir("ap") / "journal.jsonl") == journal_before);
  const auto paused_list = p.run({"runs", "--status", "paused", "--output", "json"}).json_lines();
  REQUIRE(paused_list.size() == 1);
  const auto sent = p.run({"signal", "ap", "approve", "--data", R"({"by": "ana"})"});
  CHECK(sent.exit_code == 0);
  CHECK(sent.err == "automata: signal 'approve' recorded for run ap, which is not running; continue it with: "
                    "automata resume ap\n");
  const auto resumed = p.run({"--output", "plain", "resume", "ap"});
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("[ship] shipping for ana") != std::string::npos);
  status = p.run({"status", "ap", "--output", "json"}).json_lines();
  CHECK(status[0]["status"] == "succeeded");
  CHECK(status[0]["steps"]["approve"]["outputs"] == Value{{"signal", "approve"}, {"data", {{"by", "ana"}}}});
  const auto late = p.run({"signal", "ap", "approve"});
  CHECK(late.exit_code == 2);
  CHECK(late.err == "automata: error: run ap has finished (succeeded); it takes no more signals\n");
  CHECK(p.run({"signal", "ap", "bad name"}).err ==
        "automata: error: 'bad name' is not a signal name: use letters, digits, '-' and '_'\n");
  const auto bad_data = p.run({"signal", "ap", "x", "--data", "{nope"});
  CHECK(bad_data.exit_code == 2);
  CHECK(bad_data.err == "automata: error: --data is not JSON: {nope\n");
}

TEST_CASE("the --output json pause ends with the hint on stderr only") {
  Project p;
  p.write("approval.yaml", k_approval);
  const auto r = p.run({"--output", "json", "run", "approval.yaml", "--run-id", "ap"});
  CHECK(r.exit_code == 4);
  CHECK(r.json_lines().size() == lines_of(r.out).size());
  const Value paused = r.json_lines().back();
  CHECK(paused["type"] == "RunPaused");
  CHECK(paused["reason"] == "waiting for signal 'approve'");
  CHECK(paused["waiting_for"] == Value::array({Value{{"signal", "approve"}, {"command", "automata signal ap approve"}}}));
  CHECK(paused["resume_command"] == "automata resume ap");
  CHECK(r.err == "automata: run ap is waiting for signal 'approve': send it with: automata signal ap approve, then: "
                 "automata resume ap\n");
}

TEST_CASE("cancel of a paused run drives it to its end: compensations, finally, exit 3") {
  Project p;
  p.write("approval.yaml", k_approval);
  REQUIRE(p.run({"run", "approval.yaml", "--run-id", "ap"}).exit_code == 4);
  const auto cancelled = p.run({"--output", "json", "cancel", "ap"});
  CHECK(cancelled.exit_code == 3);
  CHECK(trace(cancelled.json_lines()) ==
        std::vector<std::string>{"RunResumed", "SignalReceived cancel", "StepSkipped approve", "StepSkipped ship",
                                 "StepScheduled tidy", "StepStarted tidy", "StepProcess tidy", "StepCompleted tidy",
                                 "RunCancelled"});
  const auto status = p.run({"status", "ap", "--output", "json"}).json_lines();
  CHECK(status[0]["status"] == "cancelled");
  CHECK(status[0]["steps"]["prepare"]["status"] == "succeeded");
  const auto again = p.run({"cancel", "ap"});
  CHECK(again.exit_code == 0);
  CHECK(again.err == "automata: run ap has already finished (cancelled); nothing to cancel\n");
  // A cancelled run takes no more signals.
  CHECK(p.run({"signal", "ap", "approve", "--data", R"({"by": "bo"})"}).exit_code == 2);
}

TEST_CASE("signal cancel to a paused run is `automata cancel`: exit 3") {
  Project p;
  p.write("approval.yaml", k_approval);
  REQUIRE(p.run({"run", "approval.yaml", "--run-id", "ap"}).exit_code == 4);
  const auto r = p.run({"--output", "json", "signal", "ap", "cancel"});
  CHECK(r.exit_code == 3);
  CHECK(r.json_lines().front()["by"] == "cancel");
  CHECK(r.json_lines().back()["type"] == "RunCancelled");
}

TEST_CASE("the rollback signal to a paused run drives it: compensations, on_failure, the run fails (exit 1)") {
  Project p;
  p.write("saga.yaml", R"(version: 1
name: saga
steps:
  reserve:
    run: echo reserved
    compensate: { run: "echo released >> released.txt" }
  approve: { needs: [reserve], uses: wait, with: { signal: approve } }
on_failure:
  tell: { run: "echo told >> told.txt" }
)");
  REQUIRE(p.run({"run", "saga.yaml", "--run-id", "s"}).exit_code == 4);
  const auto r = p.run({"--output", "json", "signal", "s", "rollback"});
  CHECK(r.exit_code == 1);
  CHECK(trace(r.json_lines()) == std::vector<std::string>{"RunResumed", "SignalReceived rollback", "StepSkipped approve",
                                                          "CompensationStarted reserve", "StepProcess reserve",
                                                          "CompensationCompleted reserve", "StepScheduled tell",
                                                          "StepStarted tell", "StepProcess tell",
                                                          "StepCompleted tell", "RunFailed"});
  CHECK(read_file(p.dir() / "released.txt") == "released\n");
  CHECK(read_file(p.dir() / "told.txt") == "told\n");
  CHECK(r.json_lines().back()["error"] == "rolled back by signal");
}

TEST_CASE("exit 5: a corrupt journal is refused with its line number") {
  Project p;
  p.write("build.yaml", k_build);
  REQUIRE(p.run({"run", "build.yaml", "--run-id", "b1"}).exit_code == 0);
  const auto journal = p.run_dir("b1") / "journal.jsonl";
  std::string text = read_file(journal);
  const auto at = text.find("\"step\":\"compile\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 16, "\"step\":\"COMPILE\"");
  p.write("home/runs/b1/journal.jsonl", text);
  const auto status = p.run({"status", "b1"});
  CHECK(status.exit_code == 5);
  CHECK(status.err.find("journal.jsonl:2: corrupt record (crc mismatch)") != std::string::npos);
  CHECK(p.run({"resume", "b1", "--from", "compile"}).exit_code == 5);
}

}  // TEST_SUITE
