#pragma once
// Talking to a remote: credentials from parameters (rendered secrets) or
// named variables of the step environment, host checks, progress and
// cancellation, all as one set of libgit2 remote callbacks.
//
// Credentials never go into a URL, .git/config or any text this prints; an
// ssh key given as text lives in a 0600 file in the run directory for the
// length of the session. A credential the server rejects is not offered
// twice: the failure is reported at once instead of libgit2 asking again.
// A ca_file is trusted besides the system's CAs, from then on for the whole
// process (libgit2 has one certificate store).
#include <git2.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "engine/step_kind.hpp"

namespace automata::tools::git {

// The parameters of every kind that talks to a remote.
void append_remote_params(std::vector<engine::ParamSpec>& params);

class RemoteSession {
 public:
  RemoteSession(engine::StepContext& context, std::string kind);
  ~RemoteSession();
  RemoteSession(const RemoteSession&) = delete;
  RemoteSession& operator=(const RemoteSession&) = delete;

  // Reads the credential parameters for talking to `url`.
  Result<void> prepare(std::string url);
  // Callbacks whose payload is this session (it must outlive the transfer).
  git_remote_callbacks callbacks();
  // Decides a push before it is sent (force-with-lease); a message refuses it.
  std::function<std::optional<std::string>(const git_push_update& update)> check_push;
  // A status a server gave for a pushed ref ("non-fast-forward"), if any.
  const std::optional<std::string>& push_rejection() const { return m_push_rejection; }

  // The result for a libgit2 call that failed: `what` reads "cannot clone <url>".
  engine::StepResult failure(std::string_view what) const;
  // Masks the step's secrets and the credentials of this session.
  std::string mask(std::string_view text) const;
  const std::string& url() const { return m_url; }

 private:
  static int acquire_credential(git_credential** out, const char* url, const char* username_from_url,
                                unsigned int allowed_types, void* payload);
  static int check_certificate(git_cert* cert, int valid, const char* host, void* payload);
  static int fetch_progress(const git_indexer_progress* stats, void* payload);
  static int push_progress(unsigned int current, unsigned int total, size_t bytes, void* payload);
  static int sideband(const char* text, int length, void* payload);
  static int push_update(const char* refname, const char* status, void* payload);
  static int push_negotiation(const git_push_update** updates, size_t count, void* payload);

  bool stop_if_cancelled();
  void progress(std::string message, double fraction, bool done);
  int check_host_key(const git_cert_hostkey& key, int valid, const std::string& host);
  std::string method() const;

  engine::StepContext& m_context;
  std::string m_kind;
  std::string m_url;
  std::string m_username;
  std::string m_password;  // a password, or a token
  bool m_password_is_token = false;
  std::filesystem::path m_key_file;
  bool m_key_file_owned = false;
  std::string m_passphrase;
  std::optional<std::string> m_known_hosts;
  bool m_strict_host_key = true;
  std::vector<std::string> m_secrets;

  int m_attempts = 0;
  bool m_auth_failed = false;
  std::string m_no_credential;  // what the server asked for that we did not have
  std::string m_host_problem;
  bool m_cancelled = false;
  std::optional<std::string> m_push_rejection;
  std::optional<std::string> m_refused_push;
  std::chrono::steady_clock::time_point m_last_progress{};
  std::shared_lock<std::shared_mutex> m_tls_lock;  // the certificate store stays while we talk
};

}  // namespace automata::tools::git
