#include "tools/git/git_credentials.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/step_file_name.hpp"
#include "tools/git/git_support.hpp"
#include "tools/git/known_hosts.hpp"
#include "tools/git/tls_trust.hpp"

namespace automata::tools::git {
namespace {

using engine::ParamSpec;
using engine::ParamType;

std::optional<std::string> environment_value(const std::vector<std::string>& environment, const std::string& name) {
  const std::string prefix = name + "=";
  for (const auto& entry : environment) {
    if (entry.compare(0, prefix.size(), prefix) == 0) {
      return entry.substr(prefix.size());
    }
  }
  return std::nullopt;
}

// A secret parameter, given directly or as the name of a step environment variable.
Result<std::string> secret_param(const engine::StepContext& context, const std::string& kind,
                                 const std::string& name) {
  const Value& params = context.params();
  std::string value = params.value(name, std::string());
  const std::string variable = params.value(name + "_env", std::string());
  if (value.empty() && !variable.empty()) {
    auto found = environment_value(context.environment(), variable);
    if (!found || found->empty()) {
      return Error::usage(
          fmt::format("{}: {}_env names {}, which is not set in the step environment", kind, name, variable));
    }
    value = std::move(*found);
  }
  return value;
}

// A file only this user can read, created afresh. libssh2 needs a key's
// closing line ended.
Result<void> write_private_file(const std::filesystem::path& file, std::string text, const std::string& kind) {
  if (!text.empty() && text.back() != '\n') {
    text.push_back('\n');
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::infra(fmt::format("{}: cannot create {}: {}", kind, file.string(), std::strerror(errno)));
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return Error::infra(fmt::format("{}: cannot write {}: {}", kind, file.string(), std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    return Error::infra(fmt::format("{}: cannot write {}: {}", kind, file.string(), std::strerror(errno)));
  }
  return {};
}

int url_port(const std::string& url) {
  for (const std::string_view scheme : {"ssh://", "ssh+git://", "git+ssh://"}) {
    if (url.rfind(scheme, 0) != 0) {
      continue;
    }
    const auto authority_start = scheme.size();
    const auto slash = url.find('/', authority_start);
    std::string authority = url.substr(authority_start, slash == std::string::npos ? std::string::npos
                                                                                    : slash - authority_start);
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
      authority = authority.substr(at + 1);
    }
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
      try {
        return std::stoi(authority.substr(colon + 1));
      } catch (const std::exception&) {
        return 22;
      }
    }
  }
  return 22;
}

std::string sha256_fingerprint(const git_cert_hostkey& key) {
  if ((key.type & GIT_CERT_SSH_SHA256) == 0) {
    return "an unknown fingerprint";
  }
  return "SHA256:" + base64_encode(std::string_view(reinterpret_cast<const char*>(key.hash_sha256), 32), false);
}

}  // namespace

void append_remote_params(std::vector<ParamSpec>& params) {
  const std::vector<ParamSpec> remote_params = {
      {"username", ParamType::string, false, "user for https or ssh (token: x-access-token; ssh: from the url, or git)",
       "", {}},
      {"password", ParamType::string, false, "https password (from a secret)", "", {}},
      {"password_env", ParamType::string, false, "step environment variable holding the password", "", {}},
      {"token", ParamType::string, false, "https access token (from a secret)", "", {}},
      {"token_env", ParamType::string, false, "step environment variable holding the token", "", {}},
      {"ssh_key", ParamType::string, false, "path of an ssh private key file", "", {}},
      {"ssh_key_text", ParamType::string, false, "an ssh private key itself (from a secret)", "", {}},
      {"ssh_key_text_env", ParamType::string, false, "step environment variable holding an ssh private key", "", {}},
      {"passphrase", ParamType::string, false, "passphrase of the ssh key (from a secret)", "", {}},
      {"passphrase_env", ParamType::string, false, "step environment variable holding the key's passphrase", "", {}},
      {"ca_file", ParamType::string, false, "extra CA certificate (PEM) trusted for https", "", {}},
      {"known_hosts", ParamType::string, false, "known_hosts lines for ssh (default: ~/.ssh/known_hosts)", "", {}},
      {"strict_host_key", ParamType::boolean, false,
       "refuse ssh hosts not in known_hosts (a changed key is always refused)", true, {}}};
  params.insert(params.end(), remote_params.begin(), remote_params.end());
}

RemoteSession::RemoteSession(engine::StepContext& context, std::string kind)
    : m_context(context), m_kind(std::move(kind)) {}

RemoteSession::~RemoteSession() {
  if (m_key_file_owned) {
    std::error_code ignored;
    std::filesystem::remove(m_key_file, ignored);
  }
}

Result<void> RemoteSession::prepare(std::string url) {
  ensure_libgit2();
  m_url = std::move(url);
  if (auto problem = url_password_problem(m_url)) {
    return Error::usage(fmt::format("{}: {}", m_kind, *problem));
  }
  // A token given as the URL's user name (https://TOKEN@host/...) would be
  // stored in .git/config: any secret in the URL is refused.
  if (m_context.mask(m_url) != m_url) {
    return Error::usage(fmt::format("{}: the url {} carries a secret; give it as `token` or `password` instead",
                                    m_kind, m_context.mask(m_url)));
  }
  const Value& params = m_context.params();
  TRY_ASSIGN(std::string password, secret_param(m_context, m_kind, "password"));
  TRY_ASSIGN(std::string token, secret_param(m_context, m_kind, "token"));
  TRY_ASSIGN(std::string key_text, secret_param(m_context, m_kind, "ssh_key_text"));
  TRY_ASSIGN(m_passphrase, secret_param(m_context, m_kind, "passphrase"));
  m_username = params.value("username", std::string());
  if (!token.empty()) {
    m_password = token;
    m_password_is_token = true;
    if (m_username.empty()) {
      m_username = "x-access-token";
    }
  } else {
    m_password = password;
  }
  for (const auto* secret : {&password, &token, &key_text, &m_passphrase}) {
    if (!secret->empty()) {
      m_secrets.push_back(*secret);
    }
  }
  const std::string key_file = params.value("ssh_key", std::string());
  if (!key_file.empty()) {
    m_key_file = m_context.working_directory() / key_file;
    std::error_code error;
    if (!std::filesystem::is_regular_file(m_key_file, error)) {
      return Error::usage(fmt::format("{}: ssh_key {} is not a file", m_kind, m_key_file.string()));
    }
  } else if (!key_text.empty()) {
    const auto dir = m_context.run_directory() / "tmp";
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);
    m_key_file = dir / fmt::format("{}.{}.ssh-key", engine::safe_file_name(m_context.step_id()), m_context.attempt());
    std::filesystem::remove(m_key_file, ignored);
    m_key_file_owned = true;  // even half written, it goes
    TRY(write_private_file(m_key_file, key_text, m_kind));
  }
  const std::string ca_file = params.value("ca_file", std::string());
  if (!ca_file.empty()) {
    const auto scratch = m_context.run_directory() / "tmp" /
                         fmt::format("{}.{}.ca.pem", engine::safe_file_name(m_context.step_id()), m_context.attempt());
    std::error_code ignored;
    std::filesystem::create_directories(scratch.parent_path(), ignored);
    TRY(TlsTrust::instance().add(m_context.working_directory() / ca_file, scratch, m_kind));
  }
  if (m_url.rfind("https://", 0) == 0) {
    m_tls_lock = std::shared_lock(TlsTrust::instance().mutex());
  }
  const std::string known_hosts = params.value("known_hosts", std::string());
  if (!known_hosts.empty()) {
    m_known_hosts = known_hosts;
  }
  m_strict_host_key = params.value("strict_host_key", true);
  return {};
}

git_remote_callbacks RemoteSession::callbacks() {
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = &RemoteSession::acquire_credential;
  callbacks.certificate_check = &RemoteSession::check_certificate;
  callbacks.transfer_progress = &RemoteSession::fetch_progress;
  callbacks.push_transfer_progress = &RemoteSession::push_progress;
  callbacks.sideband_progress = &RemoteSession::sideband;
  callbacks.push_update_reference = &RemoteSession::push_update;
  callbacks.push_negotiation = &RemoteSession::push_negotiation;
  callbacks.payload = this;
  return callbacks;
}

std::string RemoteSession::method() const {
  if (!m_key_file.empty()) {
    return "ssh key";
  }
  if (!m_password.empty()) {
    return fmt::format("user '{}', {}", m_username, m_password_is_token ? "token" : "password");
  }
  return "no credentials";
}

int RemoteSession::acquire_credential(git_credential** out, const char*, const char* username_from_url,
                                      unsigned int allowed_types, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (self.stop_if_cancelled()) {
    return GIT_EUSER;
  }
  std::string user = self.m_username;
  if (user.empty() && username_from_url != nullptr) {
    user = username_from_url;
  }
  if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0) {
    // ssh asks for the user name alone first: not an attempt.
    return git_credential_username_new(out, user.empty() ? "git" : user.c_str());
  }
  if (++self.m_attempts > 1) {
    self.m_auth_failed = true;
    git_error_set_str(GIT_ERROR_NET, "authentication failed");
    return GIT_EUSER;
  }
  if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) != 0 && !self.m_key_file.empty()) {
    if (user.empty()) {
      user = "git";
    }
    self.m_username = user;
    return git_credential_ssh_key_new(out, user.c_str(), nullptr, self.m_key_file.c_str(),
                                      self.m_passphrase.empty() ? nullptr : self.m_passphrase.c_str());
  }
  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !self.m_password.empty()) {
    if (user.empty()) {
      self.m_no_credential = "a user name with the password (username)";
      git_error_set_str(GIT_ERROR_NET, "no user name");
      return GIT_EUSER;
    }
    self.m_username = user;
    return git_credential_userpass_plaintext_new(out, user.c_str(), self.m_password.c_str());
  }
  self.m_no_credential = (allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0
                             ? "a token or a username and password"
                             : "an ssh key (ssh_key or ssh_key_text)";
  git_error_set_str(GIT_ERROR_NET, "no credentials");
  return GIT_EUSER;
}

int RemoteSession::check_certificate(git_cert* cert, int valid, const char* host, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (self.stop_if_cancelled()) {
    return GIT_EUSER;
  }
  const std::string host_name = host == nullptr ? "" : host;
  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
    return self.check_host_key(*reinterpret_cast<const git_cert_hostkey*>(cert), valid, host_name);
  }
  if (valid != 0) {
    return 0;
  }
  self.m_host_problem = fmt::format(
      "{}: the TLS certificate of {} is not trusted: give the CA that signed it as ca_file", self.m_kind, host_name);
  git_error_set_str(GIT_ERROR_SSL, "certificate not trusted");
  return GIT_EUSER;
}

int RemoteSession::check_host_key(const git_cert_hostkey& key, int valid, const std::string& host) {
  if ((key.type & GIT_CERT_SSH_RAW) == 0) {
    m_host_problem = fmt::format("{}: cannot check the ssh host key of {}: libssh2 gave no raw key", m_kind, host);
    git_error_set_str(GIT_ERROR_SSH, "no host key");
    return GIT_EUSER;
  }
  const int port = url_port(m_url);
  const std::string_view blob(key.hostkey, key.hostkey_len);
  std::string known_hosts;
  if (m_known_hosts) {
    known_hosts = *m_known_hosts;
  } else {
    const auto home = environment_value(m_context.environment(), "HOME");
    const char* process_home = std::getenv("HOME");
    const std::string dir = home ? *home : (process_home != nullptr ? process_home : "");
    std::ifstream in(std::filesystem::path(dir) / ".ssh" / "known_hosts");
    std::stringstream text;
    text << in.rdbuf();
    known_hosts = text.str();
  }
  const auto verdict = check_known_host(known_hosts, host, port, blob);
  const std::string where = port == 22 ? host : fmt::format("{}:{}", host, port);
  if (verdict == HostKeyVerdict::mismatch) {
    m_host_problem = fmt::format("{}: the ssh host key of {} ({} {}) differs from the one in known_hosts: refusing to "
                                 "connect (the host changed its key, or someone is in between)",
                                 m_kind, where, key_type_of(blob), sha256_fingerprint(key));
    git_error_set_str(GIT_ERROR_SSH, "host key mismatch");
    return GIT_EUSER;
  }
  if (verdict == HostKeyVerdict::known || (valid != 0 && !m_known_hosts) || !m_strict_host_key) {
    return 0;
  }
  m_host_problem = fmt::format("{}: the ssh host {} is not in known_hosts ({} {}): add it to known_hosts, or set "
                               "strict_host_key: false",
                               m_kind, where, key_type_of(blob), sha256_fingerprint(key));
  git_error_set_str(GIT_ERROR_SSH, "unknown host");
  return GIT_EUSER;
}

bool RemoteSession::stop_if_cancelled() {
  if (m_context.cancel_token().cancelled()) {
    m_cancelled = true;
    git_error_set_str(GIT_ERROR_NET, "cancelled");
    return true;
  }
  return false;
}

void RemoteSession::progress(std::string message, double fraction, bool done) {
  const auto now = std::chrono::steady_clock::now();
  if (!done && now - m_last_progress < std::chrono::milliseconds(250)) {
    return;
  }
  m_last_progress = now;
  m_context.heartbeat(std::move(message), fraction);
}

int RemoteSession::fetch_progress(const git_indexer_progress* stats, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (self.stop_if_cancelled()) {
    return GIT_EUSER;
  }
  if (stats->total_objects > 0) {
    const bool received = stats->received_objects == stats->total_objects;
    const bool done = received && stats->indexed_objects == stats->total_objects;
    const auto count = received ? stats->indexed_objects : stats->received_objects;
    self.progress(fmt::format("{} objects {}/{} ({} KiB)", received ? "indexing" : "receiving", count,
                              stats->total_objects, stats->received_bytes / 1024),
                  static_cast<double>(stats->received_objects + stats->indexed_objects) /
                      (2.0 * stats->total_objects),
                  done);
  }
  return 0;
}

int RemoteSession::push_progress(unsigned int current, unsigned int total, size_t bytes, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (self.stop_if_cancelled()) {
    return GIT_EUSER;
  }
  if (total > 0) {
    self.progress(fmt::format("pushing objects {}/{} ({} KiB)", current, total, bytes / 1024),
                  static_cast<double>(current) / total, current == total);
  }
  return 0;
}

int RemoteSession::sideband(const char*, int, void* payload) {
  return static_cast<RemoteSession*>(payload)->stop_if_cancelled() ? GIT_EUSER : 0;
}

int RemoteSession::push_update(const char* refname, const char* status, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (status != nullptr) {
    self.m_push_rejection = fmt::format("{} rejected {}: {}", self.m_url, refname, status);
  }
  return 0;
}

int RemoteSession::push_negotiation(const git_push_update** updates, size_t count, void* payload) {
  auto& self = *static_cast<RemoteSession*>(payload);
  if (self.stop_if_cancelled()) {
    return GIT_EUSER;
  }
  if (!self.check_push) {
    return 0;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (auto refused = self.check_push(*updates[i])) {
      self.m_refused_push = std::move(refused);
      git_error_set_str(GIT_ERROR_NET, "push refused");
      return GIT_EUSER;
    }
  }
  return 0;
}

std::string RemoteSession::mask(std::string_view text) const {
  std::string out = m_context.mask(text);
  for (const auto& secret : m_secrets) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

engine::StepResult RemoteSession::failure(std::string_view what) const {
  using engine::StepResult;
  if (m_cancelled) {
    StepResult result = StepResult::failure("cancelled");
    result.cancelled = true;
    return result;
  }
  if (m_refused_push) {
    return StepResult::failure(mask(*m_refused_push), false);
  }
  if (!m_host_problem.empty()) {
    return StepResult::failure(mask(m_host_problem), false);
  }
  if (m_auth_failed) {
    std::string advice = "check the username and password";
    if (m_password_is_token) {
      advice = "check the token and its scopes";
    } else if (!m_key_file.empty()) {
      advice = fmt::format("check that the key is authorised for user '{}' on the server", m_username);
    }
    return StepResult::failure(
        mask(fmt::format("{}: authentication failed for {} ({}): {}", m_kind, m_url, method(), advice)), false);
  }
  if (!m_no_credential.empty()) {
    return StepResult::failure(
        mask(fmt::format("{}: {} asks for credentials: give {}", m_kind, m_url, m_no_credential)), false);
  }
  const std::string reason = last_error();
  if (!m_key_file.empty() && (reason.find("private key") != std::string::npos ||
                              reason.find("passphrase") != std::string::npos)) {
    return StepResult::failure(
        mask(fmt::format("{}: cannot use the ssh key for {}: {}; check the key and its passphrase", m_kind, m_url,
                         reason)),
        false);
  }
  return StepResult::failure(mask(fmt::format("{}: {}: {}", m_kind, what, reason)));
}

}  // namespace automata::tools::git
