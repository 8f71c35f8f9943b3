// How every list is read page by page: links relative or absolute, links
// that leave the API's server (never followed: the token would go with
// them), and the page limit (an error, never a list cut short).
#include <doctest/doctest.h>

#include "forge_test_support.hpp"

using namespace automata;
using automata::test::ForgeStepFixture;
using automata::test::HttpStubServer;
using automata::test::StubRequest;
using automata::test::StubResponse;

namespace {

constexpr const char* k_token = "gitea-TESTTOKEN-0123";

ForgeStepFixture gitea() {
  return ForgeStepFixture("https://git.example.com/acme/app.git", "GITEA_TOKEN", k_token, "gitea");
}

// A page of Gitea's open pulls, numbers from `first`, `count` of them, one on
// branch `head_of_last` at the end when given.
StubResponse pulls_page(int first, int count, const std::string& link, const std::string& head_of_last = {}) {
  Value pulls = Value::array();
  for (int number = first; number < first + count; ++number) {
    const bool last = number == first + count - 1;
    pulls.push_back({{"number", number},
                     {"html_url", "https://git.example.com/acme/app/pulls/" + std::to_string(number)},
                     {"head", {{"ref", last && !head_of_last.empty() ? head_of_last : "feat/" + std::to_string(number)}}},
                     {"base", {{"ref", "main"}}}});
  }
  StubResponse response = StubResponse::json(200, pulls.dump());
  if (!link.empty()) {
    response.headers.emplace_back("Link", link);
  }
  return response;
}

const Value k_pr_params = Value{{"title", "T"}, {"head", "feat/x"}, {"base", "main"}};

}  // namespace

TEST_SUITE("forge paging") {

TEST_CASE("a next link to another host, port or scheme is not followed: the API is asked for that page by number") {
  auto forge = gitea();
  auto& server = forge.server();
  HttpStubServer elsewhere;
  const std::string path = "/api/repos/acme/app/pulls?limit=50&page=";
  // Another server; then this one's host and port over https.
  server.enqueue(pulls_page(1, 30, "<" + elsewhere.url() + path + "2&state=open>; rel=\"next\""));
  server.enqueue(pulls_page(31, 30, "<https://127.0.0.1:" + std::to_string(server.port()) + path + "3&state=open>; rel=\"next\""));
  server.enqueue(pulls_page(61, 5, "<" + server.url() + path + "2&state=open>; rel=\"prev\"", "feat/x"));
  server.enqueue(StubResponse::json(201, R"({"number": 65, "html_url": "https://git.example.com/acme/app/pulls/65"})"));
  const auto result = forge.run(tools::make_forge_pr_kind, k_pr_params);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["number"] == 65);
  CHECK(result.outputs["created"] == false);
  CHECK(elsewhere.requests().empty());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=1");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=2");
  CHECK(requests[2].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=3");
  CHECK(requests[3].method == "PATCH");
  CHECK(requests[3].target == "/api/repos/acme/app/pulls/65");
}

TEST_CASE("relative next links are resolved against the request that got them") {
  auto forge = gitea();
  auto& server = forge.server();
  server.enqueue(pulls_page(1, 30, R"(</api/repos/acme/app/pulls?page=2&limit=50&state=open>; rel="next")"));
  server.enqueue(pulls_page(31, 30, "<?state=open&page=3&limit=50> ; rel = next , </x>; rel=\"first\""));
  server.enqueue(pulls_page(61, 30, R"(<pulls?state=open&page=1&limit=50>; rel="first prev")"));
  server.enqueue(StubResponse::json(201, R"({"number": 91, "html_url": "https://git.example.com/acme/app/pulls/91"})"));
  const auto result = forge.run(tools::make_forge_pr_kind, k_pr_params);
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == true);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[1].target == "/api/repos/acme/app/pulls?page=2&limit=50&state=open");
  CHECK(requests[2].target == "/api/repos/acme/app/pulls?state=open&page=3&limit=50");
  CHECK(requests[3].method == "POST");
}

TEST_CASE("a list longer than 20 pages is an error, and nothing is created from part of it") {
  ForgeStepFixture forge("git@github.com:acme/app.git", "GITHUB_TOKEN", "ghp_TESTTOKEN0123456789");
  auto& server = forge.server();
  const std::string url = server.url();
  server.set_handler([&url](const StubRequest& request) {
    if (request.method != "GET") {
      return StubResponse::json(201, R"({"id": 1})");
    }
    const int page = std::stoi(request.query("page").value_or("1"));
    Value comments = Value::array();
    for (int i = 0; i < 100; ++i) {
      comments.push_back({{"id", page * 1000 + i}, {"body", "chatter"}});
    }
    StubResponse response = StubResponse::json(200, comments.dump());
    response.headers.emplace_back("Link", "<" + url + request.path() + "?per_page=100&page=" + std::to_string(page + 1) +
                                              ">; rel=\"next\"");
    return response;
  });
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 17}, {"body", "y"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.comment: GitHub has more than 20 pages at /repos/acme/app/issues/17/comments (2000 "
                        "items read); not acting on part of the list: shorten the list (close stale pull requests, "
                        "delete old comments)");
  const auto requests = server.requests();
  CHECK(requests.size() == 20);
  for (const auto& request : requests) {
    CHECK(request.method == "GET");
  }
}

}  // TEST_SUITE
