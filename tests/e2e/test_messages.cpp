// What the renderers say about skips and retries, through the real binary:
// the cause a step was skipped for, and a retry's delay as it was chosen.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

TEST_SUITE("e2e messages") {

TEST_CASE("a step skipped because its need was names the need, not its if") {
  Project p;
  p.write("wf.yaml", R"(version: 1
name: skips
inputs:
  go: { type: boolean, default: true }
steps:
  a: { if: "${{ false }}", run: echo a }
  b: { needs: [a], if: "${{ inputs.go }}", run: echo b }
  c: { needs: [b], if: "${{ always() && !inputs.go }}", run: echo c }
)");
  const auto outcome = p.run({"--output", "plain", "run", "wf.yaml"});
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.find("⊘ a skipped (if: ${{ false }} was false)\n") != std::string::npos);
  CHECK(outcome.out.find("⊘ b skipped (needs not successful: a skipped)\n") != std::string::npos);
  CHECK(outcome.out.find("⊘ c skipped (if: ${{ always() && !inputs.go }} was false (needs: b skipped))\n") !=
        std::string::npos);
  const auto records = p.journal(p.only_run());
  std::vector<std::string> reasons;
  for (const auto& record : records) {
    if (record.value("type", "") == "StepSkipped") {
      reasons.push_back(record.value("step", "") + ": " + record.value("reason", ""));
    }
  }
  CHECK(reasons == std::vector<std::string>{"a: if: ${{ false }} was false", "b: needs not successful: a skipped",
                                            "c: if: ${{ always() && !inputs.go }} was false (needs: b skipped)"});
}

TEST_CASE("a retry's delay is shown as it is: in 0.2s, not in 1s") {
  Project p;
  p.write("wf.yaml", R"(version: 1
name: retries
steps:
  flaky:
    run: exit 3
    retry: { max_attempts: 2, initial_interval: 200ms, jitter: 0 }
)");
  const auto outcome = p.run({"--output", "plain", "run", "wf.yaml"});
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.out.find("↻ flaky retry 2/2 in 0.2s\n") != std::string::npos);
}

}
