// The driver's parts that hold no thread: the step graph (needs, readiness,
// phases), where the run is going (stops, pauses) and how it fared.
#include "engine/step_graph.hpp"

#include <doctest/doctest.h>

#include "engine/driver_context.hpp"  // Instance owns an InstanceContext
#include "engine/loader.hpp"
#include "engine/run_flow.hpp"
#include "engine/step_kinds_builtin.hpp"
#include "support/string_maker.hpp"

namespace automata::engine {
namespace {

std::shared_ptr<const Workflow> load(const std::string& yaml) {
  static const StepKindRegistry kinds = [] {
    StepKindRegistry registry;
    registry.add(make_wait_kind());
    return registry;
  }();
  LoadOutcome outcome = load_workflow("wf.yaml", yaml, kinds);
  INFO(outcome.rendered);
  REQUIRE(outcome.ok());
  return outcome.workflow;
}

const char* const k_diamond = R"(version: 1
name: diamond
steps:
  a: { run: "true" }
  b: { run: "true", needs: [a] }
  c: { run: "true", needs: [a] }
  d: { run: "true", needs: [b, c] }
finally:
  tidy: { run: "true" }
)";

}  // namespace

TEST_SUITE("step graph") {

TEST_CASE("a node is ready once every need is done, each dependent exactly once") {
  const auto wf = load(k_diamond);
  StepGraph graph;
  graph.build(*wf);
  CHECK(graph.ready_nodes == std::vector<int>{0, 4});  // a, and tidy (no needs)
  CHECK(graph.total_instances == 4);                  // main steps only
  graph.ready_nodes.clear();
  graph.node_done(0);
  CHECK(graph.ready_nodes == std::vector<int>{1, 2});
  graph.node_done(0);  // done twice: nothing becomes ready twice
  CHECK(graph.ready_nodes == std::vector<int>{1, 2});
  graph.ready_nodes.clear();
  graph.node_done(1);
  CHECK(graph.ready_nodes.empty());  // d still needs c
  graph.node_done(2);
  CHECK(graph.ready_nodes == std::vector<int>{3});
  CHECK_FALSE(graph.phase_done(Phase::main));
  graph.node_done(3);
  CHECK(graph.phase_done(Phase::main));
  CHECK_FALSE(graph.phase_done(Phase::finally));
}

TEST_CASE("running instances are counted with and without --jobs slots; live forgets the finished") {
  const auto wf = load(k_diamond);
  StepGraph graph;
  graph.build(*wf);
  for (int i = 0; i < 3; ++i) {
    Instance instance;
    instance.def = &wf->steps[0];
    instance.phase = i == 2 ? InstancePhase::done : InstancePhase::running;
    instance.uses_slot = i != 1;
    graph.instances.push_back(std::move(instance));
    graph.live.push_back(i);
  }
  CHECK(graph.running_count(false) == 2);
  CHECK(graph.running_count(true) == 1);
  graph.prune_live();
  CHECK(graph.live == std::vector<int>{0, 1});
}

TEST_CASE("the signals wait steps wait for, once each, in step order") {
  const auto wf = load(R"(version: 1
name: waits
steps:
  first: { uses: wait, with: { signal: approve } }
  second: { uses: wait, with: { signal: deploy } }
  third: { uses: wait, with: { signal: approve } }
)");
  StepGraph graph;
  graph.build(*wf);
  for (const auto& step : wf->steps) {
    Instance instance;
    instance.def = &step;
    instance.phase = InstancePhase::running;
    graph.instances.push_back(std::move(instance));
  }
  CHECK(graph.awaited_signals(InstancePhase::running) == std::vector<std::string>{"approve", "deploy"});
  CHECK(graph.awaited_signals(InstancePhase::waiting).empty());
}

}  // TEST_SUITE

TEST_SUITE("run flow") {

TEST_CASE("a stronger stop replaces a weaker one, never the reverse") {
  RunFlow flow;
  CHECK(flow.raise_stop(StopMode::cancel));
  CHECK(flow.raise_stop(StopMode::rollback));
  CHECK_FALSE(flow.raise_stop(StopMode::cancel));
  CHECK(flow.stop == StopMode::rollback);
  CHECK(flow.raise_stop(StopMode::interrupt));
  CHECK_FALSE(flow.raise_stop(StopMode::rollback));
  CHECK(flow.stop == StopMode::interrupt);
}

TEST_CASE("new steps start unless stopped, paused or pausing; cleanup stages go on after a cancel") {
  RunFlow flow;
  CHECK(flow.may_schedule());
  flow.paused = true;
  CHECK_FALSE(flow.may_schedule());
  flow.clear_pause();
  CHECK(flow.may_schedule());
  flow.raise_stop(StopMode::cancel);
  CHECK_FALSE(flow.may_schedule());
  flow.stage = RunStage::finally;
  CHECK(flow.may_schedule());
  flow.raise_stop(StopMode::interrupt);
  CHECK_FALSE(flow.may_schedule());
}

TEST_CASE("the first failed step is the run's cause") {
  RunOutcome outcome;
  outcome.step_failed("build", "exit code 2");
  outcome.step_failed("test", "exit code 1");
  CHECK(outcome.failed);
  CHECK(outcome.message == "step 'build' failed: exit code 2");
  CHECK(outcome.failed_step == "build");
}

}  // TEST_SUITE

}  // namespace automata::engine
