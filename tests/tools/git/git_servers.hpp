#pragma once
// The throw-away ssh and https git servers of tests/support/git-servers
// (see its README), started for one test and stopped after it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/lifeline.hpp"
#include "tools/git/git_fixture.hpp"

namespace automata::test::git {

class GitServer {
 public:
  // script: "start-sshd.sh" or "start-https.sh"; state: a directory of its own.
  GitServer(const std::string& script, std::filesystem::path state) : m_state(std::move(state)) {
    // The script's watchdog holds our lifeline (and watches this process, not
    // the short-lived shell): the server dies with this process, even by SIGKILL.
    const auto started = run_with_lifeline("GIT_SERVERS_LIFELINE_FD=9 GIT_SERVERS_WATCH_PID=" +
                                           std::to_string(::getpid()) + " " + quoted(scripts() / script) + " " +
                                           quoted(m_state) + " 2>&1");
    m_start_output = started.out;
    std::ifstream env(m_state / "server.env");
    for (std::string line; std::getline(env, line);) {
      const auto equals = line.find('=');
      if (equals != std::string::npos) {
        m_values[line.substr(0, equals)] = line.substr(equals + 1);
      }
    }
    m_started = started.status == 0 && !m_values.empty();
  }
  ~GitServer() { sh(quoted(scripts() / "stop.sh") + " " + quoted(m_state)); }
  GitServer(const GitServer&) = delete;
  GitServer& operator=(const GitServer&) = delete;

  bool started() const { return m_started; }
  const std::string& start_output() const { return m_start_output; }
  std::string operator[](const std::string& key) const {
    const auto found = m_values.find(key);
    return found == m_values.end() ? std::string() : found->second;
  }

  static std::filesystem::path scripts() {
    // From the source tree's absolute path, not __FILE__: a compiler launcher
    // (ccache with base_dir) makes __FILE__ relative to the build directory.
    return std::filesystem::path(AUTOMATA_SOURCE_DIR) / "tests" / "support" / "git-servers";
  }

 private:
  std::filesystem::path m_state;
  std::map<std::string, std::string> m_values;
  std::string m_start_output;
  bool m_started = false;
};

}  // namespace automata::test::git
