#pragma once
// The shell step kind: a `run:` step (dsl.md). bash runs with -eo pipefail,
// sh with -e, any other shell with -c. Outputs come from $AUTOMATA_OUTPUT.
#include <memory>
#include <string_view>

#include "engine/result.hpp"
#include "engine/step_kind.hpp"

namespace automata::tools {

std::unique_ptr<engine::StepKind> make_shell_kind();

// Parses an $AUTOMATA_OUTPUT file: `key=value` lines and `key<<DELIM` ...
// `DELIM` blocks; a value that parses as JSON is kept as JSON.
Result<Value> parse_output_file(std::string_view content);

}  // namespace automata::tools
