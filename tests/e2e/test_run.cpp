// `automata run` end to end: output modes, exit codes, outputs between steps,
// matrices, run ids, files and reports.
#include <sys/stat.h>

#include "e2e/e2e_support.hpp"
#include "engine/hash.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;
using automata::engine::sha256_hex;

namespace {

const char* const k_chain = R"(version: 1
name: chain
steps:
  ok: { run: "echo fine" }
  broken: { run: "echo about to fail; exit 3", needs: [ok] }
)";

const char* const k_hello = R"(version: 1
name: hello
steps:
  first:
    run: |
      echo "hello from first"
      echo 'n=42' >> "$AUTOMATA_OUTPUT"
  second:
    needs: [first]
    run: echo "second saw ${{ steps.first.outputs.n }}"
)";

// The line without its "HH:MM:SS " prefix.
std::vector<std::string> untimed(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(text)) {
    REQUIRE(line.size() > 9);
    CHECK(line[2] == ':');
    CHECK(line[5] == ':');
    out.push_back(line.substr(9));
  }
  return out;
}

// A duration like "0.0s" varies with load: replaced by "Ns".
std::string without_durations(std::string line) {
  for (std::size_t at = line.find('.'); at != std::string::npos; at = line.find('.', at + 1)) {
    std::size_t start = at;
    while (start > 0 && std::isdigit(static_cast<unsigned char>(line[start - 1]))) {
      --start;
    }
    std::size_t end = at + 1;
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) {
      ++end;
    }
    if (start < at && end > at + 1 && end < line.size() && line[end] == 's') {
      line.replace(start, end + 1 - start, "Ns");
      at = start;
    }
  }
  return line;
}

}  // namespace

TEST_SUITE("e2e run") {

TEST_CASE("run: a succeeding workflow exits 0 and --output plain prints one line per event, no escape codes") {
  Project p;
  p.write("hello.yaml", k_hello);
  const auto r = p.run({"--output", "plain", "run", "hello.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(r.out.find('\x1b') == std::string::npos);
  const std::string id = p.only_run();
  std::vector<std::string> lines;
  for (const auto& line : untimed(r.out)) {
    lines.push_back(without_durations(line));
  }
  CHECK(lines == std::vector<std::string>{"▶ hello · run " + id, "[first] started", "[first] hello from first",
                                          "✓ first Ns", "[second] started", "[second] second saw 42", "✓ second Ns",
                                          "✓ hello succeeded in Ns (2 steps)"});
}

TEST_CASE("run --output plain: a step printing 300,000 lines shows every one, in order, in the log and the step log") {
  Project p;
  p.write("loud.yaml", R"(version: 1
name: loud
steps:
  loud: { run: "seq 300000" }
)");
  const auto r = p.run({"--output", "plain", "run", "loud.yaml", "--run-id", "loud"});
  REQUIRE(r.exit_code == 0);
  std::size_t next = 1;
  for (const auto& line : lines_of(r.out)) {
    const auto at = line.find("[loud] ");
    if (at != std::string::npos && line.find(" started") == std::string::npos) {
      if (line.substr(at + 7) != std::to_string(next)) {
        FAIL_CHECK(("line " + std::to_string(next) + " is missing or out of order: " + line));
        break;
      }
      ++next;
    }
  }
  CHECK(next == 300001);
  CHECK(r.out.find("not shown") == std::string::npos);
  CHECK(count_of(read_file(p.run_dir("loud") / "logs" / "loud.log"), "\n") == 300001);  // its header, then every line
}

TEST_CASE("run: a failing step makes exit code 1 with the step and its error") {
  Project p;
  p.write("chain.yaml", k_chain);
  const auto r = p.run({"--output", "plain", "run", "chain.yaml"});
  CHECK(r.exit_code == 1);
  const auto lines = untimed(r.out);
  REQUIRE(lines.size() >= 2);
  CHECK(without_durations(lines[lines.size() - 2]) == "✗ broken exit 3 · Ns");
  // The step's line gave its error; the run's line names the step, not the error again.
  CHECK(without_durations(lines.back()) == "✗ chain failed in Ns: step 'broken' failed");
  const auto status = p.run({"status", "last", "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["status"] == "failed");
  CHECK(status[0]["error"] == "step 'broken' failed: exit code 3");
  CHECK(status[0]["steps"]["broken"]["exit_code"] == 3);
}

TEST_CASE("run --output json: the journal records on stdout and nothing else") {
  Project p;
  p.write("chain.yaml", k_chain);
  const auto r = p.run({"--output", "json", "run", "chain.yaml"});
  CHECK(r.exit_code == 1);
  const auto lines = lines_of(r.out);
  const auto records = r.json_lines();
  CHECK(records.size() == lines.size());
  CHECK(trace(records) == std::vector<std::string>{"RunStarted", "StepScheduled ok", "StepStarted ok",
                                                   "StepProcess ok", "StepCompleted ok", "StepScheduled broken",
                                                   "StepStarted broken", "StepProcess broken", "StepFailed broken",
                                                   "RunFailed"});
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(records[i]["seq"] == i + 1);
    CHECK(records[i]["ts"].is_string());
  }
  CHECK(records[0]["workflow"] == "chain");
  CHECK(records[0]["run"] == p.only_run());
  CHECK(records[8]["exit_code"] == 3);
  CHECK(records[9]["error"] == "step 'broken' failed: exit code 3");
  // The same records as the journal, in the same order.
  const auto journal = p.journal(p.only_run());
  CHECK(types(journal) == types(records));
}

TEST_CASE("$AUTOMATA_OUTPUT: key=value and heredoc, JSON values kept as JSON through expressions and status") {
  Project p;
  p.write("outputs.yaml", R"(version: 1
name: outputs
steps:
  produce:
    run: |
      echo 'count=42' >> "$AUTOMATA_OUTPUT"
      echo 'config={"tags": ["a", "b"], "deep": {"ok": true}}' >> "$AUTOMATA_OUTPUT"
      echo 'word=plain text' >> "$AUTOMATA_OUTPUT"
      {
        echo 'notes<<EOF'
        echo 'line one'
        echo 'line two'
        echo 'EOF'
      } >> "$AUTOMATA_OUTPUT"
  consume:
    needs: [produce]
    run: |
      echo "tag=${{ steps.produce.outputs.config.tags[1] }} ok=${{ steps.produce.outputs.config.deep.ok }}"
      echo "sum=${{ steps.produce.outputs.count }}" >> "$AUTOMATA_OUTPUT"
    outputs:
      tags: ${{ steps.produce.outputs.config.tags }}
outputs:
  count: ${{ steps.produce.outputs.count }}
  notes: ${{ steps.produce.outputs.notes }}
  tags: ${{ steps.consume.outputs.tags }}
)");
  const auto r = p.run({"--output", "plain", "run", "outputs.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("[consume] tag=b ok=true") != std::string::npos);
  const auto status = p.run({"status", "last", "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["steps"]["produce"]["outputs"] ==
        Value{{"count", 42},
              {"config", {{"tags", Value({"a", "b"})}, {"deep", {{"ok", true}}}}},
              {"word", "plain text"},
              {"notes", "line one\nline two"}});
  CHECK(status[0]["steps"]["consume"]["outputs"] == Value{{"sum", 42}, {"tags", Value({"a", "b"})}});
  CHECK(status[0]["outputs"] == Value{{"count", 42}, {"notes", "line one\nline two"}, {"tags", Value({"a", "b"})}});
}

TEST_CASE("a matrix from an earlier step's output: one instance per value, outputs collected as a list") {
  Project p;
  p.write("fan.yaml", R"(version: 1
name: fan
steps:
  plan:
    run: echo 'issues=["x1", "y2", "z3"]' >> "$AUTOMATA_OUTPUT"
  code:
    needs: [plan]
    matrix: ${{ steps.plan.outputs.issues }}
    run: echo "done=${{ matrix.value }}!" >> "$AUTOMATA_OUTPUT"
  report:
    needs: [code]
    run: echo "${{ join(steps.code.outputs.*.done, ',') }}"
)");
  const auto r = p.run({"--output", "plain", "run", "fan.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("[report] x1!,y2!,z3!") != std::string::npos);
  const auto status = p.run({"status", "last", "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  std::vector<std::string> ids;
  for (const auto& [id, step] : status[0]["steps"].items()) {
    ids.push_back(id);
    CHECK(step["status"] == "succeeded");
  }
  CHECK(ids == std::vector<std::string>{"plan", "code[value=x1]", "code[value=y2]", "code[value=z3]", "report"});
}

TEST_CASE("exit 2: an invalid workflow runs nothing and creates no run directory") {
  Project p;
  p.write("bad.yaml", R"(version: 1
name: bad
steps:
  build:
    run: echo hi
    neds: [x]
  test:
    needs: [biuld]
    run: echo hi
)");
  const auto r = p.run({"run", "bad.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  CHECK(r.err ==
        "bad.yaml:6:5: unknown key 'neds' in step 'build' (did you mean 'needs'?)\n"
        "      neds: [x]\n"
        "      ^\n"
        "bad.yaml:8:13: step 'test' needs unknown step 'biuld' (did you mean 'build'?)\n"
        "      needs: [biuld]\n"
        "              ^\n"
        "automata: error: bad.yaml: 2 problems; nothing was run\n");
  CHECK_FALSE(std::filesystem::exists(p.home() / "runs"));
}

TEST_CASE("exit 2: usage errors (missing or wrong inputs, unknown flags, no such file)") {
  Project p;
  p.write("inputs.yaml", R"(version: 1
name: inputs
inputs:
  count: { type: number }
  mode: { type: choice, options: [fast, slow], default: fast }
steps:
  a: { run: "echo ${{ inputs.count }} ${{ inputs.mode }}" }
)");
  auto missing = p.run({"run", "inputs.yaml"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err ==
        "automata: error: inputs.yaml:4:3: input 'count' is required (it has no default): pass -i count=VALUE\n"
        "    count: { type: number }\n"
        "    ^\n");
  auto wrong = p.run({"run", "inputs.yaml", "-i", "count=abc", "-i", "mode=x"});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err ==
        "automata: error: -i count=abc: input 'count' must be a number, got 'abc'\n"
        "-i mode=x: input 'mode' must be one of fast, slow, got 'x'\n");
  auto flag = p.run({"--bogus", "run", "inputs.yaml"});
  CHECK(flag.exit_code == 2);
  CHECK(flag.err ==
        "automata: error: The following argument was not expected: --bogus\n"
        "automata: hint: run `automata help run` for usage\n");
  auto nofile = p.run({"run", "nothing-here.yaml"});
  CHECK(nofile.exit_code == 2);
  CHECK(nofile.err == "automata: error: cannot read the workflow file nothing-here.yaml: no such file\n");
  CHECK_FALSE(std::filesystem::exists(p.home() / "runs"));
  auto given = p.run({"--output", "json", "run", "inputs.yaml", "-i", "count=7"});
  CHECK(given.exit_code == 0);
  CHECK(given.json_lines().front()["inputs"] == Value{{"count", 7}, {"mode", "fast"}});
}

TEST_CASE("run --run-id: a second run with the id fails unless --if-exists resume or skip") {
  Project p;
  const auto marker = p.dir() / "fixed";
  p.write("flaky.yaml", R"(version: 1
name: flaky
steps:
  a: { run: "echo a >> a.count" }
  b: { needs: [a], run: "echo b >> b.count; test -f fixed" }
)");
  auto first = p.run({"run", "flaky.yaml", "--run-id", "ci-42"});
  CHECK(first.exit_code == 1);
  CHECK(p.run_ids() == std::vector<std::string>{"ci-42"});
  auto again = p.run({"run", "flaky.yaml", "--run-id", "ci-42"});
  CHECK(again.exit_code == 2);
  CHECK(again.err ==
        "automata: error: a run with id 'ci-42' exists already\n"
        "automata: hint: choose another --run-id, or pass --if-exists resume|skip\n");
  auto skip = p.run({"run", "flaky.yaml", "--run-id", "ci-42", "--if-exists", "skip"});
  CHECK(skip.exit_code == 1);  // the status of the existing run
  CHECK(skip.err == "automata: run ci-42 exists (failed); skipped\n");
  p.write("fixed", "");
  auto resumed = p.run({"run", "flaky.yaml", "--run-id", "ci-42", "--if-exists", "resume"});
  CHECK(resumed.exit_code == 0);
  CHECK(read_file(p.dir() / "a.count") == "a\n");
  CHECK(read_file(p.dir() / "b.count") == "b\nb\n");
  auto done = p.run({"run", "flaky.yaml", "--run-id", "ci-42", "--if-exists", "resume"});
  CHECK(done.exit_code == 0);
  CHECK(done.err == "automata: run ci-42 has already succeeded\n");
  auto skipped = p.run({"run", "flaky.yaml", "--run-id", "ci-42", "--if-exists", "skip"});
  CHECK(skipped.exit_code == 0);
  auto bad = p.run({"run", "flaky.yaml", "--run-id", "no/slashes"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "automata: error: --run-id 'no/slashes': use letters, digits, '.', '-' and '_' (at most 100)\n");
  CHECK(p.run_ids() == std::vector<std::string>{"ci-42"});
}

TEST_CASE("run --run-id --if-exists resume refuses a workflow file that changed, naming both sources") {
  Project p;
  const std::string before = "version: 1\nname: wf\nsteps:\n  a: { run: \"exit 1\" }\n";
  const std::string after = "version: 1\nname: wf\nsteps:\n  a: { run: \"exit 0\" }\n";
  p.write("wf.yaml", before);
  CHECK(p.run({"run", "wf.yaml", "--run-id", "x1"}).exit_code == 1);
  p.write("wf.yaml", after);
  for (const char* mode : {"resume", "skip"}) {
    auto r = p.run({"run", "wf.yaml", "--run-id", "x1", "--if-exists", mode});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "automata: error: run x1 is of workflow 'wf' (file wf.yaml, source " + sha256_hex(before).substr(0, 12) +
                       "), not 'wf' (file wf.yaml, source " + sha256_hex(after).substr(0, 12) +
                       ")\n"
                       "automata: hint: the file has changed since that run started: choose another --run-id for this "
                       "run, or continue it with `automata resume x1 --use-current`\n");
  }
  CHECK(count_of(read_file(p.run_dir("x1") / "journal.jsonl"), "RunResumed") == 0);
}

TEST_CASE("run --run-id --if-exists resume|skip: another workflow or other inputs are refused, saying what differs") {
  Project p;
  const std::string a = "version: 1\nname: a\ninputs:\n  n: { type: number, default: 1 }\nsteps:\n  s: { run: \"exit 0\" }\n";
  const std::string b = "version: 1\nname: b\nsteps:\n  s: { run: \"exit 0\" }\n";
  p.write("a.yaml", a);
  p.write("b.yaml", b);
  REQUIRE(p.run({"run", "a.yaml", "--run-id", "k"}).exit_code == 0);
  for (const char* mode : {"resume", "skip"}) {
    auto other = p.run({"run", "b.yaml", "--run-id", "k", "--if-exists", mode});
    CHECK(other.exit_code == 2);
    CHECK(other.err == "automata: error: run k is of workflow 'a' (file a.yaml, source " + sha256_hex(a).substr(0, 12) +
                           "), not 'b' (file b.yaml, source " + sha256_hex(b).substr(0, 12) +
                           ")\n"
                           "automata: hint: choose another --run-id for this run\n");
    auto inputs = p.run({"run", "a.yaml", "--run-id", "k", "--if-exists", mode, "-i", "n=2"});
    CHECK(inputs.exit_code == 2);
    CHECK(inputs.err == "automata: error: run k was started with other inputs: n=1 (now 2)\n"
                        "automata: hint: choose another --run-id for this run, or pass the inputs it was started with\n");
  }
  auto same = p.run({"run", "a.yaml", "--run-id", "k", "--if-exists", "skip", "-i", "n=1"});
  CHECK(same.exit_code == 0);
  CHECK(same.err == "automata: run k exists (succeeded); skipped\n");
}

TEST_CASE("a dry run's id never stands for a real run; runs and status mark dry runs") {
  Project p;
  p.write("wf.yaml", "version: 1\nname: wf\nsteps:\n  a: { run: \"echo a >> a.count\" }\n");
  REQUIRE(p.run({"run", "wf.yaml", "--run-id", "d1", "--dry-run"}).exit_code == 0);
  for (const char* mode : {"skip", "resume"}) {
    auto real = p.run({"run", "wf.yaml", "--run-id", "d1", "--if-exists", mode});
    CHECK(real.exit_code == 2);
    CHECK(real.err == fmt::format("automata: error: run d1 was a dry run (run --dry-run): it changed nothing, so it does "
                                  "not stand for this run; --if-exists {} needs a real run\n"
                                  "automata: hint: choose another --run-id for the real run, or delete the dry run's "
                                  "directory first\n",
                                  mode));
  }
  // A dry run again with --if-exists skip is skipped, like any run of the same kind.
  auto again = p.run({"run", "wf.yaml", "--run-id", "d1", "--dry-run", "--if-exists", "skip"});
  CHECK(again.exit_code == 0);
  CHECK(again.err == "automata: run d1 exists (succeeded); skipped\n");
  REQUIRE(p.run({"run", "wf.yaml", "--run-id", "r1"}).exit_code == 0);
  auto dry_over_real = p.run({"run", "wf.yaml", "--run-id", "r1", "--dry-run", "--if-exists", "skip"});
  CHECK(dry_over_real.exit_code == 2);
  CHECK(dry_over_real.err == "automata: error: run r1 is a real run: a dry run (--dry-run) does not stand for it\n"
                             "automata: hint: choose another --run-id for the dry run\n");
  const auto status = p.run({"status", "d1", "--output", "json"}).json_lines();
  REQUIRE(status.size() == 1);
  CHECK(status[0]["dry_run"] == true);
  CHECK_FALSE(p.run({"status", "r1", "--output", "json"}).json_lines().at(0).contains("dry_run"));
  CHECK(lines_of(p.run({"status", "d1"}).out).at(0) == "run d1  wf  succeeded  (dry run)");
  const auto listed = p.run({"runs", "--output", "json"}).json_lines();
  REQUIRE(listed.size() == 2);
  for (const auto& item : listed) {
    CHECK(item.value("dry_run", false) == (item["run"] == "d1"));
  }
  for (const auto& line : lines_of(p.run({"runs"}).out)) {
    const bool dry = line.size() >= 11 && line.compare(line.size() - 11, 11, "  (dry run)") == 0;
    CHECK(dry == (line.rfind("d1 ", 0) == 0));
  }
}

TEST_CASE("the run directory is private: directories 0700, files 0600") {
  Project p;
  p.write("hello.yaml", k_hello);
  REQUIRE(p.run({"run", "hello.yaml"}).exit_code == 0);
  const auto dir = p.run_dir(p.only_run());
  auto mode_of = [](const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  CHECK(mode_of(p.home()) == 0700);
  CHECK(mode_of(p.home() / "runs") == 0700);
  CHECK(mode_of(dir) == 0700);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    INFO(entry.path().string());
    if (entry.is_directory()) {
      CHECK(mode_of(entry.path()) == 0700);
    } else {
      CHECK(mode_of(entry.path()) == 0600);
      ++files;
    }
  }
  // workflow.yaml, run.json, journal.jsonl, lock, logs/first.log, logs/second.log
  CHECK(files == 6);
}

TEST_CASE("--junit writes a JUnit XML report naming each step") {
  Project p;
  p.write("chain.yaml", k_chain);
  const auto r = p.run({"--junit", "report.xml", "run", "chain.yaml"});
  CHECK(r.exit_code == 1);
  const std::string xml = read_file(p.dir() / "report.xml");
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  CHECK(xml.find("<testsuites name=\"chain\" tests=\"2\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"chain\" name=\"ok\"") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"chain\" name=\"broken\"") != std::string::npos);
  CHECK(xml.find("<failure") != std::string::npos);
  CHECK(xml.find("exit code 3") != std::string::npos);
  CHECK(count_of(xml, "<testcase ") == 2);
  CHECK(count_of(xml, "<testsuite ") == 1);
  CHECK(count_of(xml, "</testsuite>") == 1);
  CHECK(xml.substr(xml.size() - 14) == "</testsuites>\n");
}

TEST_CASE("EPIPE: a reader that closes the pipe early ends the command quietly") {
  Project p;
  p.write("hello.yaml", k_hello);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(p.run({"run", "hello.yaml"}).exit_code == 0);
  }
  // `automata runs | head -1`
  auto runs = p.spawn({"runs"}, 1);
  CHECK(runs->wait() == 0);
  CHECK(runs->err() == "");
  CHECK(runs->out().rfind("RUN ", 0) == 0);
  // A run whose progress is no longer read still runs to its end.
  p.write("chatty.yaml", R"(version: 1
name: chatty
steps:
  talk: { run: "for i in $(seq 1 200); do echo line $i; done" }
  after: { needs: [talk], run: "echo done > after.txt" }
)");
  auto run = p.spawn({"--output", "plain", "run", "chatty.yaml"}, 1);
  CHECK(run->wait() == 0);
  CHECK(run->err() == "");
  CHECK(read_file(p.dir() / "after.txt") == "done\n");
}

TEST_CASE("version: text and JSON") {
  Project p;
  const auto text = p.run({"version"});
  CHECK(text.exit_code == 0);
  const auto lines = lines_of(text.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("automata ", 0) == 0);
  CHECK(lines[1].rfind("build: ", 0) == 0);
  CHECK(lines[2] == "stores: local");
  const auto json = p.run({"--output", "json", "version"}).json_lines();
  REQUIRE(json.size() == 1);
  CHECK(json[0]["stores"] == Value({"local"}));
  CHECK(lines[0] == "automata " + json[0]["version"].get<std::string>());
}

}  // TEST_SUITE
