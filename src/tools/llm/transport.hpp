#pragma once
// What both wire protocols share: one POST with the retry policy of the
// providers' own SDKs (408, 409, 429, 5xx and Anthropic's 529 retried with
// backoff and jitter, Retry-After honoured; 400, 401, 403, 404 and quota
// exhaustion fail at once), and errors worded from the provider's own
// message with the key taken out. Unlike the SDKs, a server that cannot be
// reached at all fails at once, naming the URL posted to: retrying a
// connection refused for minutes only delays the one message that matters.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/process.hpp"
#include "engine/result.hpp"
#include "tools/http/http_client.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

// Waits `duration`, ending early on `cancel` (may be null); true if cancelled.
using Waiter = std::function<bool(engine::Duration duration, const engine::CancelToken* cancel)>;

struct ClientOptions {
  http::RetryOptions retry;                                   // max_attempts 4: three retries
  engine::Duration timeout{std::chrono::minutes(10)};         // one attempt, a long reply included
  // A server that is not there is known in seconds: connecting takes no
  // longer than this, and a request that never reached the server (refused,
  // a name that does not resolve, no answer to connecting) is not retried.
  engine::Duration connect_timeout{std::chrono::seconds(10)};
  std::string ca_file;                                        // extra CA bundle for a self-hosted server
  Waiter wait;                                                // empty: sleep, cut short by the cancel token
};

// Reads `retries`, `retry_delay`, `max_retry_wait`, `timeout` and `ca_file`
// from a step's parameters (as the http kinds name them).
ClientOptions client_options(const Value& params);

// One POST as the protocols send it. `start_attempt` runs before every
// attempt (a streamed reply starts over). A 2xx response is returned (its
// body empty when streamed through on_body_chunk); anything else becomes an
// Error: Errc::usage when another attempt cannot help, Errc::cancelled,
// else Errc::infra. `stream_problem` says why a streamed 2xx reply is not
// whole (cut off before its end, an `error` event inside it): such a reply
// is retried like a 5xx.
struct Exchange {
  const ChatSettings& settings;
  const ClientOptions& options;
  const ChatObserver& observer;
  std::function<void()> start_attempt;
  std::function<std::optional<std::string>()> stream_problem;
};
Result<http::HttpResponse> post_json(const Exchange& exchange, http::HttpRequest request);

// The provider's own words from an error body ({"error":{"message":…}},
// {"error":"…"}, {"message":…}), else a one-line excerpt of the body.
std::string provider_message(std::string_view body);

// `text` with every occurrence of `secret` replaced by "***".
std::string redact(std::string text, std::string_view secret);

// The error for a reply that could not be read (a malformed body or stream).
Error unreadable_reply(const ChatSettings& settings, const std::string& what);

}  // namespace automata::tools::llm
