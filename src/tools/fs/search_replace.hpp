#pragma once
// Search/replace edits (the aider "SEARCH/REPLACE block" style): each block's
// search text must occur exactly once in the file as it is after the blocks
// before it. Zero matches quote the nearest line; several say where.
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace automata::tools::fs {

struct SearchReplace {
  std::string search;
  std::string replace;
};

// Applies the blocks in order; errors name the block and the file:
// `block 2 of src/a.cpp: the search text occurs 3 times (lines 4, 9, 17); ...`.
Result<std::string> apply_search_replace(std::string_view content, const std::vector<SearchReplace>& blocks,
                                         std::string_view path);

}  // namespace automata::tools::fs
