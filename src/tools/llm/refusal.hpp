#pragma once
// The one line a step fails with when the model declined to answer: the
// model's reason is data, shown whole in the outputs and cut here to fit a
// line.
#include <string>
#include <string_view>

namespace automata::tools::llm {

// "the model refused: I can't help with that." (whitespace runs as one
// space, at most a few hundred characters), or "the model refused (no
// reason given)".
std::string refusal_line(std::string_view refusal);

}  // namespace automata::tools::llm
