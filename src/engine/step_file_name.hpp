#pragma once
// The file-system name of a step instance id, for its log, its scratch files
// and its child run directory: injective (every byte outside letters, digits
// and - _ . [ ] = , is %XX), so two instance ids never share a file.
#include <string>
#include <string_view>

namespace automata::engine {

std::string safe_file_name(std::string_view id);

}  // namespace automata::engine
