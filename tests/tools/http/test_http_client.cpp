// The libcurl client against a real local server: what is sent, what comes
// back, and when and how long it waits before trying again.
#include "tools/http/http_client.hpp"

#include <doctest/doctest.h>

#include <thread>

#include "support/http_stub_server.hpp"
#include "tools/http/request_format.hpp"

using namespace automata;
using namespace automata::tools::http;
using namespace std::chrono_literals;
using automata::test::HttpStubServer;
using automata::test::StubResponse;

namespace {

// Records the waits instead of sleeping.
struct RecordedWaits {
  std::vector<engine::Duration> waits;
  Sleeper sleeper() {
    return [this](engine::Duration duration) {
      waits.push_back(duration);
      return false;
    };
  }
};

HttpRequest get(std::string url, engine::Duration timeout) {
  HttpRequest request;
  request.url = std::move(url);
  request.timeout = timeout;
  return request;
}

RetryOptions quick_retries(int attempts) {
  RetryOptions options;
  options.max_attempts = attempts;
  options.initial_delay = 100ms;
  options.jitter = 0.0;
  return options;
}

StubResponse status_only(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  StubResponse response = StubResponse::json(status, R"({"message":"busy"})");
  for (auto& header : headers) {
    response.headers.push_back(std::move(header));
  }
  return response;
}

}  // namespace

TEST_SUITE("http client") {

TEST_CASE("a request reaches the server whole; the response comes back with lower-case header names") {
  HttpStubServer server;
  StubResponse reply = StubResponse::json(201, R"({"id":7})");
  reply.headers.emplace_back("X-Request-Id", "abc");
  server.enqueue(reply);
  engine::CancelToken cancel;
  HttpRequest request;
  request.method = "POST";
  request.url = server.url() + "/things?x=1";
  request.headers = {{"Content-Type", "application/json"}, {"X-Custom", "yes"}};
  request.body = R"({"name":"a"})";
  auto response = perform_once(request, cancel);
  REQUIRE(response.ok());
  CHECK(response->status == 201);
  CHECK(response->body == R"({"id":7})");
  CHECK(response->header("X-REQUEST-ID") == "abc");
  CHECK(response->header("content-type") == "application/json; charset=utf-8");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/things?x=1");
  CHECK(requests[0].header("x-custom") == "yes");
  CHECK(requests[0].header("expect") == std::nullopt);
  CHECK(requests[0].body == R"({"name":"a"})");
}

TEST_CASE("HEAD, DELETE and PATCH are sent as such") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return StubResponse::json(200, R"({"x":1})"); });
  engine::CancelToken cancel;
  for (const char* method : {"HEAD", "DELETE", "PATCH", "GET", "POST"}) {
    CAPTURE(method);
    HttpRequest request;
    request.method = method;
    request.url = server.url() + "/m";
    auto response = perform_once(request, cancel);
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->body == (std::string(method) == "HEAD" ? "" : R"({"x":1})"));
    CHECK(server.requests().back().method == method);
  }
}

TEST_CASE("a large body is sent without waiting for 100 Continue") {
  HttpStubServer server;
  server.enqueue(StubResponse::json(200, "{}"));
  engine::CancelToken cancel;
  HttpRequest request;
  request.method = "PUT";
  request.url = server.url() + "/big";
  request.body = std::string(100000, 'x');
  auto response = perform_once(request, cancel);
  REQUIRE(response.ok());
  CHECK(server.requests().at(0).body.size() == 100000);
}

TEST_CASE("nothing listening: an error saying what failed and what to check") {
  int port = 0;
  {
    HttpStubServer closed;
    port = closed.port();
  }
  engine::CancelToken cancel;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  auto response = perform_once(request, cancel);
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().message.rfind("GET http://127.0.0.1:" + std::to_string(port) + "/x failed: ", 0) == 0);
  CHECK(response.error().hint == "check the URL and that the server is reachable");
}

TEST_CASE("retryable statuses: 408, 429 and 5xx") {
  CHECK(is_retryable_status(408));
  CHECK(is_retryable_status(429));
  CHECK(is_retryable_status(500));
  CHECK(is_retryable_status(503));
  CHECK_FALSE(is_retryable_status(404));
  CHECK_FALSE(is_retryable_status(422));
  CHECK_FALSE(is_retryable_status(200));
}

TEST_CASE("server-requested waits: Retry-After seconds or date, else GitHub's rate-limit reset") {
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  HttpResponse response;
  CHECK(server_requested_wait(response, now) == std::nullopt);
  response.headers = {{"retry-after", "7"}};
  CHECK(server_requested_wait(response, now) == engine::Duration(7000));
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  response.headers = {{"retry-after", "Tue, 14 Nov 2023 22:13:50 GMT"}};
  CHECK(server_requested_wait(response, now) == engine::Duration(30000));
  response.headers = {{"retry-after", "Tue, 14 Nov 2023 22:00:00 GMT"}};
  CHECK(server_requested_wait(response, now) == engine::Duration(0));
  response.headers = {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1700000042"}};
  CHECK(server_requested_wait(response, now) == engine::Duration(42000));
  response.headers = {{"x-ratelimit-remaining", "12"}, {"x-ratelimit-reset", "1700000042"}};
  CHECK(server_requested_wait(response, now) == std::nullopt);
}

TEST_CASE("backoff doubles from the initial delay, is capped, and jitter moves it both ways") {
  RetryOptions options;
  options.initial_delay = 1000ms;
  options.max_delay = 5000ms;
  options.jitter = 0.2;
  CHECK(backoff_delay(options, 1, 0.5) == 1000ms);
  CHECK(backoff_delay(options, 2, 0.5) == 2000ms);
  CHECK(backoff_delay(options, 3, 0.5) == 4000ms);
  CHECK(backoff_delay(options, 4, 0.5) == 5000ms);
  CHECK(backoff_delay(options, 1, 0.0) == 800ms);
  CHECK(backoff_delay(options, 1, 0.999999) == 1199ms);
}

TEST_CASE("5xx answers are retried with backoff until one succeeds") {
  HttpStubServer server;
  server.enqueue(status_only(503));
  server.enqueue(status_only(502));
  server.enqueue(StubResponse::json(200, R"({"ok":true})"));
  engine::CancelToken cancel;
  RecordedWaits waits;
  std::vector<std::string> notices;
  HttpClient client(cancel, quick_retries(4), waits.sleeper(), [&](const std::string& text) { notices.push_back(text); });
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(client.attempts_made() == 3);
  CHECK(waits.waits == std::vector<engine::Duration>{100ms, 200ms});
  CHECK(notices == std::vector<std::string>{"retrying in 100ms after 503 (attempt 2 of 4)",
                                            "retrying in 200ms after 502 (attempt 3 of 4)"});
  CHECK(server.requests().size() == 3);
}

TEST_CASE("429 waits as long as Retry-After says") {
  HttpStubServer server;
  server.enqueue(status_only(429, {{"Retry-After", "3"}}));
  server.enqueue(StubResponse::json(200, "{}"));
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(waits.waits == std::vector<engine::Duration>{3000ms});
}

TEST_CASE("attempts exhausted: the last answer is returned for the caller to word") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return status_only(500); });
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 500);
  CHECK(client.attempts_made() == 3);
  CHECK(server.requests().size() == 3);
}

TEST_CASE("GitHub's rate-limit 403 is retried once the reset time comes") {
  HttpStubServer server;
  const auto reset = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 2;
  server.enqueue(status_only(403, {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", std::to_string(reset)}}));
  server.enqueue(StubResponse::json(200, "{}"));
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  REQUIRE(waits.waits.size() == 1);
  CHECK(waits.waits[0] > 0ms);
  CHECK(waits.waits[0] <= 2000ms);
  // A plain 403 (no permission) is final.
  HttpResponse forbidden;
  forbidden.status = 403;
  CHECK_FALSE(is_retryable_response(forbidden));
}

TEST_CASE("connection errors are retried, then reported") {
  int port = 0;
  {
    HttpStubServer closed;
    port = closed.port();
  }
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get("http://127.0.0.1:" + std::to_string(port) + "/x", 5s));
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == Errc::failed);
  CHECK(client.attempts_made() == 3);
  CHECK(waits.waits.size() == 2);
}

TEST_CASE("cancelling stops a transfer that is under way") {
  HttpStubServer server;
  server.set_handler([](const auto&) {
    std::this_thread::sleep_for(1500ms);
    return StubResponse::json(200, "{}");
  });
  engine::CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto response = perform_once(get(server.url() + "/slow", 10s), cancel);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == Errc::cancelled);
  CHECK(elapsed < 1200ms);
}

TEST_CASE("a wait longer than the total allowed is not waited") {
  HttpStubServer server;
  server.enqueue(status_only(429, {{"Retry-After", "3600"}}));
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 429);
  CHECK(waits.waits.empty());
  CHECK(server.requests().size() == 1);
}

TEST_CASE("4xx is not retried") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return status_only(404); });
  engine::CancelToken cancel;
  RecordedWaits waits;
  HttpClient client(cancel, quick_retries(3), waits.sleeper());
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE(response.ok());
  CHECK(response->status == 404);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("cancelling during a wait ends send() as cancelled; a cancelled token stops the transfer") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return status_only(503); });
  engine::CancelToken cancel;
  HttpClient client(cancel, quick_retries(3), [&](engine::Duration) {
    cancel.cancel();
    return true;
  });
  auto response = client.send(get(server.url() + "/x", 5s));
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().code == Errc::cancelled);
  auto again = perform_once(get(server.url() + "/x", 5s), cancel);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Errc::cancelled);
}

TEST_CASE("the real sleeper wakes at once on cancel") {
  engine::CancelToken cancel;
  cancel.cancel();
  const auto start = std::chrono::steady_clock::now();
  CHECK(cancellable_sleeper(cancel)(10s));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("the request formatter shows credentials as ***, keeping the scheme word") {
  HttpRequest request;
  request.method = "POST";
  request.url = "https://api.github.com/repos/acme/app/pulls";
  request.headers = {{"Authorization", "Bearer ghp_secret"},
                     {"PRIVATE-TOKEN", "glpat-secret"},
                     {"Accept", "application/vnd.github+json"}};
  request.body = R"({"title":"x"})";
  CHECK(format_request(request) ==
        "POST https://api.github.com/repos/acme/app/pulls\n"
        "Authorization: Bearer ***\n"
        "PRIVATE-TOKEN: ***\n"
        "Accept: application/vnd.github+json\n"
        "\n"
        "{\"title\":\"x\"}\n");
}

}  // TEST_SUITE
