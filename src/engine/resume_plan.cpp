#include "engine/resume_plan.hpp"

#include <set>

#include "engine/workflow_checks.hpp"

namespace automata::engine {
namespace {

std::string_view base_of(std::string_view id) { return id.substr(0, id.find('[')); }

}  // namespace

std::vector<std::string> resume_reset(const RunState& state, const Workflow& workflow,
                                      const std::optional<std::string>& from) {
  std::vector<std::string> reset;
  std::set<std::string> in_reset;
  // The step itself and its matrix instances ("id[...]").
  auto add_reset = [&](const std::string& id) {
    for (const auto& known : state.order) {
      if (base_of(known) == id && in_reset.insert(known).second) {
        reset.push_back(known);
      }
    }
  };
  if (from) {
    for (const auto& id : downstream_of(workflow, *from)) {
      add_reset(id);
    }
  }
  for (const auto& id : state.compensated) {
    add_reset(id);
  }
  if (from || state.status == "failed" || state.status == "cancelled") {
    for (const auto& step : workflow.steps) {
      if (step.phase != Phase::main) {
        add_reset(step.id);
      }
    }
  }
  return reset;
}

const char* resume_action_name(ResumeAction action) {
  switch (action) {
    case ResumeAction::reused: return "reused";
    case ResumeAction::rerun: return "re-run";
    case ResumeAction::fresh: return "new";
    case ResumeAction::removed: return "removed";
  }
  return "re-run";
}

std::vector<std::pair<std::string, ResumeAction>> resume_plan(const RunState& state, const Workflow& workflow,
                                                              const std::optional<std::string>& from) {
  const std::vector<std::string> reset_list = resume_reset(state, workflow, from);
  const std::set<std::string> reset(reset_list.begin(), reset_list.end());
  std::unordered_map<std::string_view, std::vector<const std::string*>> known;
  for (const auto& id : state.order) {
    known[base_of(id)].push_back(&id);
  }
  std::vector<std::pair<std::string, ResumeAction>> plan;
  for (const auto& step : workflow.steps) {
    const auto found = known.find(step.id);
    if (found == known.end()) {
      plan.emplace_back(step.id, ResumeAction::fresh);
      continue;
    }
    for (const std::string* id : found->second) {
      const bool keep = reset.count(*id) == 0 && state.steps.at(*id).status == "succeeded";
      plan.emplace_back(*id, keep ? ResumeAction::reused : ResumeAction::rerun);
    }
  }
  for (const auto& id : state.order) {
    if (workflow.find_step(base_of(id)) == nullptr) {
      plan.emplace_back(id, ResumeAction::removed);
    }
  }
  return plan;
}

}  // namespace automata::engine
