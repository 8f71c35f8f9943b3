#include "engine/resume_plan.hpp"

#include <doctest/doctest.h>

#include "engine/loader.hpp"
#include "engine/workflow_checks.hpp"

using namespace automata;
using namespace automata::engine;

namespace {

std::shared_ptr<const Workflow> load(const std::string& yaml) {
  static const StepKindRegistry kinds;
  LoadOutcome outcome = load_workflow("wf.yaml", yaml, kinds);
  INFO(outcome.rendered);
  REQUIRE(outcome.ok());
  return outcome.workflow;
}

// a -> b; c reads a through a dynamic steps[...] index; report (finally) reads steps.b.
const char* const k_reads = R"(version: 1
name: reads
inputs:
  which: { default: a }
steps:
  a: { run: "true" }
  b: { needs: [a], run: "true" }
  c: { if: "steps[inputs.which].outputs.v != ''", run: "true" }
  d: { run: "true" }
finally:
  report: { if: "steps.b.status == 'succeeded'", run: "true" }
)";

Value record(const std::string& type, Value fields) {
  fields["type"] = type;
  fields["ts"] = "2026-11-21T15:30:00.000Z";
  return fields;
}

RunState state_of(std::vector<Value> records) {
  records.insert(records.begin(), record("RunStarted", {{"run", "r"}, {"workflow", "reads"}}));
  return fold_records(records);
}

Value completed(const std::string& step) {
  return record("StepCompleted", {{"step", step}, {"attempt", 1}, {"outputs", Value::object()}});
}

std::vector<std::pair<std::string, std::string>> named(const std::vector<std::pair<std::string, ResumeAction>>& plan) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [id, action] : plan) {
    out.emplace_back(id, resume_action_name(action));
  }
  return out;
}

}  // namespace

TEST_SUITE("resume_plan") {
  TEST_CASE("downstream_of follows needs and expression reads, a dynamic steps[...] read from every step") {
    const auto wf = load(k_reads);
    CHECK(downstream_of(*wf, "a") == std::set<std::string>{"a", "b", "c", "report"});
    CHECK(downstream_of(*wf, "b") == std::set<std::string>{"b", "c", "report"});
    CHECK(downstream_of(*wf, "d") == std::set<std::string>{"c", "d"});
    CHECK(step_reads(wf->steps[2]).any);
    CHECK(step_reads(wf->steps[4]).ids == std::set<std::string>{"b"});
  }

  TEST_CASE("--from: the step, what reads it, and the finally steps re-run; the rest is reused") {
    const auto wf = load(k_reads);
    const RunState state = state_of({completed("a"), completed("b"), completed("c"), completed("d"),
                                     completed("report"), record("RunCompleted", {{"duration_ms", 1}})});
    CHECK(named(resume_plan(state, *wf, std::string("b"))) ==
          std::vector<std::pair<std::string, std::string>>{
              {"a", "reused"}, {"b", "re-run"}, {"c", "re-run"}, {"d", "reused"}, {"report", "re-run"}});
    CHECK(resume_reset(state, *wf, std::string("b")) == std::vector<std::string>{"b", "c", "report"});
  }

  TEST_CASE("after a failure: compensated steps, failed ones and the finally steps re-run; unseen steps are new") {
    const auto wf = load(k_reads);
    const RunState state =
        state_of({completed("a"), record("StepFailed", {{"step", "b"}, {"attempt", 1}, {"error", "x"}}),
                  completed("d"), record("CompensationCompleted", {{"step", "d"}}), completed("report"),
                  completed("gone"), record("RunFailed", {{"error", "x"}})});
    CHECK(named(resume_plan(state, *wf, std::nullopt)) ==
          std::vector<std::pair<std::string, std::string>>{{"a", "reused"},
                                                           {"b", "re-run"},
                                                           {"c", "new"},
                                                           {"d", "re-run"},
                                                           {"report", "re-run"},
                                                           {"gone", "removed"}});
    CHECK(resume_reset(state, *wf, std::nullopt) == std::vector<std::string>{"d", "report"});
  }
}
