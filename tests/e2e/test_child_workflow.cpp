// Child workflows (step kind `workflow`): a nested journal under children/,
// outputs reaching the parent, and a resume of the parent resuming the child.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

const char* const k_child = R"yaml(version: 1
name: child
inputs:
  who: { type: string }
steps:
  greet:
    run: |
      echo greet >> greet.count
      echo "greeting hello ${{ inputs.who }}"
      echo "greeting=hello ${{ inputs.who }}" >> "$AUTOMATA_OUTPUT"
  slow:
    needs: [greet]
    run: |
      echo slow >> slow.count
      if [ -f hang ] && [ "$(wc -l < slow.count)" -lt 2 ]; then sleep 30; fi
outputs:
  greeting: ${{ steps.greet.outputs.greeting }}
)yaml";

const char* const k_parent = R"yaml(version: 1
name: parent
steps:
  before: { run: "echo before >> before.count" }
  kid:
    needs: [before]
    uses: workflow
    with: { file: child.yaml, inputs: { who: world } }
  after:
    needs: [kid]
    run: echo "${{ steps.kid.outputs.greeting }}" > after.txt
)yaml";

std::size_t runs_of(const Project& p, const std::string& step) {
  return count_of(read_file(p.dir() / (step + ".count")), "\n");
}

}  // namespace

TEST_SUITE("e2e child workflow") {

TEST_CASE("a child workflow runs with a nested journal and its outputs reach the parent") {
  Project p;
  p.write("child.yaml", k_child);
  p.write("parent.yaml", k_parent);
  const auto r = p.run({"--output", "json", "run", "parent.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(read_file(p.dir() / "after.txt") == "hello world\n");
  const std::string id = p.only_run();
  const auto child_dir = p.run_dir(id) / "children" / "kid";
  CHECK(read_file(child_dir / "workflow.yaml") == k_child);
  const auto child = Project::journal_at(child_dir);
  CHECK(trace(child) == std::vector<std::string>{"RunStarted", "StepScheduled greet", "StepStarted greet",
                                                 "StepProcess greet", "StepCompleted greet", "StepScheduled slow",
                                                 "StepStarted slow", "StepProcess slow", "StepCompleted slow",
                                                 "RunCompleted"});
  CHECK(child.front()["inputs"] == Value{{"who", "world"}});
  CHECK(child.back()["outputs"] == Value{{"greeting", "hello world"}});
  // The parent's events: the child shows as one step with heartbeats.
  std::vector<std::string> parent_steps;
  for (const auto& record : r.json_lines()) {
    if (record.value("type", "") == "StepCompleted") {
      parent_steps.push_back(record["step"].get<std::string>());
    }
  }
  CHECK(parent_steps == std::vector<std::string>{"before", "kid", "after"});
  const auto status = p.run({"status", id, "--output", "json"}).json_lines();
  CHECK(status[0]["steps"]["kid"]["outputs"] == Value{{"greeting", "hello world"}});
  // The child's step output is part of the parent step's log.
  const auto kid_log = read_file(p.run_dir(id) / "logs" / "kid.log");
  CHECK(kid_log.find("=== step attempt 1 · ") == 0);
  CHECK(kid_log.find("greeting hello world") != std::string::npos);
}

TEST_CASE("a parent interrupted inside its child resumes the child where it stopped") {
  Project p;
  p.write("child.yaml", k_child);
  p.write("parent.yaml", k_parent);
  p.write("hang", "");
  auto driver = p.spawn({"--output", "plain", "run", "parent.yaml"});
  const std::string id = p.wait_for_run();
  const auto child_dir = p.run_dir(id) / "children" / "kid";
  REQUIRE(eventually([&] { return runs_of(p, "slow") == 1; }));
  driver->signal(SIGINT);
  CHECK(driver->wait(10s) == 130);
  CHECK(p.journal(id).back()["type"] == "RunInterrupted");
  CHECK(Project::journal_at(child_dir).back()["type"] == "RunInterrupted");
  const auto resumed = p.run({"resume", id});
  CHECK(resumed.exit_code == 0);
  CHECK(runs_of(p, "before") == 1);
  CHECK(runs_of(p, "greet") == 1);
  CHECK(runs_of(p, "slow") == 2);
  CHECK(read_file(p.dir() / "after.txt") == "hello world\n");
  auto child = trace(Project::journal_at(child_dir));
  const auto resumed_at = std::find(child.begin(), child.end(), "RunResumed");
  REQUIRE(resumed_at != child.end());
  CHECK(std::vector<std::string>(resumed_at, child.end()) ==
        std::vector<std::string>{"RunResumed", "StepStarted slow", "StepProcess slow", "StepCompleted slow",
                                 "RunCompleted"});
}

TEST_CASE("a failing child fails the parent step with the child's error") {
  Project p;
  p.write("child.yaml", R"yaml(version: 1
name: child
steps:
  boom: { run: "exit 4" }
)yaml");
  p.write("parent.yaml", R"yaml(version: 1
name: parent
steps:
  kid: { uses: workflow, with: { file: child.yaml } }
)yaml");
  const auto r = p.run({"--output", "json", "run", "parent.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.json_lines().back()["error"] ==
        "step 'kid' failed: child workflow 'child' failed: step 'boom' failed: exit code 4");
}

TEST_CASE("a child's file: and its hashFiles() are relative to the parent workflow file's directory, not the cwd") {
  Project p;
  // Decoys in the current directory: the child here must not run.
  p.write("child.yaml", "version: 1\nname: decoy\nsteps:\n  d: { run: touch decoy.txt }\n");
  p.write("data.txt", "in the current directory\n");
  p.write("wf/data.txt", "next to the workflows\n");
  p.write("wf/child.yaml", R"yaml(version: 1
name: child
steps:
  mark: { run: "echo child >> child.count" }
outputs:
  hash: ${{ hashFiles('data.txt') }}
)yaml");
  p.write("wf/parent.yaml", R"yaml(version: 1
name: parent
steps:
  gate: { run: "test -f go" }
  kid:
    needs: [gate]
    uses: workflow
    with: { file: child.yaml }
)yaml");
  p.write("wf/hash.yaml", "version: 1\nname: hash\nsteps:\n  s: { run: 'true' }\noutputs:\n  hash: ${{ hashFiles('data.txt') }}\n");
  // The gate fails the first run before the child starts...
  const auto first = p.run({"run", "wf/parent.yaml"});
  CHECK(first.exit_code == 1);
  const std::string id = p.only_run();
  // ...and a resume from another directory starts it: found next to the parent still.
  p.write("go", "");
  std::filesystem::create_directories(p.dir() / "elsewhere");
  p.how().cwd = p.dir() / "elsewhere";
  const auto resumed = p.run({"resume", id});
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(read_file(p.dir() / "child.count") == "child\n");  // steps run in the run's working directory
  CHECK_FALSE(std::filesystem::exists(p.dir() / "decoy.txt"));
  const auto child_started = Project::journal_at(p.run_dir(id) / "children" / "kid").front();
  CHECK(child_started["file"] == (p.dir() / "wf" / "child.yaml").string());
  const Value status = Value::parse(p.run({"status", id, "--output", "json"}).out);
  // hashFiles('data.txt') in the child hashes wf/data.txt: what a workflow run in wf/ gets.
  p.how().cwd = p.dir() / "wf";
  REQUIRE(p.run({"run", "hash.yaml"}).exit_code == 0);
  const Value in_wf = Value::parse(p.run({"status", "last", "--output", "json"}).out);
  CHECK(status["steps"]["kid"]["outputs"]["hash"] == in_wf["outputs"]["hash"]);
  p.how().cwd = p.dir().path();
  REQUIRE(p.run({"run", "wf/hash.yaml"}).exit_code == 0);
  const Value in_cwd = Value::parse(p.run({"status", "last", "--output", "json"}).out);
  CHECK(in_cwd["outputs"]["hash"] != in_wf["outputs"]["hash"]);
}

TEST_CASE("validate checks a literal child file up front: missing, its own problems, unknown, mistyped and missing inputs") {
  Project p;
  p.write("wf/child.yaml", R"yaml(version: 1
name: child
inputs:
  who: { type: string }
  count: { type: number, default: 1 }
steps:
  greet: { run: "echo ${{ inputs.who }}" }
)yaml");
  p.write("wf/broken.yaml", "version: 1\nsteps:\n  a: { run: x, needz: [] }\n");
  p.write("wf/parent.yaml", R"yaml(version: 1
name: parent
inputs:
  which: { type: string, default: child.yaml }
steps:
  missing:
    uses: workflow
    with: { file: chld.yaml }
  unknown:
    uses: workflow
    with: { file: child.yaml, inputs: { who: ana, cuont: 2 } }
  typed:
    uses: workflow
    with: { file: child.yaml, inputs: { who: ana, count: three } }
  required:
    uses: workflow
    with: { file: child.yaml, inputs: { count: 2 } }
  broken:
    uses: workflow
    with: { file: broken.yaml }
  later:
    uses: workflow
    with: { file: "${{ inputs.which }}", inputs: { anything: 1 } }
)yaml");
  const auto r = p.run({"validate", "wf/parent.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  CHECK(r.err == R"(wf/parent.yaml:8:13: child workflow wf/chld.yaml: no such file (did you mean 'child.yaml'?)
      with: { file: chld.yaml }
              ^
wf/parent.yaml:11:51: child workflow wf/child.yaml has no input 'cuont' (did you mean 'count'?); its inputs are who, count
      with: { file: child.yaml, inputs: { who: ana, cuont: 2 } }
                                                    ^
wf/parent.yaml:14:51: input 'count' of child workflow wf/child.yaml must be a number, got 'three'
      with: { file: child.yaml, inputs: { who: ana, count: three } }
                                                    ^
wf/parent.yaml:17:31: child workflow wf/child.yaml needs input 'who' (it has no default); give it in 'inputs'
      with: { file: child.yaml, inputs: { count: 2 } }
                                ^
wf/parent.yaml:20:13: wf/broken.yaml:3:16: unknown key 'needz' in step 'a' (did you mean 'needs'?)
      with: { file: broken.yaml }
              ^
automata: 5 problems found
)");
  // The same checks stop a run before anything starts.
  const auto run = p.run({"run", "wf/parent.yaml"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("wf/parent.yaml: 5 problems; nothing was run") != std::string::npos);
  CHECK(p.run_ids().empty());
}

}  // TEST_SUITE
