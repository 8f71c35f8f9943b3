#include "tools/http/http_request_step.hpp"

#include <strings.h>

#include <fmt/format.h>

#include "tools/http/request_format.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools {
namespace {

using engine::OutputStream;
using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

bool status_expected(const Value& expect, long status) {
  if (!expect.is_array() || expect.empty()) {
    return status >= 200 && status < 300;
  }
  for (const auto& wanted : expect) {
    if (wanted.is_number_integer() && wanted.get<long>() == status) {
      return true;
    }
    // "2xx", "4xx": a whole class.
    if (wanted.is_string()) {
      const auto text = wanted.get<std::string>();
      if (text.size() == 3 && text.substr(1) == "xx" && text[0] - '0' == status / 100) {
        return true;
      }
      if (text == std::to_string(status)) {
        return true;
      }
    }
  }
  return false;
}

std::string describe_expected(const Value& expect) {
  if (!expect.is_array() || expect.empty()) {
    return "2xx";
  }
  std::string text;
  for (const auto& wanted : expect) {
    text += (text.empty() ? "" : ", ") + (wanted.is_string() ? wanted.get<std::string>() : wanted.dump());
  }
  return text;
}

http::HttpRequest build_request(const engine::StepContext& context) {
  const Value& params = context.params();
  http::HttpRequest request;
  request.url = http::string_param(params, "url");
  request.method = http::string_param(params, "method", "GET");
  request.timeout = http::timeout_param(params);
  request.ca_file = http::ca_file_param(context);
  request.follow_redirects = http::bool_param(params, "follow_redirects", true);
  bool has_content_type = false;
  if (const auto headers = params.find("headers"); headers != params.end() && headers->is_object()) {
    for (const auto& [name, value] : headers->items()) {
      request.headers.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
      has_content_type = has_content_type || strcasecmp(name.c_str(), "content-type") == 0;
    }
  }
  if (const auto json = params.find("json"); json != params.end() && !json->is_null()) {
    request.body = json->dump();
    if (!has_content_type) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
  } else {
    request.body = http::string_param(params, "body");
  }
  return request;
}

class HttpRequestKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "http.request"; }
  std::string_view summary() const override { return "send an HTTP request; retried on 408, 429, 5xx"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = [] {
      std::vector<ParamSpec> specs = {
          {"url", ParamType::string, true, "http:// or https:// URL", nullptr, {}},
          {"method", ParamType::string, false, "the HTTP method", "GET",
           {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}},
          {"headers", ParamType::object, false, "request headers, name: value", nullptr, {}},
          {"body", ParamType::string, false, "request body as text", nullptr, {}},
          {"json", ParamType::any, false, "request body as JSON (sets Content-Type)", nullptr, {}},
          {"follow_redirects", ParamType::boolean, false, "follow up to 5 redirects", true, {}},
          {"expect_status", ParamType::list, false, "statuses that count as success (404, \"4xx\"); default 2xx",
           nullptr, {}},
      };
      for (auto& shared : http::shared_http_params()) {
        specs.push_back(std::move(shared));
      }
      return specs;
    }();
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const http::HttpRequest request = build_request(context);
    if (params.contains("json") && !params["json"].is_null() && params.contains("body") && !params["body"].is_null()) {
      return StepResult::failure("http.request: give body or json, not both", false);
    }
    const bool reads_only = request.method == "GET" || request.method == "HEAD";
    if (http::dry_run_requested(context) && !reads_only) {
      context.output(OutputStream::out, context.mask("dry run: would send\n" + http::format_request(request)));
      return StepResult::success(http::dry_run_outputs({{"method", request.method}, {"url", context.mask(request.url)}}));
    }
    auto client = http::make_client(context);
    auto sent = client.send(request);
    if (!sent.ok()) {
      if (sent.error().code == Errc::cancelled) {
        StepResult cancelled = StepResult::failure(context.mask("http.request: " + sent.error().message));
        cancelled.cancelled = true;
        return cancelled;
      }
      return StepResult::failure(context.mask(fmt::format("http.request: {} after {} attempt(s): {}",
                                                          sent.error().message, client.attempts_made(),
                                                          sent.error().hint)));
    }
    const http::HttpResponse& response = *sent;
    Value headers = Value::object();
    for (const auto& [name, value] : response.headers) {
      const std::string masked = context.mask(value);
      headers[name] = headers.contains(name) ? headers[name].get<std::string>() + ", " + masked : masked;
    }
    const std::string body = context.mask(response.body);
    Value outputs = {{"status", response.status}, {"headers", headers}, {"body", body}};
    const std::string content_type = response.header("content-type").value_or("");
    if (content_type.find("json") != std::string::npos) {
      Value parsed = Value::parse(body, nullptr, false);
      if (!parsed.is_discarded()) {
        outputs["json"] = std::move(parsed);
      }
    }
    const Value expect = params.value("expect_status", Value());
    if (!status_expected(expect, response.status)) {
      const bool retryable = http::is_retryable_response(response);
      StepResult failed = StepResult::failure(
          context.mask(fmt::format("http.request: {} {} returned {} ({}); expected {}{}", request.method, request.url,
                                   response.status, http::body_excerpt(response.body, 200), describe_expected(expect),
                                   retryable ? fmt::format(", after {} attempt(s)", client.attempts_made()) : "")),
          retryable);
      failed.outputs = std::move(outputs);
      return failed;
    }
    return StepResult::success(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_http_request_kind() { return std::make_unique<HttpRequestKind>(); }

}  // namespace automata::tools
