#pragma once
// Tool results fed back to a model are bounded: the head (what the output
// starts with) and the tail (where errors usually are) are kept, the middle
// replaced by a note saying how much was cut.
#include <cstddef>
#include <string>
#include <string_view>

namespace automata::tools::agent {

// `text` unchanged when it fits in max_bytes; otherwise about max_bytes of it:
// head + "\n[... 12,345 bytes cut ...]\n" + tail, never splitting a UTF-8 sequence.
std::string truncate_middle(std::string_view text, std::size_t max_bytes);

// 12345 -> "12,345"
std::string with_thousands(std::size_t number);

}  // namespace automata::tools::agent
