#pragma once
// Private to the driver: the steps of one drive as the scheduler sees them.
// Nodes are the workflow's step definitions with their needs; instances are
// what runs (one per matrix combination, plus compensations). Scheduling is
// event-driven so a step costs the same in a run of 30 or 30,000 steps:
// nodes whose needs are all done wait in `ready_nodes`, expanded unfinished
// nodes in `active_nodes`, running or retrying instances in `live`.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/clock.hpp"
#include "engine/process.hpp"
#include "engine/value.hpp"
#include "engine/workflow.hpp"

namespace automata::engine {

class Driver;
class InstanceContext;

enum class InstancePhase { waiting, running, retry_wait, done };

struct Instance {
  int node = -1;
  std::string id;
  Value matrix;  // null when the step has no matrix
  InstancePhase phase = InstancePhase::waiting;
  std::string status;  // final: succeeded failed skipped cancelled
  int attempt = 0;     // of the attempt running or last run
  int attempt_base = 0;  // attempts before this drive (a failed step re-run by resume)
  bool resumed_attempt = false;  // the journal shows this attempt started but not finished
  SteadyTime retry_at{};
  SteadyTime started_at{};
  SteadyTime deadline = SteadyTime::max();  // timeout of the running attempt
  bool timed_out = false;
  bool cancel_requested = false;
  bool uses_slot = true;
  bool condition_checked = false;
  bool is_compensation = false;
  const StepDef* def = nullptr;  // the step (or compensation) this instance runs
  std::unique_ptr<CancelToken> cancel;
  std::unique_ptr<InstanceContext> context;
  bool executing = false;  // a step thread runs this attempt (until its completion is handled)
  Driver* child = nullptr;  // a child workflow's driver while one runs in this instance
  Value outputs = Value::object();
  std::optional<int> exit_code;
  std::string error;
  std::int64_t duration_ms = 0;
};

struct Node {
  const StepDef* def = nullptr;
  bool expanded = false;
  bool done = false;
  std::vector<int> instances;
  std::string status;  // aggregated final status
  int pending_needs = 0;        // needs not done yet; ready at 0
  std::vector<int> dependents;  // nodes that need this one
};

struct StepGraph {
  std::vector<Node> nodes;
  std::deque<Instance> instances;  // deque: step threads hold references across push_back
  std::unordered_map<std::string, int> node_by_id;
  std::vector<int> ready_nodes;
  std::vector<int> active_nodes;
  std::vector<int> live;
  std::size_t total_instances = 0;  // main-stage instances known so far (the progress total)
  std::size_t announced_total = 0;  // the total the sinks were last told

  // One node per step, its dependents, and the nodes ready at once.
  void build(const Workflow& workflow);
  Node& node(int index) { return nodes[static_cast<std::size_t>(index)]; }
  const Node& node(int index) const { return nodes[static_cast<std::size_t>(index)]; }
  Instance& instance(int index) { return instances[static_cast<std::size_t>(index)]; }
  const Instance& instance(int index) const { return instances[static_cast<std::size_t>(index)]; }
  // Marks a node done; dependents whose needs are now all done become ready.
  void node_done(int index);
  // Running instances; `slots_only`: those that take a --jobs slot.
  int running_count(bool slots_only) const;
  // Whether every node of `phase` is done.
  bool phase_done(Phase phase) const;
  // The signals the `wait` steps in `phase` wait for, in step order.
  std::vector<std::string> awaited_signals(InstancePhase phase) const;
  // Forgets live instances that neither run nor wait for a retry.
  void prune_live();
};

}  // namespace automata::engine
