// http.request against a real local server: outputs, expected statuses,
// retries, dry run, and secrets kept out of everything it prints or returns.
#include "tools/http/http_request_step.hpp"

#include <doctest/doctest.h>

#include "support/http_stub_server.hpp"
#include "support/scratch.hpp"
#include "support/test_step_context.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::HttpStubServer;
using automata::test::ScratchDir;
using automata::test::StubResponse;
using TestContext = automata::test::TestStepContext;

namespace {

StepResult run_request(TestContext& context) { return tools::make_http_request_kind()->execute(context); }

}  // namespace

TEST_SUITE("http.request step") {

TEST_CASE("GET: status, lower-case headers, body text and parsed JSON") {
  HttpStubServer server;
  StubResponse reply = StubResponse::json(200, R"({"items":[1,2]})");
  reply.headers.emplace_back("X-Total", "2");
  server.enqueue(reply);
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/items?page=1"}, {"headers", {{"Accept", "application/json"}}}});
  const auto result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["status"] == 200);
  CHECK(result.outputs["headers"]["x-total"] == "2");
  CHECK(result.outputs["headers"]["content-type"] == "application/json; charset=utf-8");
  CHECK(result.outputs["body"] == R"({"items":[1,2]})");
  CHECK(result.outputs["json"] == Value{{"items", {1, 2}}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/items?page=1");
  CHECK(requests[0].header("accept") == "application/json");
}

TEST_CASE("json: sent as the body with Content-Type; a text answer has no json output") {
  HttpStubServer server;
  StubResponse reply;
  reply.status = 201;
  reply.body = "created";
  server.enqueue(reply);
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/hooks"}, {"method", "POST"}, {"json", {{"a", 1}, {"b", {true}}}}});
  const auto result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["status"] == 201);
  CHECK(result.outputs["body"] == "created");
  CHECK_FALSE(result.outputs.contains("json"));
  const auto request = server.requests().at(0);
  CHECK(request.method == "POST");
  CHECK(request.header("content-type") == "application/json");
  CHECK(request.body == R"({"a":1,"b":[true]})");
}

TEST_CASE("a status outside expect_status fails, not retryable for 4xx; listed statuses succeed") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return StubResponse::json(404, R"({"message":"Not Found"})"); });
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/missing"}});
  auto result = run_request(context);
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "http.request: GET " + server.url() + "/missing returned 404 ({\"message\":\"Not Found\"}); expected 2xx");
  CHECK(server.requests().size() == 1);
  context.set_params(Value{{"url", server.url() + "/missing"}, {"expect_status", {404, "2xx"}}});
  result = run_request(context);
  CHECK(result.succeeded);
  CHECK(result.outputs["status"] == 404);
}

TEST_CASE("5xx is retried with backoff; each wait is a heartbeat") {
  HttpStubServer server;
  server.enqueue(StubResponse::json(503, "{}"));
  server.enqueue(StubResponse::json(500, "{}"));
  server.enqueue(StubResponse::json(200, R"({"ok":1})"));
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/flaky"}, {"retries", 3}, {"retry_delay", "10ms"}});
  const auto result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(server.requests().size() == 3);
  REQUIRE(context.heartbeats().size() == 2);
  CHECK(context.heartbeats()[0].find("after 503 (attempt 2 of 4)") != std::string::npos);
}

TEST_CASE("retries exhausted: the error names the status and the attempts, and may be retried") {
  HttpStubServer server;
  server.set_handler([](const auto&) { return StubResponse::json(503, R"({"message":"down"})"); });
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/down"}, {"retries", 2}, {"retry_delay", "10ms"}});
  const auto result = run_request(context);
  CHECK_FALSE(result.succeeded);
  CHECK(result.retryable);
  CHECK(result.error == "http.request: GET " + server.url() +
                            "/down returned 503 ({\"message\":\"down\"}); expected 2xx, after 3 attempt(s)");
  CHECK(server.requests().size() == 3);
}

TEST_CASE("dry run: the request is printed with credentials masked, nothing is sent") {
  HttpStubServer server;
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/deploy"},
                                 {"method", "POST"},
                                 {"headers", {{"Authorization", "Bearer s3cr3t-token"}}},
                                 {"json", {{"env", "prod"}}}});
  context.set_dry_run(true);
  const auto result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["dry_run"] == true);
  CHECK(server.requests().empty());
  CHECK(context.out() == "dry run: would send\nPOST " + server.url() +
                             "/deploy\nAuthorization: Bearer ***\nContent-Type: application/json\n\n{\"env\":\"prod\"}\n");
  CHECK(context.out().find("s3cr3t-token") == std::string::npos);
}

TEST_CASE("the dry_run parameter does the same; GET still runs in a dry run") {
  HttpStubServer server;
  server.enqueue(StubResponse::json(200, "{}"));
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/x"}, {"method", "DELETE"}, {"dry_run", true}});
  auto result = run_request(context);
  CHECK(result.succeeded);
  CHECK(server.requests().empty());
  context.set_params(Value{{"url", server.url() + "/x"}, {"dry_run", true}});
  result = run_request(context);
  CHECK(result.succeeded);
  CHECK(result.outputs["status"] == 200);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a secret echoed by the server is masked in the outputs and the error") {
  HttpStubServer server;
  server.set_handler([](const test::StubRequest& request) {
    StubResponse reply = StubResponse::json(400, R"({"you_sent":")" + request.header("x-api-key").value_or("") + "\"}");
    reply.headers.emplace_back("X-Echo", request.header("x-api-key").value_or(""));
    return reply;
  });
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/echo"}, {"headers", {{"X-Api-Key", "k-123456"}}},
                                 {"expect_status", {200}}});
  context.add_secret("k-123456");
  const auto result = run_request(context);
  CHECK_FALSE(result.succeeded);
  CHECK(result.error.find("k-123456") == std::string::npos);
  CHECK(result.outputs.dump().find("k-123456") == std::string::npos);
  CHECK(result.outputs["json"]["you_sent"] == "***");
  CHECK(context.out().find("k-123456") == std::string::npos);
  CHECK(context.err().find("k-123456") == std::string::npos);
}

TEST_CASE("redirects are followed unless follow_redirects is false") {
  HttpStubServer server;
  server.set_handler([&server](const test::StubRequest& request) {
    if (request.path() == "/old") {
      StubResponse moved;
      moved.status = 302;
      moved.headers.emplace_back("Location", server.url() + "/new");
      return moved;
    }
    return StubResponse::json(200, R"({"at":"new"})");
  });
  ScratchDir dir;
  TestContext context(dir, Value{{"url", server.url() + "/old"}});
  auto result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["json"] == Value{{"at", "new"}});
  context.set_params(Value{{"url", server.url() + "/old"}, {"follow_redirects", false}, {"expect_status", {302}}});
  result = run_request(context);
  REQUIRE(result.succeeded);
  CHECK(result.outputs["status"] == 302);
}

TEST_CASE("the parameter schema: method choices and the shared HTTP parameters") {
  const auto kind = tools::make_http_request_kind();
  std::vector<std::string> names;
  for (const auto& spec : kind->params()) {
    names.push_back(spec.name);
    if (spec.name == "method") {
      CHECK(param_problem(spec, "FETCH").has_value());
      CHECK_FALSE(param_problem(spec, "PATCH").has_value());
    }
  }
  CHECK(names == std::vector<std::string>{"url", "method", "headers", "body", "json", "follow_redirects", "expect_status", "timeout",
                                          "retries", "retry_delay", "max_retry_wait", "ca_file", "dry_run"});
}

}  // TEST_SUITE
