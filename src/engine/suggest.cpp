#include "engine/suggest.hpp"

#include <algorithm>

#include "engine/text_case.hpp"

namespace automata::engine {

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance) {
  // Optimal string alignment: Levenshtein plus the swap of two neighbouring
  // characters as one edit, the most common typo ("cuont" for "count").
  // Each row's minimum never decreases, so a row above the limit ends the search.
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> above(b.size() + 1);
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    above[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    std::size_t best_in_row = row[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = above[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above[j] + 1, row[j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
      best_in_row = std::min(best_in_row, row[j]);
    }
    if (best_in_row > max_distance) {
      return max_distance + 1;
    }
    std::swap(before, above);
    std::swap(above, row);
  }
  return above[b.size()];
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // Allow one edit per three characters, at least one, at most three.
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate, limit);
    // Replacing every character of a short word is not a typo: 'p' is not 'z'.
    if (distance < best_distance && distance < word.size() && distance < candidate.size()) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::optional<std::string> did_you_mean_ignoring_case(std::string_view word, const std::vector<std::string>& candidates) {
  std::vector<std::string> lowercase;
  lowercase.reserve(candidates.size());
  for (const auto& candidate : candidates) {
    lowercase.push_back(ascii_lower(candidate));
  }
  const auto suggestion = did_you_mean(ascii_lower(word), lowercase);
  if (!suggestion) {
    return std::nullopt;
  }
  return candidates[static_cast<std::size_t>(std::find(lowercase.begin(), lowercase.end(), *suggestion) - lowercase.begin())];
}

}  // namespace automata::engine
