// git.clone and git.push over real ssh (sshd, key file or key text, with and
// without a passphrase, host-key checks) and https (lighttpd + git
// http-backend, basic auth with a password or a token, a test CA), with
// tests/support/git-servers. No credential may show in any output.
#include <doctest/doctest.h>

#include "support/scratch.hpp"
#include "support/test_step_context.hpp"
#include "tools/git/git_fixture.hpp"
#include "tools/git/git_kinds.hpp"
#include "tools/git/git_servers.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::read_file;
using automata::test::ScratchDir;
using automata::test::TestStepContext;
using namespace automata::test::git;

namespace {

// The secret appears in nothing the step produced, nor in the clone's config.
void check_not_leaked(TestStepContext& context, const StepResult& result, const std::string& secret,
                      const std::filesystem::path& clone) {
  CAPTURE(secret);
  CHECK(context.out().find(secret) == std::string::npos);
  CHECK(context.err().find(secret) == std::string::npos);
  CHECK(result.error.find(secret) == std::string::npos);
  CHECK(result.outputs.dump().find(secret) == std::string::npos);
  for (const auto& beat : context.heartbeats()) {
    CHECK(beat.find(secret) == std::string::npos);
  }
  if (std::filesystem::exists(clone / ".git" / "config")) {
    CHECK(read_file(clone / ".git" / "config").find(secret) == std::string::npos);
  }
}

// No ssh key file is left in the run directory.
bool key_files_left(const ScratchDir& scratch) {
  for (const auto& entry : std::filesystem::directory_iterator(scratch / "tmp")) {
    if (entry.path().extension() == ".ssh-key") {
      return true;
    }
  }
  return false;
}

// Commits a file in `clone` and pushes it with the same parameters as the clone.
StepResult commit_and_push(TestStepContext& context, const ScratchDir& scratch, const std::string& clone,
                           Value push_params, const std::string& branch) {
  git(scratch / clone, "checkout -q -b " + branch);
  scratch.write(clone + "/pushed.txt", branch + "\n");
  git(scratch / clone, "add pushed.txt");
  git(scratch / clone, "-c user.name=T -c user.email=t@x commit -q -m pushed");
  push_params["repo"] = clone;
  context.set_params(std::move(push_params));
  return tools::make_git_push_kind()->execute(context);
}

Value with(Value params, const Value& more) {
  for (const auto& [key, value] : more.items()) {
    params[key] = value;
  }
  return params;
}

// One server of each kind for the suite (starting one costs most of a test):
// started on first use, stopped when the test program exits. Tests push
// branches of their own names.
const GitServer& sshd() {
  static const ScratchDir dir;
  static const GitServer server("start-sshd.sh", dir / "sshd");
  return server;
}

const GitServer& https() {
  static const ScratchDir dir;
  static const GitServer server("start-https.sh", dir / "https");
  return server;
}

}  // namespace

TEST_SUITE("git transports") {

TEST_CASE("ssh: clone and push with a key file, the host checked against known_hosts") {
  ScratchDir scratch;
  const GitServer& server = sshd();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  const Value credentials = {{"ssh_key", server["CLIENT_KEY"]}, {"known_hosts", read_file(server["KNOWN_HOSTS"])}};
  TestStepContext context(scratch, with(credentials, {{"url", server["SSH_URL"]}, {"path", "clone"}}));
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  CHECK(cloned.outputs["commit"] == server["MAIN_COMMIT"]);
  CHECK(git(scratch / "clone", "config remote.origin.url") == server["SSH_URL"]);

  auto pushed = commit_and_push(context, scratch, "clone", credentials, "feat/ssh");
  REQUIRE_MESSAGE(pushed.succeeded, pushed.error);
  CHECK(git(server["REPO_PATH"], "rev-parse feat/ssh") == git(scratch / "clone", "rev-parse HEAD"));
}

TEST_CASE("ssh: a key given as text with its passphrase, written 0600 for the transfer and removed") {
  ScratchDir scratch;
  const GitServer& server = sshd();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  const std::string key = read_file(server["CLIENT_KEY_PASS"]);
  const Value credentials = {
      {"ssh_key_text", key}, {"passphrase", server["PASSPHRASE"]}, {"known_hosts", read_file(server["KNOWN_HOSTS"])}};
  TestStepContext context(scratch, with(credentials, {{"url", server["SSH_URL"]}, {"path", "clone"}}));
  context.add_secret(key);
  context.add_secret(server["PASSPHRASE"]);
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  CHECK_FALSE(key_files_left(scratch));
  auto pushed = commit_and_push(context, scratch, "clone", credentials, "feat/ssh-text");
  REQUIRE_MESSAGE(pushed.succeeded, pushed.error);
  CHECK(git(server["REPO_PATH"], "rev-parse feat/ssh-text") == git(scratch / "clone", "rev-parse HEAD"));
  CHECK_FALSE(key_files_left(scratch));
  check_not_leaked(context, pushed, server["PASSPHRASE"], scratch / "clone");
  check_not_leaked(context, pushed, "PRIVATE KEY", scratch / "clone");
}

TEST_CASE("ssh: a key without passphrase from a step environment variable; a wrong passphrase") {
  ScratchDir scratch;
  const GitServer& server = sshd();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  const std::string known_hosts = read_file(server["KNOWN_HOSTS"]);
  TestStepContext context(scratch, {{"url", server["SSH_URL"]},
                                    {"path", "clone"},
                                    {"ssh_key_text_env", "DEPLOY_KEY"},
                                    {"known_hosts", known_hosts}});
  context.set_environment({"HOME=" + scratch.path().string(), "DEPLOY_KEY=" + read_file(server["CLIENT_KEY"])});
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  CHECK(cloned.outputs["commit"] == server["MAIN_COMMIT"]);

  context.set_params({{"url", server["SSH_URL"]},
                      {"path", "wrong"},
                      {"ssh_key", server["CLIENT_KEY_PASS"]},
                      {"passphrase", "not-the-passphrase"},
                      {"known_hosts", known_hosts}});
  context.add_secret("not-the-passphrase");
  auto wrong = tools::make_git_clone_kind()->execute(context);
  CHECK_FALSE(wrong.succeeded);
  CHECK_FALSE(wrong.retryable);
  CHECK(wrong.error.rfind("git.clone: cannot use the ssh key for " + server["SSH_URL"] + ": ", 0) == 0);
  CHECK(wrong.error.find("; check the key and its passphrase") != std::string::npos);
  check_not_leaked(context, wrong, "not-the-passphrase", scratch / "wrong");
}

TEST_CASE("ssh: a key the server does not know fails at once with a clear message") {
  ScratchDir scratch;
  const GitServer& server = sshd();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  REQUIRE(sh("ssh-keygen -q -t ed25519 -N '' -f " + quoted(scratch / "stranger")).status == 0);
  TestStepContext context(scratch, {{"url", server["SSH_URL"]},
                                    {"path", "clone"},
                                    {"ssh_key", (scratch / "stranger").string()},
                                    {"known_hosts", read_file(server["KNOWN_HOSTS"])}});
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK(result.error == "git.clone: authentication failed for " + server["SSH_URL"] +
                            " (ssh key): check that the key is authorised for user '" + server["SSH_USER"] +
                            "' on the server");
  CHECK_FALSE(result.retryable);
}

TEST_CASE("ssh: an unknown host is refused unless strict_host_key is false; ~/.ssh/known_hosts; a changed key always") {
  ScratchDir scratch;
  const GitServer& server = sshd();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  TestStepContext context(scratch, {{"url", server["SSH_URL"]}, {"path", "clone"}, {"ssh_key", server["CLIENT_KEY"]}});
  context.set_environment({"HOME=" + scratch.path().string()});  // no ~/.ssh/known_hosts
  auto unknown = tools::make_git_clone_kind()->execute(context);
  CHECK(unknown.error == "git.clone: the ssh host 127.0.0.1:" + server["SSH_PORT"] +
                             " is not in known_hosts (ssh-ed25519 " + server["HOST_KEY_SHA256"] +
                             "): add it to known_hosts, or set strict_host_key: false");
  CHECK_FALSE(unknown.retryable);

  context.set_params(
      {{"url", server["SSH_URL"]}, {"path", "clone"}, {"ssh_key", server["CLIENT_KEY"]}, {"strict_host_key", false}});
  auto accepted = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(accepted.succeeded, accepted.error);

  // ~/.ssh/known_hosts of the step's HOME, names hashed as Debian's ssh writes them.
  scratch.write(".ssh/known_hosts", read_file(server["KNOWN_HOSTS"]));
  REQUIRE(sh("ssh-keygen -H -f " + quoted(scratch / ".ssh" / "known_hosts")).status == 0);
  REQUIRE(read_file(scratch / ".ssh" / "known_hosts").rfind("|1|", 0) == 0);
  context.set_params({{"url", server["SSH_URL"]}, {"path", "hashed"}, {"ssh_key", server["CLIENT_KEY"]}});
  auto hashed = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(hashed.succeeded, hashed.error);

  // known_hosts with another key for this host:port (the client's own key stands in).
  const std::string client_pub = read_file(server["CLIENT_KEY"] + ".pub");
  const std::string wrong_entry = "[127.0.0.1]:" + server["SSH_PORT"] + " " + client_pub;
  context.set_params({{"url", server["SSH_URL"]},
                      {"path", "changed"},
                      {"ssh_key", server["CLIENT_KEY"]},
                      {"known_hosts", wrong_entry},
                      {"strict_host_key", false}});
  auto changed = tools::make_git_clone_kind()->execute(context);
  CHECK(changed.error == "git.clone: the ssh host key of 127.0.0.1:" + server["SSH_PORT"] + " (ssh-ed25519 " +
                             server["HOST_KEY_SHA256"] +
                             ") differs from the one in known_hosts: refusing to connect (the host changed its key, "
                             "or someone is in between)");
  CHECK_FALSE(std::filesystem::exists(scratch / "changed" / ".git"));
}

TEST_CASE("https: clone and push with a username and password, the test CA trusted, progress reported") {
  ScratchDir scratch;
  const GitServer& server = https();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  const Value credentials = {
      {"username", server["USER"]}, {"password", server["PASSWORD"]}, {"ca_file", server["CA_FILE"]}};
  TestStepContext context(scratch, with(credentials, {{"url", server["HTTPS_URL"]}, {"path", "clone"}}));
  context.add_secret(server["PASSWORD"]);
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  CHECK(cloned.outputs["commit"] == server["MAIN_COMMIT"]);
  CHECK(git(scratch / "clone", "config remote.origin.url") == server["HTTPS_URL"]);
  bool progress = false;
  for (const auto& beat : context.heartbeats()) {
    progress = progress || beat.rfind("receiving objects", 0) == 0 || beat.rfind("indexing objects", 0) == 0;
  }
  CHECK(progress);

  auto pushed = commit_and_push(context, scratch, "clone", credentials, "feat/https");
  REQUIRE_MESSAGE(pushed.succeeded, pushed.error);
  CHECK(git(server["REPO_PATH"], "rev-parse feat/https") == git(scratch / "clone", "rev-parse HEAD"));
  bool push_progress = false;
  for (const auto& beat : context.heartbeats()) {
    push_progress = push_progress || beat.rfind("pushing objects ", 0) == 0;
  }
  CHECK(push_progress);
  check_not_leaked(context, pushed, server["PASSWORD"], scratch / "clone");
}

TEST_CASE("https: clone and push with a token from the step environment (user x-access-token)") {
  ScratchDir scratch;
  const GitServer& server = https();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  const Value credentials = {{"token_env", "GIT_TOKEN"}, {"ca_file", server["CA_FILE"]}};
  TestStepContext context(scratch, with(credentials, {{"url", server["HTTPS_URL"]}, {"path", "clone"}}));
  context.set_environment({"HOME=/tmp", "GIT_TOKEN=" + server["TOKEN"]});  // not registered as a secret
  auto cloned = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(cloned.succeeded, cloned.error);
  auto pushed = commit_and_push(context, scratch, "clone", credentials, "feat/token");
  REQUIRE_MESSAGE(pushed.succeeded, pushed.error);
  CHECK(git(server["REPO_PATH"], "rev-parse feat/token") == git(scratch / "clone", "rev-parse HEAD"));
  check_not_leaked(context, pushed, server["TOKEN"], scratch / "clone");
}

TEST_CASE("https: a wrong password fails at once, no credentials at all, an untrusted certificate") {
  ScratchDir scratch;
  const GitServer& server = https();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  TestStepContext context(scratch, {{"url", server["HTTPS_URL"]},
                                    {"path", "clone"},
                                    {"username", server["USER"]},
                                    {"password", "wrong-pass-123"},
                                    {"ca_file", server["CA_FILE"]}});
  context.add_secret("wrong-pass-123");
  auto wrong = tools::make_git_clone_kind()->execute(context);
  CHECK(wrong.error == "git.clone: authentication failed for " + server["HTTPS_URL"] +
                           " (user 'bot', password): check the username and password");
  CHECK_FALSE(wrong.retryable);
  check_not_leaked(context, wrong, "wrong-pass-123", scratch / "clone");
  CHECK_FALSE(std::filesystem::exists(scratch / "clone" / ".git"));

  context.set_params({{"url", server["HTTPS_URL"]}, {"path", "clone"}, {"token", "bad-token-9"},
                      {"ca_file", server["CA_FILE"]}});
  auto bad_token = tools::make_git_clone_kind()->execute(context);
  CHECK(bad_token.error == "git.clone: authentication failed for " + server["HTTPS_URL"] +
                               " (user 'x-access-token', token): check the token and its scopes");
  CHECK(bad_token.error.find("bad-token-9") == std::string::npos);

  context.set_params({{"url", server["HTTPS_URL"]}, {"path", "clone"}, {"ca_file", server["CA_FILE"]}});
  auto none = tools::make_git_clone_kind()->execute(context);
  CHECK(none.error ==
        "git.clone: " + server["HTTPS_URL"] + " asks for credentials: give a token or a username and password");

  GitServer other("start-https.sh", scratch / "other");  // its own CA, trusted by no one
  REQUIRE_MESSAGE(other.started(), other.start_output());
  context.set_params({{"url", other["HTTPS_URL"]}, {"path", "clone"}, {"token", other["TOKEN"]}});
  auto untrusted = tools::make_git_clone_kind()->execute(context);
  CHECK(untrusted.error ==
        "git.clone: the TLS certificate of 127.0.0.1 is not trusted: give the CA that signed it as ca_file");
}

TEST_CASE("https: each ca_file adds a CA, and earlier ones stay trusted; a ca_file that is no certificate") {
  ScratchDir scratch;
  const GitServer& server = https();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  GitServer other("start-https.sh", scratch / "other");
  REQUIRE_MESSAGE(other.started(), other.start_output());
  TestStepContext context(scratch, {{"url", server["HTTPS_URL"]},
                                    {"path", "a"},
                                    {"token", server["TOKEN"]},
                                    {"ca_file", server["CA_FILE"]}});
  auto first = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(first.succeeded, first.error);
  context.set_params(
      {{"url", other["HTTPS_URL"]}, {"path", "b"}, {"token", other["TOKEN"]}, {"ca_file", other["CA_FILE"]}});
  auto second = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(second.succeeded, second.error);
  context.set_params({{"url", server["HTTPS_URL"]}, {"path", "c"}, {"token", server["TOKEN"]}});
  auto again = tools::make_git_clone_kind()->execute(context);
  REQUIRE_MESSAGE(again.succeeded, again.error);

  scratch.write("not-a-cert.pem", "hello\n");
  context.set_params({{"url", server["HTTPS_URL"]}, {"path", "d"}, {"ca_file", "not-a-cert.pem"}});
  auto bad = tools::make_git_clone_kind()->execute(context);
  CHECK(bad.error == "git.clone: ca_file " + (scratch / "not-a-cert.pem").string() +
                         " is not a readable PEM certificate");
  CHECK_FALSE(bad.retryable);
}

TEST_CASE("https: a cancelled step stops before it sends anything") {
  ScratchDir scratch;
  const GitServer& server = https();
  REQUIRE_MESSAGE(server.started(), server.start_output());
  TestStepContext context(scratch, {{"url", server["HTTPS_URL"]},
                                    {"path", "clone"},
                                    {"token", server["TOKEN"]},
                                    {"ca_file", server["CA_FILE"]}});
  context.cancel().cancel();
  auto result = tools::make_git_clone_kind()->execute(context);
  CHECK(result.cancelled);
  CHECK(result.error == "cancelled");
  CHECK_FALSE(std::filesystem::exists(scratch / "clone" / ".git"));
}

}  // TEST_SUITE
