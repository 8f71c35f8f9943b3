// Child workflows checked when their parent loads: found among the built-ins
// for a built-in parent, their inputs against the child's declarations.
#include "engine/child_checks.hpp"

#include <doctest/doctest.h>

#include "tools/registry.hpp"

using namespace automata;
using namespace automata::engine;

namespace {

const StepKindRegistry& kinds() {
  static const StepKindRegistry k_kinds = tools::builtin_step_kinds();
  return k_kinds;
}

constexpr BuiltinWorkflow k_builtins[] = {
    {"gate", "version: 1\nname: gate\ninputs:\n  required: { type: number }\nsteps:\n  s: { run: 'true' }\n"},
    {"loop", "version: 1\nname: loop\nsteps:\n  again: { uses: workflow, with: { file: loop }, if: \"${{ false }}\" }\n"},
};

}  // namespace

TEST_SUITE("child checks") {

TEST_CASE("a built-in parent runs a built-in child by its bare name, checked like a file") {
  const WorkflowLibrary library(k_builtins);
  auto ok = load_workflow("builtin:pr",
                          "version: 1\nsteps:\n  g: { uses: workflow, with: { file: gate, inputs: { required: 85 } } }\n",
                          kinds(), library);
  CHECK(ok.rendered == "");
  CHECK(ok.ok());
  auto bad = load_workflow("builtin:pr",
                           "version: 1\nsteps:\n"
                           "  g: { uses: workflow, with: { file: gate, inputs: { requird: '85' } } }\n"
                           "  h: { uses: workflow, with: { file: gat } }\n",
                           kinds(), library);
  CHECK(bad.rendered ==
        "builtin:pr:3:44: child workflow builtin:gate needs input 'required' (it has no default); give it in 'inputs'\n"
        "    g: { uses: workflow, with: { file: gate, inputs: { requird: '85' } } }\n"
        "                                             ^\n"
        "builtin:pr:3:54: child workflow builtin:gate has no input 'requird' (did you mean 'required'?); its inputs "
        "are required\n"
        "    g: { uses: workflow, with: { file: gate, inputs: { requird: '85' } } }\n"
        "                                                       ^\n"
        "builtin:pr:4:32: no built-in workflow 'gat' (did you mean 'gate'?); the built-ins are gate, loop\n"
        "    h: { uses: workflow, with: { file: gat } }\n"
        "                                 ^\n");
}

TEST_CASE("a workflow that runs itself is loaded once; a quoted number for a number input says so") {
  const WorkflowLibrary library(k_builtins);
  CHECK(load_workflow("builtin:loop", std::string(k_builtins[1].source), kinds(), library).ok());
  auto quoted = load_workflow(
      "builtin:pr", "version: 1\nsteps:\n  g: { uses: workflow, with: { file: gate, inputs: { required: '85' } } }\n",
      kinds(), library);
  CHECK(quoted.diagnostics.size() == 1);
  CHECK(quoted.diagnostics.at(0).message ==
        "input 'required' of child workflow builtin:gate must be a number, got '85' (a quoted value is a string: "
        "remove the quotes)");
}

}  // TEST_SUITE
