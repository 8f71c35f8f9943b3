#pragma once
// "Did you mean" for unknown ids, keys, step kinds and functions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace automata::engine {

// Edit distance (insert, delete, replace, or swap two neighbouring characters),
// with an early exit above max_distance: then max_distance + 1 (ninja edit_distance).
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance = 64);

// The closest candidate within a distance that scales with the word's length
// (one edit per three characters, at least one, at most three; never every
// character), or nothing if none is close enough. The first of equally close
// candidates wins.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// The same for names that are case-insensitive (those in expressions): case
// costs no edit, and the candidate comes back as it is spelled.
std::optional<std::string> did_you_mean_ignoring_case(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace automata::engine
