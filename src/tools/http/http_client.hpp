#pragma once
// A small libcurl client shared by http.request and the forge kinds: one
// request in, one response out, retried on connection errors, 408, 429 and
// 5xx with exponential backoff and jitter, honouring Retry-After and GitHub's
// x-ratelimit-* headers. Waits go through an injected function so tests do
// not sleep and a cancelled step stops waiting at once.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/clock.hpp"
#include "engine/process.hpp"
#include "engine/result.hpp"

namespace automata::tools::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  engine::Duration timeout{std::chrono::seconds(30)};
  // At most this long to connect (and never more than `timeout`).
  engine::Duration connect_timeout{std::chrono::seconds(30)};
  std::string ca_file;  // extra CA bundle for self-hosted servers; verification stays on
  bool follow_redirects = false;  // up to 5; curl keeps credentials to the first host only
  // Streamed responses (server-sent events): when set, the body of a 2xx
  // response is handed over here as it arrives and not kept in
  // HttpResponse::body; any other status is still kept whole, for the error.
  std::function<void(std::string_view)> on_body_chunk;
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names lower-case, in the order received
  std::string body;

  // The last value of a header (name in any case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// A request that never reached the server: nobody listens at the port, the
// host name does not resolve, or nothing answered within connect_timeout.
// Another attempt a second later rarely finds it different.
struct ConnectFailure {
  enum class Kind { none, refused, unresolved, timed_out };
  Kind kind = Kind::none;
  std::string what() const;  // "connection refused", "the host name does not resolve", ...
};

struct RetryOptions {
  int max_attempts = 4;  // 1: no retries
  engine::Duration initial_delay{std::chrono::seconds(1)};
  engine::Duration max_delay{std::chrono::seconds(60)};        // one backoff wait at most
  engine::Duration max_total_wait{std::chrono::minutes(2)};   // all waits of one send()
  double jitter = 0.2;                                         // +/- this share of each backoff
};

// Waits `duration`; returns true when it was cut short by cancellation.
using Sleeper = std::function<bool(engine::Duration)>;
// Told before each wait, e.g. "retrying in 3s after 429".
using RetryNotice = std::function<void(const std::string&)>;

// Whether a response status is worth another attempt.
bool is_retryable_status(long status);

// A retryable status, or GitHub's rate-limit 403 (x-ratelimit-remaining: 0,
// or a Retry-After from a secondary limit).
bool is_retryable_response(const HttpResponse& response);

// How long the server asks us to wait, from Retry-After (seconds or an HTTP
// date) or, failing that, x-ratelimit-remaining: 0 with x-ratelimit-reset
// (epoch seconds); nullopt when it says nothing.
std::optional<engine::Duration> server_requested_wait(const HttpResponse& response, engine::SystemTime now);

// The backoff before attempt `failed_attempt + 1`, `unit_random` in [0,1).
engine::Duration backoff_delay(const RetryOptions& options, int failed_attempt, double unit_random);

// One attempt, no retries. A response with any status is a success here;
// an Error means no response (connection, TLS, timeout) or cancellation
// (Errc::cancelled). `connect_failure`, when given, says whether the request
// never reached the server, and why.
Result<HttpResponse> perform_once(const HttpRequest& request, const engine::CancelToken& cancel,
                                  ConnectFailure* connect_failure = nullptr);

class HttpClient {
 public:
  HttpClient(const engine::CancelToken& cancel, RetryOptions options, Sleeper sleeper, RetryNotice notice = {});

  // Sends with retries. After the last attempt a retryable status is returned
  // as a response (the caller words the error); a connection error as Error.
  Result<HttpResponse> send(const HttpRequest& request);

  int attempts_made() const { return m_attempts; }

 private:
  const engine::CancelToken& m_cancel;
  RetryOptions m_options;
  Sleeper m_sleeper;
  RetryNotice m_notice;
  int m_attempts = 0;
};

// A Sleeper that waits on the cancel token.
Sleeper cancellable_sleeper(const engine::CancelToken& cancel);

}  // namespace automata::tools::http
