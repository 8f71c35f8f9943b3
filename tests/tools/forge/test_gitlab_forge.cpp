// The forge kinds speaking GitLab's REST v4 API to a local stub: merge
// requests normalised to GitHub's names, notes, statuses and merges.
#include <doctest/doctest.h>

#include "engine/build_info.hpp"
#include "forge_test_support.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::ForgeStepFixture;
using automata::test::StubRequest;
using automata::test::StubResponse;

namespace {

constexpr const char* k_token = "glpat-TESTTOKEN0123";

ForgeStepFixture gitlab() {
  return ForgeStepFixture("git@gitlab.com:acme/platform/app.git", "GITLAB_TOKEN", k_token);
}

const char* const k_mr_5 = R"({
  "id": 84, "iid": 5, "project_id": 3, "title": "Fix the parser", "description": "Closes #3",
  "state": "opened", "source_branch": "feat/x", "target_branch": "main",
  "web_url": "https://gitlab.com/acme/platform/app/-/merge_requests/5",
  "sha": "8888888888888888888888888888888888888888",
  "merge_status": "can_be_merged", "detailed_merge_status": "mergeable", "has_conflicts": false})";

const std::string k_project = "/api/projects/acme%2Fplatform%2Fapp";

}  // namespace

TEST_SUITE("forge gitlab") {

TEST_CASE("forge.pr opens a merge request: iid and web_url come back as number and url") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(201, k_mr_5));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "Fix the parser"},
                                                                 {"body", "Closes #3"},
                                                                 {"head", "feat/x"},
                                                                 {"base", "main"},
                                                                 {"draft", true},
                                                                 {"labels", {"bug", "parser"}}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 5},
                                {"url", "https://gitlab.com/acme/platform/app/-/merge_requests/5"},
                                {"created", true},
                                {"head", "feat/x"},
                                {"base", "main"}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == k_project + "/merge_requests?source_branch=feat%2Fx&state=opened");
  CHECK(requests[0].header("private-token") == k_token);
  CHECK(requests[0].header("authorization") == std::nullopt);
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].target == k_project + "/merge_requests");
  CHECK(Value::parse(requests[1].body) == Value{{"source_branch", "feat/x"},
                                               {"target_branch", "main"},
                                               {"title", "Draft: Fix the parser"},
                                               {"description", "Closes #3"},
                                               {"labels", "bug,parser"}});
  CHECK(forge.token_hidden(result));
}

TEST_CASE("forge.pr updates the open merge request of the branch with PUT") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, std::string("[") + k_mr_5 + "]"));
  server.enqueue(StubResponse::json(200, k_mr_5));
  const auto result = forge.run(tools::make_forge_pr_kind,
                                Value{{"title", "Fix the parser v2"}, {"body", "more"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == false);
  CHECK(result.outputs["number"] == 5);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].method == "PUT");
  CHECK(requests[1].target == k_project + "/merge_requests/5");
  CHECK(Value::parse(requests[1].body) == Value{{"title", "Fix the parser v2"}, {"description", "more"}});
}

TEST_CASE("forge.pr: GitLab's 409 for an existing merge request keeps its message") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(
      409, R"({"message": ["Another open merge request already exists for this source branch: !4"]})"));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "t"}, {"head", "feat/x"}, {"base", "main"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.pr: GitLab refused POST /projects/acme%2Fplatform%2Fapp/merge_requests (409 Another "
                        "open merge request already exists for this source branch: !4): push the branch first, or "
                        "check head and base");
}

TEST_CASE("forge.comment edits our note in place on a merge request, skipping system notes") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, R"([
    {"id": 301, "body": "changed the description <!-- automata:step -->", "system": true},
    {"id": 302, "body": "report\n\n<!-- automata:step -->", "system": false, "author": {"username": "bot"}}])"));
  server.enqueue(StubResponse::json(200, R"({"id": 302, "body": "new\n\n<!-- automata:step -->", "system": false})"));
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 5}, {"body", "new"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"id", 302},
                                {"url", forge.server().url() + "/api/acme/platform/app/-/merge_requests/5#note_302"},
                                {"created", false}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == k_project + "/merge_requests/5/notes?per_page=100&page=1");
  CHECK(requests[1].method == "PUT");
  CHECK(requests[1].target == k_project + "/merge_requests/5/notes/302");
  CHECK(Value::parse(requests[1].body) == Value{{"body", "new\n\n<!-- automata:step -->"}});
}

TEST_CASE("forge.comment pages GitLab's notes by X-Next-Page: its Link to external_url is not followed, and "
          "nothing past the last page is asked") {
  auto forge = gitlab();
  auto& server = forge.server();
  // GitLab as it answers behind a proxy: Link names its external_url, not
  // the api_url given; X-Next-Page names the page, empty on the last one.
  const std::string external = "https://gitlab.example.com/api/v4/projects/3/merge_requests/5/notes?page=";
  auto notes_page = [&](int page, const std::string& next) {
    Value notes = Value::array();
    for (int i = 1; i <= 100; ++i) {
      const int id = page * 1000 + i;
      notes.push_back({{"id", id}, {"body", id == 2100 ? "old\n\n<!-- automata:step -->" : "chatter"}, {"system", false}});
    }
    StubResponse response = StubResponse::json(200, notes.dump());
    response.headers.emplace_back("X-Page", std::to_string(page));
    response.headers.emplace_back("X-Per-Page", "100");
    response.headers.emplace_back("X-Next-Page", next);
    response.headers.emplace_back("X-Prev-Page", page > 1 ? std::to_string(page - 1) : "");
    std::string link = "<" + external + "1&per_page=100>; rel=\"first\"";
    if (!next.empty()) {
      link = "<" + external + next + "&per_page=100>; rel=\"next\", " + link;
    }
    response.headers.emplace_back("Link", link);
    return response;
  };
  server.enqueue(notes_page(1, "2"));
  server.enqueue(notes_page(2, ""));
  server.enqueue(StubResponse::json(200, R"({"id": 2100, "body": "new\n\n<!-- automata:step -->", "system": false})"));
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 5}, {"body", "new"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["id"] == 2100);
  CHECK(result.outputs["created"] == false);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].target == k_project + "/merge_requests/5/notes?per_page=100&page=1");
  CHECK(requests[1].target == k_project + "/merge_requests/5/notes?per_page=100&page=2");
  CHECK(requests[1].header("private-token") == k_token);
  CHECK(requests[2].method == "PUT");
  CHECK(requests[2].target == k_project + "/merge_requests/5/notes/2100");
}

TEST_CASE("forge.comment on an issue posts to the issue's notes") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(201, R"({"id": 400, "body": "hi\n\n<!-- automata:k -->"})"));
  const auto result =
      forge.run(tools::make_forge_comment_kind, Value{{"number", 9}, {"body", "hi"}, {"key", "k"}, {"on", "issue"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == true);
  CHECK(server.requests().at(1).method == "POST");
  CHECK(server.requests().at(1).target == k_project + "/issues/9/notes");
}

TEST_CASE("forge.status: failure and error become GitLab's failed; context is the name") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.set_handler([](const StubRequest&) {
    return StubResponse::json(201, R"({"id": 93, "sha": "abc123", "status": "failed", "name": "automata/test",
      "target_url": "https://ci.example/1"})");
  });
  for (const char* state : {"failure", "error"}) {
    const auto result = forge.run(tools::make_forge_status_kind, Value{{"state", state},
                                                                       {"context", "automata/test"},
                                                                       {"target_url", "https://ci.example/1"},
                                                                       {"sha", "abc123"}});
    REQUIRE_MESSAGE(result.succeeded, result.error);
    CHECK(result.outputs == Value{{"state", state}, {"sha", "abc123"}, {"url", "https://ci.example/1"}});
  }
  for (const auto& request : server.requests()) {
    CHECK(request.target == k_project + "/statuses/abc123");
    CHECK(Value::parse(request.body) ==
          Value{{"state", "failed"}, {"name", "automata/test"}, {"target_url", "https://ci.example/1"}});
  }
}

TEST_CASE("forge.merge: a merge request with conflicts is refused with GitLab's status") {
  auto forge = gitlab();
  Value mr = Value::parse(k_mr_5);
  mr["merge_status"] = "cannot_be_merged";
  mr["detailed_merge_status"] = "conflict";
  forge.server().enqueue(StubResponse::json(200, mr.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 5}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.merge: refusing to merge #5: GitLab says it cannot be merged (conflict): resolve "
                        "conflicts and required checks first");
  CHECK(forge.server().requests().size() == 1);
}

TEST_CASE("forge.merge: a pipeline still running is a retryable failure, and nothing is merged") {
  auto forge = gitlab();
  Value mr = Value::parse(k_mr_5);
  mr["detailed_merge_status"] = "ci_still_running";
  forge.server().enqueue(StubResponse::json(200, mr.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 5}});
  CHECK_FALSE(result.succeeded);
  CHECK(result.retryable);
  CHECK(result.error == "forge.merge: cannot merge #5 yet: GitLab is still checking whether it can be merged "
                        "(ci_still_running): retry the step in a few seconds");
  CHECK(forge.server().requests().size() == 1);
}

TEST_CASE("forge.merge squashes a mergeable merge request") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, k_mr_5));
  Value merged = Value::parse(k_mr_5);
  merged["state"] = "merged";
  merged["merge_commit_sha"] = "9999999999999999999999999999999999999999";
  server.enqueue(StubResponse::json(200, merged.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 5}, {"method", "squash"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["sha"] == "9999999999999999999999999999999999999999");
  CHECK(server.requests().at(1).method == "PUT");
  CHECK(server.requests().at(1).target == k_project + "/merge_requests/5/merge");
  CHECK(Value::parse(server.requests().at(1).body) == Value{{"squash", true}, {"sha", "8888888888888888888888888888888888888888"}});
}

TEST_CASE("forge.issue: labels as a comma list, assignees looked up as user ids") {
  auto forge = gitlab();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, R"([{"id": 12, "username": "ana", "name": "Ana"}])"));
  server.enqueue(StubResponse::json(201, R"({"id": 700, "iid": 31, "web_url": "https://gitlab.com/acme/platform/app/-/issues/31"})"));
  const auto result = forge.run(tools::make_forge_issue_kind,
                                Value{{"title", "Flaky"}, {"labels", {"ci", "flaky"}}, {"assignees", {"ana"}}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 31}, {"url", "https://gitlab.com/acme/platform/app/-/issues/31"}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/api/users?username=ana");
  CHECK(Value::parse(requests[1].body) ==
        Value{{"title", "Flaky"}, {"description", ""}, {"labels", "ci,flaky"}, {"assignee_ids", {12}}});
}

TEST_CASE("dry run: PRIVATE-TOKEN is shown as ***, nothing is sent") {
  auto forge = gitlab();
  forge.context().set_dry_run(true);
  const auto result =
      forge.run(tools::make_forge_status_kind, Value{{"state", "success"}, {"sha", "abc123"}, {"description", "ok"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["dry_run"] == true);
  CHECK(forge.server().requests().empty());
  CHECK(forge.context().out() == "dry run: would send\nPOST " + forge.server().url() + k_project +
                                     "/statuses/abc123\nAccept: application/json\nPRIVATE-TOKEN: ***\nUser-Agent: automata/" +
                                     build_info::k_version + "\nContent-Type: application/json\n\n"
                                     R"({"state":"success","name":"automata","description":"ok"})"
                                     "\n\n");
  CHECK(forge.token_hidden(result));
}

}  // TEST_SUITE
