#include "tools/shell_policy/environment_scrub.hpp"

#include <algorithm>
#include <array>

namespace automata::tools::shell_policy {

bool allowed_variable(std::string_view name) {
  static constexpr std::array<std::string_view, 40> k_names = {
      "PATH",       "HOME",        "USER",       "LOGNAME",     "SHELL",       "LANG",        "LANGUAGE",
      "TERM",       "TZ",          "TMPDIR",     "COLUMNS",     "LINES",       "NO_COLOR",    "CI",
      "CC",         "CXX",         "CPP",        "CFLAGS",      "CXXFLAGS",    "CPPFLAGS",    "LDFLAGS",
      "MAKEFLAGS",  "PKG_CONFIG_PATH", "CMAKE_GENERATOR", "CMAKE_BUILD_PARALLEL_LEVEL", "GOPATH", "GOCACHE",
      "GOFLAGS",    "GOPROXY",     "CARGO_HOME", "RUSTUP_HOME", "PYTHONPATH",  "VIRTUAL_ENV", "NODE_PATH",
      "JAVA_HOME",  "MAVEN_OPTS",  "GRADLE_USER_HOME", "XDG_CACHE_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR"};
  if (looks_secret(name)) {
    return false;
  }
  if (name.rfind("LC_", 0) == 0 || name.rfind("AUTOMATA_", 0) == 0) {
    return true;
  }
  return std::find(k_names.begin(), k_names.end(), name) != k_names.end();
}

std::vector<std::string> scrub_environment(const std::vector<std::string>& environment,
                                           const std::vector<std::string>& allowed) {
  std::vector<std::string> kept;
  for (const auto& entry : environment) {
    const std::string_view name = std::string_view(entry).substr(0, entry.find('='));
    const bool allow = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if (allow || allowed_variable(name)) {
      kept.push_back(entry);
    }
  }
  return kept;
}

}  // namespace automata::tools::shell_policy
