#include "tools/http/http_client.hpp"

#include <curl/curl.h>

#include "tools/http/curl_library.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>

#include <fmt/format.h>

namespace automata::tools::http {
namespace {

using engine::Duration;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

// Only used once curl_library() has loaded it.
const CurlLibrary& curl() { return *curl_library().value(); }

struct CurlDeleter {
  void operator()(CURL* handle) const { curl().easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl().slist_free_all(list); }
};

struct BodySink {
  CURL* curl = nullptr;
  std::string* body = nullptr;
  const std::function<void(std::string_view)>* on_chunk = nullptr;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (*sink->on_chunk) {
    long status = 0;
    curl().easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      (*sink->on_chunk)(std::string_view(data, size * count));
      return size * count;
    }
  }
  sink->body->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  const std::string_view line(data, size * count);
  // A new status line (after 100 Continue or a redirect) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    return size * count;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers->emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const engine::CancelToken*>(user)->cancelled() ? 1 : 0;
}

std::string describe_wait(Duration wait) {
  if (wait.count() % 1000 == 0) {
    return fmt::format("{}s", wait.count() / 1000);
  }
  return fmt::format("{}ms", wait.count());
}

// Whether the request never reached the server. A timeout counts only when
// no connection was made: a slow reply is something else.
ConnectFailure::Kind classify_connect_failure(const CurlLibrary* lib, CURL* curl, CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ConnectFailure::Kind::unresolved;
    case CURLE_COULDNT_CONNECT:
      return ConnectFailure::Kind::refused;
    case CURLE_OPERATION_TIMEDOUT: {
      double connected_after = 0;
      lib->easy_getinfo(curl, CURLINFO_CONNECT_TIME, &connected_after);
      return connected_after <= 0 ? ConnectFailure::Kind::timed_out : ConnectFailure::Kind::none;
    }
    default:
      return ConnectFailure::Kind::none;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  std::optional<std::string> found;
  for (const auto& [key, value] : headers) {
    if (key == wanted) {
      found = value;
    }
  }
  return found;
}

bool is_retryable_status(long status) { return status == 408 || status == 429 || status >= 500; }

bool is_retryable_response(const HttpResponse& response) {
  if (is_retryable_status(response.status)) {
    return true;
  }
  return response.status == 403 &&
         (response.header("retry-after").has_value() || trim(response.header("x-ratelimit-remaining").value_or("")) == "0");
}

std::optional<Duration> server_requested_wait(const HttpResponse& response, engine::SystemTime now) {
  if (auto retry_after = response.header("retry-after")) {
    const std::string text = trim(*retry_after);
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::chrono::seconds(std::stoll(text));
    }
    auto library = curl_library();
    const time_t when = library.ok() ? library.value()->getdate(text.c_str(), nullptr) : -1;
    if (when >= 0) {
      const auto wait = std::chrono::system_clock::from_time_t(when) - now;
      return std::max(Duration(0), std::chrono::duration_cast<Duration>(wait));
    }
  }
  const auto remaining = response.header("x-ratelimit-remaining");
  const auto reset = response.header("x-ratelimit-reset");
  if (remaining && trim(*remaining) == "0" && reset) {
    try {
      const auto when = std::chrono::system_clock::from_time_t(static_cast<time_t>(std::stoll(*reset)));
      return std::max(Duration(0), std::chrono::duration_cast<Duration>(when - now));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Duration backoff_delay(const RetryOptions& options, int failed_attempt, double unit_random) {
  const double base = static_cast<double>(options.initial_delay.count()) * std::pow(2.0, std::max(0, failed_attempt - 1));
  const double capped = std::min(base, static_cast<double>(options.max_delay.count()));
  const double moved = capped * (1.0 + options.jitter * (2.0 * unit_random - 1.0));
  return Duration(static_cast<Duration::rep>(std::max(0.0, moved)));
}

std::string ConnectFailure::what() const {
  switch (kind) {
    case Kind::refused: return "connection refused";
    case Kind::unresolved: return "the host name does not resolve";
    case Kind::timed_out: return "no answer while connecting";
    case Kind::none: break;
  }
  return {};
}

Result<HttpResponse> perform_once(const HttpRequest& request, const engine::CancelToken& cancel,
                                  ConnectFailure* connect_failure) {
  TRY_ASSIGN(const CurlLibrary* lib, curl_library());
  std::unique_ptr<CURL, CurlDeleter> handle(lib->easy_init());
  if (!handle) {
    return Error::infra("cannot start an HTTP request: curl_easy_init failed");
  }
  CURL* curl = handle.get();
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const auto& [name, value] : request.headers) {
    // "Name;" sends a header with an empty value; "Name:" would remove it.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    header_list.reset(lib->slist_append(header_list.release(), line.c_str()));
  }
  // curl would otherwise wait for a 100 Continue before larger bodies.
  header_list.reset(lib->slist_append(header_list.release(), "Expect:"));

  lib->easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // GET, HEAD and POST in curl's own terms (so a redirect is followed the
  // way HTTP says); any other method by name.
  if (request.method == "HEAD") {
    lib->easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty()) {
    lib->easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    lib->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
    lib->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "GET" && !request.body.empty()) {
    lib->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "GET");
  }
  lib->easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  lib->easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  lib->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(request.timeout.count(), request.connect_timeout.count())));
  lib->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  lib->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) {
    lib->easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  }
  lib->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (request.follow_redirects) {
    lib->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    lib->easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    lib->easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  lib->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  lib->easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  lib->easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  BodySink sink{curl, &response.body, &request.on_body_chunk};
  lib->easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  lib->easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  lib->easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  lib->easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  lib->easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  lib->easy_setopt(curl, CURLOPT_XFERINFODATA, &cancel);

  const CURLcode code = lib->easy_perform(curl);
  if (code == CURLE_ABORTED_BY_CALLBACK || cancel.cancelled()) {
    return Error{Errc::cancelled, fmt::format("{} {}: cancelled", request.method, request.url), {}};
  }
  if (code != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : lib->easy_strerror(code);
    if (connect_failure != nullptr) {
      connect_failure->kind = classify_connect_failure(lib, curl, code);
    }
    std::string hint;
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CONNECT_ERROR) {
      hint = "check the server's certificate, or pass its CA bundle as ca_file";
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
      hint = "raise timeout if the server is slow";
    } else {
      hint = "check the URL and that the server is reachable";
    }
    return Error::failed(fmt::format("{} {} failed: {}", request.method, request.url, detail), hint);
  }
  lib->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

HttpClient::HttpClient(const engine::CancelToken& cancel, RetryOptions options, Sleeper sleeper, RetryNotice notice)
    : m_cancel(cancel), m_options(options), m_sleeper(std::move(sleeper)), m_notice(std::move(notice)) {}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  static thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Duration waited{0};
  for (m_attempts = 1;; ++m_attempts) {
    auto outcome = perform_once(request, m_cancel);
    if (!outcome.ok() && outcome.error().code == Errc::cancelled) {
      return outcome;
    }
    const bool retryable = !outcome.ok() || is_retryable_response(*outcome);
    if (!retryable || m_attempts >= m_options.max_attempts) {
      return outcome;
    }
    Duration delay = backoff_delay(m_options, m_attempts, unit(random));
    std::string why = outcome.ok() ? fmt::format("{}", outcome->status) : "a connection error";
    if (outcome.ok()) {
      if (auto asked = server_requested_wait(*outcome, std::chrono::system_clock::now())) {
        delay = *asked;
      }
    }
    if (waited + delay > m_options.max_total_wait) {
      // Waiting longer than allowed (an hour-long rate-limit reset): give the
      // caller the last answer rather than hanging the step.
      return outcome;
    }
    if (m_notice) {
      m_notice(fmt::format("retrying in {} after {} (attempt {} of {})", describe_wait(delay), why, m_attempts + 1,
                           m_options.max_attempts));
    }
    if (m_sleeper(delay)) {
      return Error{Errc::cancelled, fmt::format("{} {}: cancelled while waiting to retry", request.method, request.url),
                   {}};
    }
    waited += delay;
  }
}

Sleeper cancellable_sleeper(const engine::CancelToken& cancel) {
  return [&cancel](Duration duration) { return cancel.wait_for(duration); };
}

}  // namespace automata::tools::http
