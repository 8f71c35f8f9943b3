#include "cli/app.hpp"
#include "engine/step_shim.hpp"

int main(int argc, char** argv) {
  // First: a step shim (docs/processes.md) needs nothing of the command line.
  if (const auto shim = automata::engine::step_shim_main(argc, argv)) {
    return *shim;
  }
  return automata::cli::run_cli(argc, argv);
}
