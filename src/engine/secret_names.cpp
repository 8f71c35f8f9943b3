#include "engine/secret_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace automata::engine {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

}  // namespace

bool looks_secret(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::array<std::string_view, 6> k_words = {"KEY",      "TOKEN",  "SECRET",
                                                              "PASSWORD", "PASSWD", "CREDENTIAL"};
  return std::any_of(k_words.begin(), k_words.end(),
                     [&](std::string_view word) { return upper.find(word) != std::string::npos; });
}

const std::vector<std::string>& well_known_secret_variables() {
  static const std::vector<std::string> k_names = {
      "OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "AUTOMATA_LLM_API_KEY",
      "GITHUB_TOKEN",   "GH_TOKEN",           "GITLAB_TOKEN",      "GITEA_TOKEN"};
  return k_names;
}

bool is_secret_variable(std::string_view name, const std::vector<std::string>& declared) {
  const auto& known = well_known_secret_variables();
  return std::find(declared.begin(), declared.end(), name) != declared.end() ||
         std::find(known.begin(), known.end(), name) != known.end() || looks_secret(name);
}

bool names_a_secret_variable(std::string_view parameter) {
  return parameter.size() > 4 && parameter.substr(parameter.size() - 4) == "_env";
}

std::vector<std::string> variables_named_in_script(std::string_view script, const std::vector<std::string>& names) {
  std::vector<std::string> found;
  for (const auto& name : names) {
    for (std::size_t at = script.find('$'); at != std::string_view::npos; at = script.find('$', at + 1)) {
      std::size_t start = at + 1;
      if (start < script.size() && script[start] == '{') {
        ++start;
      }
      if (script.compare(start, name.size(), name) == 0 &&
          (start + name.size() == script.size() || !name_char(script[start + name.size()]))) {
        found.push_back(name);
        break;
      }
    }
  }
  return found;
}

}  // namespace automata::engine
