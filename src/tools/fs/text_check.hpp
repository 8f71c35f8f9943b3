#pragma once
// File tools read and write text only: valid UTF-8 and no NUL byte. A file
// that fails is reported as binary rather than mangled into a model's prompt.
#include <optional>
#include <string>
#include <string_view>

namespace automata::tools::fs {

// Why `content` is not text ("contains a NUL byte at offset 12 (binary file)",
// "is not valid UTF-8 at line 3, byte offset 40"), or nullopt when it is text.
std::optional<std::string> text_problem(std::string_view content);

}  // namespace automata::tools::fs
