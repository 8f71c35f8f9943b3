#include "engine/step_graph.hpp"

#include <algorithm>

namespace automata::engine {

void StepGraph::build(const Workflow& workflow) {
  nodes.clear();
  for (const auto& step : workflow.steps) {
    Node entry;
    entry.def = &step;
    node_by_id[step.id] = static_cast<int>(nodes.size());
    nodes.push_back(entry);
    if (step.phase == Phase::main) {
      ++total_instances;
    }
  }
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    for (const auto& need : nodes[n].def->needs) {
      const auto it = node_by_id.find(need);
      if (it != node_by_id.end()) {
        node(it->second).dependents.push_back(static_cast<int>(n));
        ++nodes[n].pending_needs;
      }
    }
    if (nodes[n].pending_needs == 0) {
      ready_nodes.push_back(static_cast<int>(n));
    }
  }
}

void StepGraph::node_done(int index) {
  Node& done = node(index);
  if (done.done) {
    return;
  }
  done.done = true;
  for (int dependent : done.dependents) {
    if (--node(dependent).pending_needs == 0) {
      ready_nodes.push_back(dependent);
    }
  }
}

int StepGraph::running_count(bool slots_only) const {
  int count = 0;
  for (int index : live) {
    const Instance& running = instance(index);
    if (running.phase == InstancePhase::running && (!slots_only || running.uses_slot)) {
      ++count;
    }
  }
  return count;
}

bool StepGraph::phase_done(Phase phase) const {
  return std::none_of(nodes.begin(), nodes.end(),
                      [phase](const Node& each) { return each.def->phase == phase && !each.done; });
}

std::vector<std::string> StepGraph::awaited_signals(InstancePhase phase) const {
  std::vector<std::string> names;
  for (const auto& each : instances) {
    if (each.phase == phase && !each.is_compensation && each.def->uses == "wait") {
      const std::string name = each.def->with.value("signal", std::string());
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  return names;
}

void StepGraph::prune_live() {
  std::erase_if(live, [&](int index) {
    const auto phase = instance(index).phase;
    return phase != InstancePhase::running && phase != InstancePhase::retry_wait;
  });
}

}  // namespace automata::engine
