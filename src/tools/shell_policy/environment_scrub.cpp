#include "tools/shell_policy/environment_scrub.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace automata::tools::shell_policy {

bool looks_secret(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::array<std::string_view, 6> k_words = {"KEY",      "TOKEN",  "SECRET",
                                                              "PASSWORD", "PASSWD", "CREDENTIAL"};
  return std::any_of(k_words.begin(), k_words.end(),
                     [&](std::string_view word) { return upper.find(word) != std::string::npos; });
}

std::vector<std::string> scrub_environment(const std::vector<std::string>& environment,
                                           const std::vector<std::string>& allowed) {
  std::vector<std::string> kept;
  for (const auto& entry : environment) {
    const std::string_view name = std::string_view(entry).substr(0, entry.find('='));
    const bool allow = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if (allow || !looks_secret(name)) {
      kept.push_back(entry);
    }
  }
  return kept;
}

}  // namespace automata::tools::shell_policy
