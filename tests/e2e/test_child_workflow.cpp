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

}  // TEST_SUITE
