// The forge kinds speaking Gitea/Forgejo's REST v1 API to a local stub.
#include <doctest/doctest.h>

#include <algorithm>

#include "forge_test_support.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::ForgeStepFixture;
using automata::test::StubRequest;
using automata::test::StubResponse;

namespace {

constexpr const char* k_token = "gitea-TESTTOKEN-0123";

ForgeStepFixture gitea() {
  return ForgeStepFixture("https://git.example.com/acme/app.git", "GITEA_TOKEN", k_token, "gitea");
}

std::string pull(int number, const std::string& head, bool mergeable = true) {
  return Value{{"id", 100 + number},
               {"number", number},
               {"state", "open"},
               {"html_url", "https://git.example.com/acme/app/pulls/" + std::to_string(number)},
               {"head", {{"ref", head}, {"sha", "aaaa"}}},
               {"base", {{"ref", "main"}, {"sha", "bbbb"}}},
               {"mergeable", mergeable},
               {"merged", false},
               {"merge_commit_sha", nullptr}}
      .dump();
}

// A Gitea whose admin capped pages at `cap` ([api] MAX_RESPONSE_ITEMS)
// listing `count` open pull requests, #1 first, #`wanted` on feat/x and the
// others on feat/N, as Gitea answers: `limit` obeyed up to the cap,
// X-Total-Count, and a Link header only when there is more than one page,
// absolute (from its ROOT_URL, here the stub), query keys sorted, rels in
// Gitea's order and joined without a space.
StubResponse gitea_open_pulls(const StubRequest& request, const std::string& root, int count, int cap, int wanted) {
  const int limit = std::min(std::stoi(request.query("limit").value_or("30")), cap);
  const int page = std::stoi(request.query("page").value_or("1"));
  const int pages = (count + limit - 1) / limit;
  std::string items;
  for (int number = (page - 1) * limit + 1; number <= std::min(count, page * limit); ++number) {
    items += (items.empty() ? "" : ",") + pull(number, number == wanted ? "feat/x" : "feat/" + std::to_string(number));
  }
  StubResponse response = StubResponse::json(200, "[" + items + "]");
  response.headers.emplace_back("X-Total-Count", std::to_string(count));
  auto link = [&](int to, const char* rel) {
    return "<" + root + request.path() + "?limit=" + request.query("limit").value_or("30") + "&page=" +
           std::to_string(to) + "&state=open>; rel=\"" + rel + "\"";
  };
  std::vector<std::string> links;
  if (page < pages) {
    links.push_back(link(page + 1, "next"));
    links.push_back(link(pages, "last"));
  }
  if (page > 1) {
    links.push_back(link(1, "first"));
    links.push_back(link(page - 1, "prev"));
  }
  std::string header;
  for (const auto& one : links) {
    header += (header.empty() ? "" : ",") + one;
  }
  if (!header.empty()) {
    response.headers.emplace_back("Link", header);
  }
  return response;
}

}  // namespace

TEST_SUITE("forge gitea") {

TEST_CASE("forge.pr follows Gitea's Link through pages capped at 30 to the open pull request on the last one") {
  auto forge = gitea();
  auto& server = forge.server();
  const std::string root = server.url();
  server.set_handler([&root](const StubRequest& request) {
    if (request.method == "GET" && request.path() == "/api/repos/acme/app/pulls") {
      return gitea_open_pulls(request, root, 510, 30, 500);
    }
    if (request.method == "PATCH" && request.path() == "/api/repos/acme/app/pulls/500") {
      return StubResponse::json(201, pull(500, "feat/x"));
    }
    return StubResponse::json(404, R"({"message": "not in this test"})");
  });
  const auto result =
      forge.run(tools::make_forge_pr_kind, Value{{"title", "T"}, {"body", "B"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == false);
  CHECK(result.outputs["number"] == 500);
  // 510 at 30 a page: pages 1 to 17, the first as automata asks it, the rest
  // as Gitea's Link names them; nothing past page 17, and no new pull request.
  const auto requests = server.requests();
  REQUIRE(requests.size() == 18);
  CHECK(requests[0].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=1");
  for (int page = 2; page <= 17; ++page) {
    CHECK(requests[page - 1].method == "GET");
    CHECK(requests[page - 1].target == "/api/repos/acme/app/pulls?limit=50&page=" + std::to_string(page) + "&state=open");
    CHECK(requests[page - 1].header("authorization") == std::string("token ") + k_token);
  }
  CHECK(requests[17].method == "PATCH");
  CHECK(requests[17].target == "/api/repos/acme/app/pulls/500");
  CHECK(forge.token_hidden(result));
}

TEST_CASE("forge.pr: a full single page without Link is the whole list when X-Total-Count says so") {
  auto forge = gitea();
  auto& server = forge.server();
  const std::string root = server.url();
  server.set_handler([&root](const StubRequest& request) {
    if (request.method == "GET") {
      return gitea_open_pulls(request, root, 50, 50, 0);
    }
    return StubResponse::json(201, pull(51, "feat/x"));
  });
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "T"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == true);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=1");
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls");
}

TEST_CASE("forge.comment reads Gitea's comment list once: it is not paged and holds every comment") {
  auto forge = gitea();
  auto& server = forge.server();
  Value comments = Value::array();
  for (int i = 1; i <= 60; ++i) {
    comments.push_back({{"id", i}, {"body", i == 60 ? "old\n\n<!-- automata:step -->" : "chatter"},
                        {"html_url", "https://git.example.com/acme/app/pulls/4#issuecomment-" + std::to_string(i)}});
  }
  // Gitea ignores limit and page here: every request gets all 60.
  server.set_handler([&comments](const StubRequest& request) {
    if (request.method == "GET") {
      return StubResponse::json(200, comments.dump());
    }
    return StubResponse::json(200, R"({"id": 60, "html_url": "https://git.example.com/acme/app/pulls/4#issuecomment-60"})");
  });
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 4}, {"body", "new"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["id"] == 60);
  CHECK(result.outputs["created"] == false);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/repos/acme/app/issues/4/comments");
  CHECK(requests[1].method == "PATCH");
  CHECK(requests[1].target == "/api/repos/acme/app/issues/comments/60");
}

TEST_CASE("forge.pr finds the open pull request of the branch among the open ones and edits it") {
  auto forge = gitea();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[" + pull(3, "other") + "," + pull(4, "feat/x") + "]"));
  server.enqueue(StubResponse::json(201, pull(4, "feat/x")));
  const auto result = forge.run(tools::make_forge_pr_kind,
                                Value{{"title", "T"}, {"body", "B"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 4},
                                {"url", "https://git.example.com/acme/app/pulls/4"},
                                {"created", false},
                                {"head", "feat/x"},
                                {"base", "main"}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/api/repos/acme/app/pulls?state=open&limit=50&page=1");
  CHECK(requests[0].header("authorization") == std::string("token ") + k_token);
  CHECK(requests[1].method == "PATCH");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls/4");
  CHECK(Value::parse(requests[1].body) == Value{{"title", "T"}, {"body", "B"}});
  CHECK(forge.token_hidden(result));
}

TEST_CASE("forge.pr creates, then adds labels by name") {
  auto forge = gitea();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[" + pull(3, "other") + "]"));
  server.enqueue(StubResponse::json(201, pull(5, "feat/y")));
  server.enqueue(StubResponse::json(200, R"([{"id": 1, "name": "bug"}])"));
  const auto result = forge.run(tools::make_forge_pr_kind,
                                Value{{"title", "T"}, {"head", "feat/y"}, {"base", "main"}, {"labels", {"bug"}}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == true);
  CHECK(result.outputs["number"] == 5);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].method == "POST");
  CHECK(Value::parse(requests[1].body) == Value{{"head", "feat/y"}, {"base", "main"}, {"title", "T"}, {"body", ""}});
  CHECK(requests[2].target == "/api/repos/acme/app/issues/5/labels");
  CHECK(Value::parse(requests[2].body) == Value{{"labels", {"bug"}}});
}

TEST_CASE("forge.merge posts do with the method, then reads the merge commit") {
  auto forge = gitea();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, pull(4, "feat/x")));
  server.enqueue(StubResponse::json(200, ""));
  Value merged = Value::parse(pull(4, "feat/x"));
  merged["merged"] = true;
  merged["merge_commit_sha"] = "cccccccccccccccccccccccccccccccccccccccc";
  server.enqueue(StubResponse::json(200, merged.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 4}, {"method", "rebase"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["merged"] == true);
  CHECK(result.outputs["sha"] == "cccccccccccccccccccccccccccccccccccccccc");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls/4/merge");
  // "do", as Gitea's API description spells it (older ones: "Do"); the body has no other spelling.
  CHECK(Value::parse(requests[1].body) == Value{{"do", "rebase"}, {"head_commit_id", "aaaa"}});
}

TEST_CASE("forge.merge refuses when Gitea says not mergeable") {
  auto forge = gitea();
  forge.server().enqueue(StubResponse::json(200, pull(4, "feat/x", false)));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 4}});
  CHECK_FALSE(result.succeeded);
  CHECK(result.error == "forge.merge: refusing to merge #4: Gitea says it is not mergeable (conflicts or failing "
                        "required checks): resolve conflicts and required checks first");
  CHECK(forge.server().requests().size() == 1);
}

TEST_CASE("forge.status and forge.comment use the GitHub-shaped endpoints") {
  auto forge = gitea();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(201, R"({"id": 1, "status": "success", "context": "automata",
    "url": "https://git.example.com/api/v1/repos/acme/app/statuses/abc"})"));
  auto result = forge.run(tools::make_forge_status_kind, Value{{"state", "success"}, {"sha", "abc"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(server.requests().at(0).target == "/api/repos/acme/app/statuses/abc");
  CHECK(Value::parse(server.requests().at(0).body) == Value{{"state", "success"}, {"context", "automata"}});
  server.enqueue(StubResponse::json(200, R"([{"id": 9, "body": "x <!-- automata:step -->",
    "html_url": "https://git.example.com/acme/app/pulls/4#issuecomment-9"}])"));
  server.enqueue(StubResponse::json(200, R"({"id": 9, "body": "y\n\n<!-- automata:step -->",
    "html_url": "https://git.example.com/acme/app/pulls/4#issuecomment-9"})"));
  result = forge.run(tools::make_forge_comment_kind, Value{{"number", 4}, {"body", "y"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == false);
  CHECK(server.requests().at(1).target == "/api/repos/acme/app/issues/4/comments");
  CHECK(server.requests().at(2).method == "PATCH");
  CHECK(server.requests().at(2).target == "/api/repos/acme/app/issues/comments/9");
}

TEST_CASE("an unknown host without forge: the error says to set it") {
  ForgeStepFixture forge("https://git.example.com/acme/app.git", "GITEA_TOKEN", "t");
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.issue: cannot tell which forge git.example.com runs: set forge: github, gitlab or gitea "
                        "(and api_url if the API is not at the usual place)");
}

}  // TEST_SUITE
