// The forge kinds speaking Gitea/Forgejo's REST v1 API to a local stub.
#include <doctest/doctest.h>

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

}  // namespace

TEST_SUITE("forge gitea") {

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

TEST_CASE("forge.merge posts Do with the method, then reads the merge commit") {
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
  CHECK(Value::parse(requests[1].body) == Value{{"Do", "rebase"}, {"head_commit_id", "aaaa"}});
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
  CHECK(server.requests().at(1).target == "/api/repos/acme/app/issues/4/comments?limit=50&page=1");
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
