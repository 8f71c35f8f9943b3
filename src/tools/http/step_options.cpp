#include <filesystem>
#include "tools/http/step_options.hpp"

#include "engine/loader.hpp"

namespace automata::tools::http {
namespace {

using engine::ParamSpec;
using engine::ParamType;

engine::Duration duration_or(const Value& params, const char* name, engine::Duration fallback) {
  const auto it = params.find(name);
  if (it == params.end() || !it->is_string()) {
    return fallback;
  }
  return engine::parse_duration(it->get<std::string>()).value_or(fallback);
}

}  // namespace

std::vector<ParamSpec> shared_http_params() {
  return {
      {"timeout", ParamType::duration, false, "time allowed for each attempt", "30s", {}},
      {"retries", ParamType::integer, false, "extra attempts after connection errors, 408, 429 and 5xx", 3, {}},
      {"retry_delay", ParamType::duration, false, "first backoff wait; doubles each retry, with jitter", "1s", {}},
      {"max_retry_wait", ParamType::duration, false,
       "most time spent waiting between attempts (a longer Retry-After or rate-limit reset fails the step)", "2m", {}},
      {"ca_file", ParamType::string, false, "CA bundle for a self-hosted server's certificate", nullptr, {}},
      {"dry_run", ParamType::boolean, false, "print the request instead of sending it", false, {}},
  };
}

std::string ca_file_param(const engine::StepContext& context) {
  const std::string given = string_param(context.params(), "ca_file");
  if (given.empty()) {
    return given;
  }
  const std::filesystem::path path(given);
  return path.is_absolute() ? given : (context.working_directory() / path).string();
}

std::string string_param(const Value& params, const char* name, std::string fallback) {
  const auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool bool_param(const Value& params, const char* name, bool fallback) {
  const auto it = params.find(name);
  return it != params.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

RetryOptions retry_options(const Value& params) {
  RetryOptions options;
  const auto retries = params.find("retries");
  if (retries != params.end() && retries->is_number_integer()) {
    options.max_attempts = 1 + std::max(0, retries->get<int>());
  }
  options.initial_delay = duration_or(params, "retry_delay", options.initial_delay);
  options.max_delay = std::max(options.max_delay, options.initial_delay);
  options.max_total_wait = duration_or(params, "max_retry_wait", options.max_total_wait);
  return options;
}

engine::Duration timeout_param(const Value& params) {
  return duration_or(params, "timeout", std::chrono::seconds(30));
}

bool dry_run_requested(const engine::StepContext& context) {
  return context.dry_run() || bool_param(context.params(), "dry_run");
}

HttpClient make_client(engine::StepContext& context) {
  return HttpClient(context.cancel_token(), retry_options(context.params()), cancellable_sleeper(context.cancel_token()),
                    [&context](const std::string& message) { context.heartbeat(message); });
}

Value dry_run_outputs(Value extra) {
  extra["dry_run"] = true;
  return extra;
}

}  // namespace automata::tools::http
