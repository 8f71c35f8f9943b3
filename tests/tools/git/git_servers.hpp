#pragma once
// The throw-away ssh and https git servers of tests/support/git-servers
// (see its README), started for one test and stopped after it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tools/git/git_fixture.hpp"

namespace automata::test::git {

class GitServer {
 public:
  // script: "start-sshd.sh" or "start-https.sh"; state: a directory of its own.
  GitServer(const std::string& script, std::filesystem::path state) : m_state(std::move(state)) {
    // The script's watchdog watches this process, not popen's short-lived shell.
    const auto started = sh("GIT_SERVERS_WATCH_PID=" + std::to_string(::getpid()) + " " + quoted(scripts() / script) +
                            " " + quoted(m_state));
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

 private:
  static std::filesystem::path scripts() {
    return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "support" / "git-servers").lexically_normal();
  }
  std::filesystem::path m_state;
  std::map<std::string, std::string> m_values;
  std::string m_start_output;
  bool m_started = false;
};

}  // namespace automata::test::git
