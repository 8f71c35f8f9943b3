#include "tools/llm/transport.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "engine/loader.hpp"
#include "tools/llm/provider_settings.hpp"

namespace automata::tools::llm {
namespace {

using engine::Duration;

Duration duration_or(const Value& params, const char* name, Duration fallback) {
  const auto it = params.find(name);
  if (it == params.end() || !it->is_string()) {
    return fallback;
  }
  return engine::parse_duration(it->get<std::string>()).value_or(fallback);
}

std::string describe_wait(Duration wait) {
  if (wait.count() % 1000 == 0) {
    return fmt::format("{}s", wait.count() / 1000);
  }
  return fmt::format("{}ms", wait.count());
}

bool retryable_status(long status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;  // 529: Anthropic overloaded
}

// A 429 that means the money ran out: waiting will not clear it.
bool quota_exhausted(std::string_view body) {
  for (const char* marker : {"insufficient_quota", "credit_balance", "enforced_spend_limit", "billing_hard_limit"}) {
    if (body.find(marker) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// retry-after-ms (OpenAI's SDKs honour it first), then Retry-After.
std::optional<Duration> requested_wait(const http::HttpResponse& response) {
  if (auto ms = response.header("retry-after-ms")) {
    try {
      return Duration(static_cast<Duration::rep>(std::max(0.0, std::stod(*ms))));
    } catch (const std::exception&) {
      // fall through to Retry-After
    }
  }
  if (auto seconds = response.header("retry-after")) {
    // Fractional seconds ("1.5") occur on these APIs; http's reader takes whole ones and dates.
    try {
      std::size_t used = 0;
      const double value = std::stod(*seconds, &used);
      if (used == seconds->size()) {
        return Duration(static_cast<Duration::rep>(std::max(0.0, value * 1000.0)));
      }
    } catch (const std::exception&) {
      // an HTTP date
    }
  }
  return http::server_requested_wait(response, std::chrono::system_clock::now());
}

std::string hint_for(const ChatSettings& settings, long status) {
  const std::string variable = key_variable(settings.provider);
  switch (status) {
    case 401:
    case 403:
      return variable.empty() ? "check api_key (or AUTOMATA_LLM_API_KEY)" : fmt::format("check {}", variable);
    case 404:
      return "check the model name and base_url";
    case 400:
    case 422:
      return "check the model name and the step's parameters";
    case 429:
      return "check the account's credit and rate limits";
    default:
      return "try again later";
  }
}

bool default_wait(Duration duration, const engine::CancelToken* cancel) {
  if (cancel != nullptr) {
    return cancel->wait_for(duration);
  }
  std::this_thread::sleep_for(duration);
  return false;
}

const engine::CancelToken& never_cancelled() {
  static const engine::CancelToken k_token;
  return k_token;
}

// The request never reached the server: one error, at once, naming the URL
// posted to (and so the protocol: /chat/completions or /messages).
Error unreachable(const ChatSettings& settings, const ClientOptions& options, const std::string& url,
                  const http::ConnectFailure& failure) {
  std::string what = failure.what();
  std::string hint = fmt::format("check that the server runs and listens at {}", settings.base_url);
  if (failure.kind == http::ConnectFailure::Kind::unresolved) {
    hint = fmt::format("check the host name in {}", settings.base_url);
  } else if (failure.kind == http::ConnectFailure::Kind::timed_out) {
    what += fmt::format(" for {}", describe_wait(std::min(options.connect_timeout, options.timeout)));
    hint = "check the URL, and that the network reaches the server";
  }
  return Error::infra(
      redact(fmt::format("cannot reach {}: {} (POST {})", describe_provider(settings), what, url), settings.api_key),
      hint);
}

}  // namespace

ClientOptions client_options(const Value& params) {
  ClientOptions options;
  const auto retries = params.find("retries");
  if (retries != params.end() && retries->is_number_integer()) {
    options.retry.max_attempts = 1 + std::max(0, retries->get<int>());
  }
  options.retry.initial_delay = duration_or(params, "retry_delay", options.retry.initial_delay);
  options.retry.max_delay = std::max(options.retry.max_delay, options.retry.initial_delay);
  options.retry.max_total_wait = duration_or(params, "max_retry_wait", options.retry.max_total_wait);
  options.timeout = duration_or(params, "timeout", options.timeout);
  const auto ca_file = params.find("ca_file");
  if (ca_file != params.end() && ca_file->is_string()) {
    options.ca_file = ca_file->get<std::string>();
  }
  return options;
}

std::string provider_message(std::string_view body) {
  const Value parsed = Value::parse(body, nullptr, false);
  if (parsed.is_object()) {
    const auto error = parsed.find("error");
    if (error != parsed.end() && error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
      return (*error)["message"].get<std::string>();
    }
    if (error != parsed.end() && error->is_string()) {
      return error->get<std::string>();
    }
    if (parsed.contains("message") && parsed["message"].is_string()) {
      return parsed["message"].get<std::string>();
    }
  }
  std::string excerpt;
  for (char c : body.substr(0, 200)) {
    excerpt += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  if (body.size() > 200) {
    excerpt += "…";
  }
  return excerpt.empty() ? "empty body" : excerpt;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) {
    return text;
  }
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

Error unreadable_reply(const ChatSettings& settings, const std::string& what) {
  return Error::infra(redact(fmt::format("{} sent a reply that cannot be read: {}", describe_provider(settings), what),
                             settings.api_key),
                      "check that base_url points at the provider's API root");
}

Result<http::HttpResponse> post_json(const Exchange& exchange, http::HttpRequest request) {
  static thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const ChatSettings& settings = exchange.settings;
  const http::RetryOptions& retry = exchange.options.retry;
  const engine::CancelToken& cancel = exchange.observer.cancel != nullptr ? *exchange.observer.cancel : never_cancelled();
  const Waiter wait = exchange.options.wait ? exchange.options.wait : Waiter(default_wait);
  const std::string who = describe_provider(settings);
  request.method = "POST";
  request.timeout = exchange.options.timeout;
  request.connect_timeout = exchange.options.connect_timeout;
  request.ca_file = exchange.options.ca_file;
  request.headers.emplace_back("Content-Type", "application/json");

  Duration waited{0};
  for (int attempt = 1;; ++attempt) {
    if (exchange.start_attempt) {
      exchange.start_attempt();
    }
    http::ConnectFailure connect_failure;
    auto outcome = http::perform_once(request, cancel, &connect_failure);
    if (!outcome.ok() && outcome.error().code == Errc::cancelled) {
      return Error{Errc::cancelled, fmt::format("the request to {} was cancelled", who), {}};
    }
    if (!outcome.ok() && connect_failure.kind != http::ConnectFailure::Kind::none) {
      return unreachable(settings, exchange.options, request.url, connect_failure);
    }
    std::string why;        // for the retry note
    std::string failure;    // the error if no attempt is left
    std::string hint = "try again later";
    std::optional<Duration> asked;
    if (!outcome.ok()) {
      why = "a connection error";
      failure = fmt::format("cannot reach {}: {}", who, outcome.error().message);
      hint = outcome.error().hint;
    } else {
      const http::HttpResponse& response = *outcome;
      if (response.status >= 200 && response.status < 300) {
        const auto problem = exchange.stream_problem ? exchange.stream_problem() : std::nullopt;
        if (!problem) {
          return outcome;
        }
        why = "a broken stream";
        failure = fmt::format("{} broke off its reply: {}", who, *problem);
      } else {
        const std::string message = provider_message(response.body);
        failure = fmt::format("{} answered {} ({})", who, response.status, message);
        hint = hint_for(settings, response.status);
        const auto should_retry = response.header("x-should-retry");
        const bool retryable = should_retry ? *should_retry == "true"
                                            : retryable_status(response.status) && !quota_exhausted(response.body);
        if (!retryable) {
          return Error::usage(redact(failure, settings.api_key), hint);
        }
        why = fmt::format("{}", response.status);
        asked = requested_wait(response);
      }
    }
    if (attempt >= retry.max_attempts) {
      return Error::infra(redact(fmt::format("{} after {} attempt(s)", failure, attempt), settings.api_key), hint);
    }
    const Duration delay = asked.value_or(http::backoff_delay(retry, attempt, unit(random)));
    if (waited + delay > retry.max_total_wait) {
      return Error::infra(redact(fmt::format("{}; it asks to wait {}, more than max_retry_wait", failure,
                                             describe_wait(delay)),
                                 settings.api_key),
                          hint);
    }
    if (exchange.observer.on_retry) {
      exchange.observer.on_retry(fmt::format("{} from {}: retrying in {} (attempt {} of {})", why, who,
                                             describe_wait(delay), attempt + 1, retry.max_attempts));
    }
    if (wait(delay, exchange.observer.cancel)) {
      return Error{Errc::cancelled, fmt::format("cancelled while waiting to retry {}", who), {}};
    }
    waited += delay;
  }
}

}  // namespace automata::tools::llm
