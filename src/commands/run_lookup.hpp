#pragma once
// Finding a run and reading its state: from the driving process when it is
// live (control socket), else from its journal.
#include "commands/invocation.hpp"
#include "engine/run_state.hpp"

namespace automata::commands {

struct RunRef {
  std::string id;
  std::filesystem::path dir;
};

Result<RunRef> find_run(const Invocation& inv, const std::string& argument);
// True when a process holds the run's lock.
bool run_is_live(const std::filesystem::path& dir);
// The journal of a run, read-only (a torn tail is ignored, not truncated).
Result<std::vector<Value>> read_records(const std::filesystem::path& dir);
// The status object (cli.md): live when possible; a run that says running
// but has no live process reads "interrupted".
Result<Value> run_status(const RunRef& run);
// tokens.cost from the config's prices when every model has one, else
// tokens.unpriced naming those without.
void add_cost(Value& status, const std::map<std::string, ModelPrice>& prices);

}  // namespace automata::commands
