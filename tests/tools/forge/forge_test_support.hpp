#pragma once
// A forge step run against a local stub of the forge's API: the remote URL
// names the project, api_url points at the stub, the token comes from the
// environment as in a real run.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "support/http_stub_server.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/forge/forge_kinds.hpp"

namespace automata::test {

class ForgeStepFixture {
 public:
  ForgeStepFixture(std::string remote_url, std::string token_variable, std::string token, std::string forge = {})
      : m_context(m_dir, Value::object()),
        m_remote_url(std::move(remote_url)),
        m_forge(std::move(forge)),
        m_token(std::move(token)) {
    m_context.set_environment({"PATH=/usr/bin:/bin", token_variable + "=" + m_token});
  }

  // The kind's parameters plus where the project is and quick retries.
  Value params(Value own) const {
    if (!m_remote_url.empty()) {
      own["remote_url"] = m_remote_url;
    }
    own["api_url"] = m_server.url() + "/api";
    own["retry_delay"] = "10ms";
    if (!m_forge.empty()) {
      own["forge"] = m_forge;
    }
    return own;
  }

  template <typename MakeKind>
  engine::StepResult run(MakeKind make_kind, Value own) {
    m_context.set_params(params(std::move(own)));
    return make_kind()->execute(m_context);
  }

  // A git repository at `name` in the scratch directory with one commit on
  // `branch` and the given origin; returns its path.
  std::filesystem::path make_repo(const std::string& name, const std::string& branch, const std::string& origin) {
    const auto repo = m_dir / name;
    std::filesystem::create_directories(repo);
    const std::string git = "git -C '" + repo.string() + "' ";
    const std::string script = git + "init -q -b '" + branch + "' && " + git +
                               "-c user.name=t -c user.email=t@t commit -q --allow-empty -m init" +
                               (origin.empty() ? "" : " && " + git + "remote add origin '" + origin + "'");
    REQUIRE(std::system(script.c_str()) == 0);
    return repo;
  }

  // The token appears in nothing the step printed or returned.
  bool token_hidden(const engine::StepResult& result) {
    return m_context.out().find(m_token) == std::string::npos && m_context.err().find(m_token) == std::string::npos &&
           result.error.find(m_token) == std::string::npos && result.outputs.dump().find(m_token) == std::string::npos;
  }

  HttpStubServer& server() { return m_server; }
  TestStepContext& context() { return m_context; }
  const ScratchDir& dir() const { return m_dir; }

 private:
  HttpStubServer m_server;
  ScratchDir m_dir;
  TestStepContext m_context;
  std::string m_remote_url;
  std::string m_forge;
  std::string m_token;
};

}  // namespace automata::test
