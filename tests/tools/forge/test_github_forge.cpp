// The forge kinds speaking GitHub's REST API to a local stub: the exact
// requests sent, the outputs, refusals, retries, dry runs and the token.
#include <doctest/doctest.h>

#include "forge_test_support.hpp"

using namespace automata;
using namespace automata::engine;
using automata::test::ForgeStepFixture;
using automata::test::StubRequest;
using automata::test::StubResponse;

namespace {

constexpr const char* k_token = "ghp_TESTTOKEN0123456789";

ForgeStepFixture github() { return ForgeStepFixture("git@github.com:acme/app.git", "GITHUB_TOKEN", k_token); }

const char* const k_pull_17 = R"({
  "url": "https://api.github.com/repos/acme/app/pulls/17",
  "id": 1296269, "number": 17, "state": "open", "title": "Fix the parser",
  "html_url": "https://github.com/acme/app/pull/17",
  "head": {"label": "acme:feat/x", "ref": "feat/x", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
  "base": {"label": "acme:main", "ref": "main", "sha": "e5bd3914e2e596debea16f433f57875b5b90bcd6"},
  "draft": false, "merged": false, "mergeable": true, "mergeable_state": "clean"})";

void check_github_headers(const StubRequest& request) {
  CHECK(request.header("authorization") == std::string("Bearer ") + k_token);
  CHECK(request.header("accept") == "application/vnd.github+json");
  CHECK(request.header("x-github-api-version") == "2022-11-28");
  CHECK(request.header("user-agent").value_or("").rfind("automata/", 0) == 0);
}

}  // namespace

TEST_SUITE("forge github") {

TEST_CASE("forge.pr creates a pull request when none is open for the branch, then labels and reviewers") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(201, k_pull_17));
  server.enqueue(StubResponse::json(200, R"([{"id": 208045946, "name": "bug", "color": "f29513"}])"));
  server.enqueue(StubResponse::json(201, k_pull_17));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "Fix the parser"},
                                                                 {"body", "Closes #3"},
                                                                 {"head", "feat/x"},
                                                                 {"base", "main"},
                                                                 {"labels", {"bug"}},
                                                                 {"reviewers", {"octocat"}}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 17},
                                {"url", "https://github.com/acme/app/pull/17"},
                                {"created", true},
                                {"head", "feat/x"},
                                {"base", "main"}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/repos/acme/app/pulls?head=acme%3Afeat%2Fx&state=open");
  check_github_headers(requests[0]);
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls");
  CHECK(requests[1].header("content-type") == "application/json");
  CHECK(Value::parse(requests[1].body) ==
        Value{{"title", "Fix the parser"}, {"head", "feat/x"}, {"base", "main"}, {"body", "Closes #3"}, {"draft", false}});
  check_github_headers(requests[1]);
  CHECK(requests[2].method == "POST");
  CHECK(requests[2].target == "/api/repos/acme/app/issues/17/labels");
  CHECK(Value::parse(requests[2].body) == Value{{"labels", {"bug"}}});
  CHECK(requests[3].method == "POST");
  CHECK(requests[3].target == "/api/repos/acme/app/pulls/17/requested_reviewers");
  CHECK(Value::parse(requests[3].body) == Value{{"reviewers", {"octocat"}}});
  CHECK(forge.token_hidden(result));
}

TEST_CASE("forge.pr updates the open pull request of the branch in place; base defaults to the default branch") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, R"({"id": 1, "full_name": "acme/app", "default_branch": "trunk"})"));
  server.enqueue(StubResponse::json(200, std::string("[") + k_pull_17 + "]"));
  server.enqueue(StubResponse::json(200, k_pull_17));
  const auto result =
      forge.run(tools::make_forge_pr_kind, Value{{"title", "Fix the parser, again"}, {"body", "v2"}, {"head", "feat/x"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 17},
                                {"url", "https://github.com/acme/app/pull/17"},
                                {"created", false},
                                {"head", "feat/x"},
                                {"base", "main"}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/repos/acme/app");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls?head=acme%3Afeat%2Fx&state=open");
  CHECK(requests[2].method == "PATCH");
  CHECK(requests[2].target == "/api/repos/acme/app/pulls/17");
  CHECK(Value::parse(requests[2].body) == Value{{"title", "Fix the parser, again"}, {"body", "v2"}});
}

TEST_CASE("forge.pr: an update without body leaves the description alone") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, std::string("[") + k_pull_17 + "]"));
  server.enqueue(StubResponse::json(200, k_pull_17));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "New title"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(Value::parse(forge.server().requests().at(1).body) == Value{{"title", "New title"}});
}

TEST_CASE("forge.pr: a 422 becomes one line with GitHub's message and what to do, not retryable") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(422, R"({"message": "Validation Failed",
    "errors": [{"resource": "PullRequest", "code": "custom", "message": "No commits between main and feat/x"}],
    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "422"})"));
  const auto result =
      forge.run(tools::make_forge_pr_kind, Value{{"title", "t"}, {"head", "feat/x"}, {"base", "main"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.pr: GitHub refused POST /repos/acme/app/pulls (422 Validation Failed: No commits "
                        "between main and feat/x): push the branch first, or check head and base");
  CHECK(server.requests().size() == 2);
  CHECK(forge.token_hidden(result));
}

TEST_CASE("forge.pr: the head branch defaults to the current branch of the repository") {
  auto forge = github();
  forge.context().set_working_directory(forge.make_repo("work", "feat/from-repo", ""));
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(201, k_pull_17));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "t"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["head"] == "feat/from-repo");
  CHECK(Value::parse(server.requests().at(1).body)["head"] == "feat/from-repo");
}

TEST_CASE("forge.pr: a fork's head owner:branch is looked up as given") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, "[]"));
  server.enqueue(StubResponse::json(201, k_pull_17));
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "t"}, {"head", "octo:fix"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(server.requests().at(0).target == "/api/repos/acme/app/pulls?head=octo%3Afix&state=open");
}

TEST_CASE("forge.status: project from the origin remote of repo, sha from its HEAD") {
  ForgeStepFixture forge("", "GITHUB_TOKEN", k_token);
  const auto repo = forge.make_repo("checkout", "main", "https://github.com/acme/tool.git");
  forge.server().enqueue(StubResponse::json(201, R"({"url": "u", "state": "success"})"));
  const auto result = forge.run(tools::make_forge_status_kind, Value{{"state", "success"}, {"repo", repo.string()}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  const std::string sha = result.outputs["sha"].get<std::string>();
  CHECK(sha.size() == 40);
  CHECK(forge.server().requests().at(0).target == "/api/repos/acme/tool/statuses/" + sha);
  CHECK(Value::parse(forge.server().requests().at(0).body) == Value{{"state", "success"}, {"context", "automata"}});
}

TEST_CASE("a directory that is not a repository, or has no origin: errors that say what to pass") {
  ForgeStepFixture forge("", "GITHUB_TOKEN", k_token);
  auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}, {"repo", "/"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error.rfind("forge.issue: / is not in a git repository: ", 0) == 0);
  CHECK(result.error.find(": set repo to the repository's directory, or pass remote_url") != std::string::npos);
  const auto repo = forge.make_repo("no-origin", "main", "");
  result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}, {"repo", repo.string()}});
  CHECK(result.error == "forge.issue: repository " + repo.string() + " has no remote 'origin': pass remote_url");
  CHECK(forge.server().requests().empty());
}

TEST_CASE("forge.comment updates the comment carrying its marker") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, R"([
    {"id": 1001, "html_url": "https://github.com/acme/app/pull/17#issuecomment-1001", "body": "LGTM",
     "user": {"login": "octocat"}},
    {"id": 1002, "html_url": "https://github.com/acme/app/pull/17#issuecomment-1002",
     "body": "old report\n\n<!-- automata:review -->", "user": {"login": "automata-bot"}}])"));
  server.enqueue(StubResponse::json(200, R"({"id": 1002, "html_url": "https://github.com/acme/app/pull/17#issuecomment-1002",
    "body": "new report\n\n<!-- automata:review -->"})"));
  const auto result =
      forge.run(tools::make_forge_comment_kind, Value{{"number", 17}, {"body", "new report"}, {"key", "review"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs ==
        Value{{"id", 1002}, {"url", "https://github.com/acme/app/pull/17#issuecomment-1002"}, {"created", false}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/repos/acme/app/issues/17/comments?per_page=100&page=1");
  CHECK(requests[1].method == "PATCH");
  CHECK(requests[1].target == "/api/repos/acme/app/issues/comments/1002");
  CHECK(Value::parse(requests[1].body) == Value{{"body", "new report\n\n<!-- automata:review -->"}});
}

TEST_CASE("forge.comment follows GitHub's Link and stops at the page without rel=next, full as it is") {
  auto forge = github();
  auto& server = forge.server();
  const std::string comments = server.url() + "/api/repos/acme/app/issues/17/comments?per_page=100&page=";
  auto full_page = [](int first_id) {
    Value page = Value::array();
    for (int i = 0; i < 100; ++i) {
      page.push_back({{"id", first_id + i}, {"body", "chatter"}});
    }
    return page.dump();
  };
  StubResponse first = StubResponse::json(200, full_page(1));
  first.headers.emplace_back("Link", "<" + comments + "2>; rel=\"next\", <" + comments + "2>; rel=\"last\"");
  StubResponse second = StubResponse::json(200, full_page(101));
  second.headers.emplace_back("Link", "<" + comments + "1>; rel=\"prev\", <" + comments + "1>; rel=\"first\"");
  server.enqueue(first);
  server.enqueue(second);
  server.enqueue(StubResponse::json(201, R"({"id": 300, "html_url": "https://github.com/acme/app/pull/17#issuecomment-300"})"));
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 17}, {"body", "y"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["created"] == true);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].target == "/api/repos/acme/app/issues/17/comments?per_page=100&page=1");
  CHECK(requests[1].target == "/api/repos/acme/app/issues/17/comments?per_page=100&page=2");
  check_github_headers(requests[1]);
  CHECK(requests[2].method == "POST");
  CHECK(requests[2].target == "/api/repos/acme/app/issues/17/comments");
}

TEST_CASE("forge.comment without any paging header: a full page is followed by the next, a short one ends the list") {
  auto forge = github();
  auto& server = forge.server();
  Value first_page = Value::array();
  for (int i = 0; i < 100; ++i) {
    first_page.push_back({{"id", 5000 + i}, {"body", "chatter"}});
  }
  server.enqueue(StubResponse::json(200, first_page.dump()));
  server.enqueue(StubResponse::json(200, R"([{"id": 6000, "body": "x\n\n<!-- automata:step -->"}])"));
  server.enqueue(StubResponse::json(200, R"({"id": 6000, "html_url": "https://github.com/acme/app/pull/17#issuecomment-6000"})"));
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 17}, {"body", "y"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["id"] == 6000);
  CHECK(result.outputs["created"] == false);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].target == "/api/repos/acme/app/issues/17/comments?per_page=100&page=2");
  CHECK(requests[2].method == "PATCH");
  CHECK(requests[2].target == "/api/repos/acme/app/issues/comments/6000");
}

TEST_CASE("forge.comment posts a new comment when none carries the marker; the key defaults to the step id") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, R"([{"id": 1001, "body": "LGTM <!-- automata:other -->"}])"));
  server.enqueue(StubResponse::json(201, R"({"id": 1003, "html_url": "https://github.com/acme/app/issues/17#issuecomment-1003",
    "body": "hello\n\n<!-- automata:step -->"})"));
  const auto result = forge.run(tools::make_forge_comment_kind, Value{{"number", 17}, {"body", "hello"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs ==
        Value{{"id", 1003}, {"url", "https://github.com/acme/app/issues/17#issuecomment-1003"}, {"created", true}});
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].method == "POST");
  CHECK(requests[1].target == "/api/repos/acme/app/issues/17/comments");
  CHECK(Value::parse(requests[1].body) == Value{{"body", "hello\n\n<!-- automata:step -->"}});
}

TEST_CASE("forge.status posts the commit status") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(201, R"({"url": "https://api.github.com/repos/acme/app/statuses/6dcb09b5",
    "id": 1, "state": "failure", "description": "2 lint errors", "context": "automata/lint"})"));
  const auto result = forge.run(tools::make_forge_status_kind, Value{{"state", "failure"},
                                                                     {"context", "automata/lint"},
                                                                     {"description", "2 lint errors"},
                                                                     {"target_url", "https://ci.example/run/1"},
                                                                     {"sha", "6dcb09b5"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs ==
        Value{{"state", "failure"}, {"sha", "6dcb09b5"}, {"url", "https://api.github.com/repos/acme/app/statuses/6dcb09b5"}});
  const auto request = server.requests().at(0);
  CHECK(request.method == "POST");
  CHECK(request.target == "/api/repos/acme/app/statuses/6dcb09b5");
  CHECK(Value::parse(request.body) == Value{{"state", "failure"},
                                           {"context", "automata/lint"},
                                           {"description", "2 lint errors"},
                                           {"target_url", "https://ci.example/run/1"}});
}

TEST_CASE("forge.merge checks mergeability, then merges with the method") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, k_pull_17));
  server.enqueue(StubResponse::json(200, R"({"sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "merged": true,
    "message": "Pull Request successfully merged"})"));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 17}, {"method", "squash"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["merged"] == true);
  CHECK(result.outputs["sha"] == "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/repos/acme/app/pulls/17");
  CHECK(requests[1].method == "PUT");
  CHECK(requests[1].target == "/api/repos/acme/app/pulls/17/merge");
  CHECK(Value::parse(requests[1].body) == Value{{"merge_method", "squash"}, {"sha", "6dcb09b5b57875f334f61aebed695e2e4193db5e"}});
}

TEST_CASE("forge.merge: a branch that moved after the check is GitHub's 409, not retried") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(200, k_pull_17));
  server.enqueue(StubResponse::json(409, R"({"message": "Head branch was modified. Review and try the merge again.",
    "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"})"));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 17}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.merge: GitHub refused PUT /repos/acme/app/pulls/17/merge (409 Head branch was modified. "
                        "Review and try the merge again.): check that the repository allows this merge method, and run "
                        "the step again if the branch moved");
}

TEST_CASE("forge.merge refuses a pull request GitHub says is not mergeable, and sends no merge") {
  auto forge = github();
  auto& server = forge.server();
  Value pull = Value::parse(k_pull_17);
  pull["mergeable"] = false;
  pull["mergeable_state"] = "dirty";
  server.enqueue(StubResponse::json(200, pull.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 17}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.merge: refusing to merge #17: GitHub says it is not mergeable (mergeable_state: dirty): "
                        "resolve conflicts and required checks first");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("forge.merge: mergeability still being computed is a retryable failure") {
  auto forge = github();
  Value pull = Value::parse(k_pull_17);
  pull["mergeable"] = nullptr;
  forge.server().enqueue(StubResponse::json(200, pull.dump()));
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 17}});
  CHECK_FALSE(result.succeeded);
  CHECK(result.retryable);
  CHECK(result.error == "forge.merge: cannot merge #17 yet: GitHub is still computing whether it can be merged: "
                        "retry the step in a few seconds");
}

TEST_CASE("forge.issue creates an issue with labels and assignees") {
  auto forge = github();
  auto& server = forge.server();
  server.enqueue(StubResponse::json(201, R"({"id": 1, "number": 42, "html_url": "https://github.com/acme/app/issues/42",
    "title": "Flaky test", "state": "open"})"));
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "Flaky test"},
                                                                    {"body", "seen twice"},
                                                                    {"labels", {"ci", "flaky"}},
                                                                    {"assignees", {"octocat"}}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs == Value{{"number", 42}, {"url", "https://github.com/acme/app/issues/42"}});
  const auto request = server.requests().at(0);
  CHECK(request.method == "POST");
  CHECK(request.target == "/api/repos/acme/app/issues");
  CHECK(Value::parse(request.body) == Value{{"title", "Flaky test"},
                                           {"body", "seen twice"},
                                           {"labels", {"ci", "flaky"}},
                                           {"assignees", {"octocat"}}});
}

TEST_CASE("429 with Retry-After is waited out, then the request succeeds") {
  auto forge = github();
  auto& server = forge.server();
  StubResponse limited = StubResponse::json(429, R"({"message": "API rate limit exceeded"})");
  limited.headers.emplace_back("Retry-After", "0");
  server.enqueue(limited);
  server.enqueue(StubResponse::json(201, R"({"id": 1, "number": 43, "html_url": "https://github.com/acme/app/issues/43"})"));
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(result.outputs["number"] == 43);
  CHECK(server.requests().size() == 2);
  REQUIRE(forge.context().heartbeats().size() == 1);
  CHECK(forge.context().heartbeats()[0] == "retrying in 0s after 429 (attempt 2 of 4)");
}

TEST_CASE("5xx retried until the attempts run out: a retryable error with GitHub's message") {
  auto forge = github();
  forge.server().set_handler([](const StubRequest&) { return StubResponse::json(502, R"({"message": "Server Error"})"); });
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}, {"retries", 2}});
  CHECK_FALSE(result.succeeded);
  CHECK(result.retryable);
  CHECK(result.error == "forge.issue: GitHub refused POST /repos/acme/app/issues (502 Server Error) after 3 attempt(s): "
                        "try again later");
  CHECK(forge.server().requests().size() == 3);
}

TEST_CASE("nothing listening at api_url: a retryable error naming the request, the attempts and what to check") {
  auto forge = github();
  int port = 0;
  {
    test::HttpStubServer closed;
    port = closed.port();
  }
  Value params = forge.params(Value{{"title", "t"}, {"retries", 1}});
  params["api_url"] = "http://127.0.0.1:" + std::to_string(port);
  forge.context().set_params(params);
  const auto result = tools::make_forge_issue_kind()->execute(forge.context());
  CHECK_FALSE(result.succeeded);
  CHECK(result.retryable);
  const std::string prefix = "forge.issue: POST http://127.0.0.1:" + std::to_string(port) + "/repos/acme/app/issues failed: ";
  CHECK(result.error.rfind(prefix, 0) == 0);
  CHECK(result.error.find(" after 2 attempt(s): check the URL and that the server is reachable") != std::string::npos);
  CHECK(forge.token_hidden(result));
}

TEST_CASE("401: the error says which token to check, and never shows it") {
  auto forge = github();
  forge.server().enqueue(StubResponse::json(401, R"({"message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest"})"));
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.issue: GitHub refused POST /repos/acme/app/issues (401 Bad credentials): check the token "
                        "(token param, GITHUB_TOKEN or GH_TOKEN)");
  CHECK(forge.token_hidden(result));
}

TEST_CASE("dry run: each request is printed with the token masked; nothing is sent") {
  auto forge = github();
  forge.context().set_dry_run(true);
  const auto result = forge.run(tools::make_forge_pr_kind, Value{{"title", "Fix"}, {"head", "feat/x"}, {"base", "main"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(forge.server().requests().empty());
  CHECK(result.outputs["dry_run"] == true);
  CHECK(result.outputs["created"] == true);
  const std::string api = forge.server().url() + "/api";
  const std::string headers = "Accept: application/vnd.github+json\nX-GitHub-Api-Version: 2022-11-28\n"
                              "Authorization: Bearer ***\nUser-Agent: automata/";
  const std::string out = forge.context().out();
  CHECK(out.find("dry run: would read (not sent; taken as finding nothing)\nGET " + api + "/repos/acme/app/pulls?head=acme%3Afeat%2Fx&state=open\n" +
                 headers) != std::string::npos);
  CHECK(out.find("dry run: would send\nPOST " + api + "/repos/acme/app/pulls\n" + headers) != std::string::npos);
  CHECK(out.find("Content-Type: application/json\n\n"
                 R"({"title":"Fix","head":"feat/x","base":"main","body":"","draft":false})") != std::string::npos);
  CHECK(forge.token_hidden(result));
}

TEST_CASE("the dry_run parameter sends nothing either; merge in a dry run does not claim to have merged") {
  auto forge = github();
  const auto result = forge.run(tools::make_forge_merge_kind, Value{{"number", 17}, {"dry_run", true}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(forge.server().requests().empty());
  CHECK(result.outputs["merged"] == false);
  CHECK(result.outputs["dry_run"] == true);
  CHECK(forge.context().out().find("PUT " + forge.server().url() + "/api/repos/acme/app/pulls/17/merge") !=
        std::string::npos);
}

TEST_CASE("no token: a clear error before anything is sent") {
  ForgeStepFixture forge("https://github.com/acme/app.git", "UNRELATED", "x");
  const auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}});
  CHECK_FALSE(result.succeeded);
  CHECK_FALSE(result.retryable);
  CHECK(result.error == "forge.issue: no GitHub token: set the token parameter, or GITHUB_TOKEN or GH_TOKEN in the "
                        "step's environment");
  CHECK(forge.server().requests().empty());
}

TEST_CASE("GH_TOKEN and the token parameter are used too") {
  ForgeStepFixture forge("https://github.com/acme/app.git", "GH_TOKEN", "gh-env-token");
  forge.server().set_handler([](const StubRequest&) { return StubResponse::json(201, R"({"number": 1})"); });
  auto result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(forge.server().requests().at(0).header("authorization") == "Bearer gh-env-token");
  result = forge.run(tools::make_forge_issue_kind, Value{{"title", "t"}, {"token", "param-token"}});
  REQUIRE_MESSAGE(result.succeeded, result.error);
  CHECK(forge.server().requests().at(1).header("authorization") == "Bearer param-token");
}

}  // TEST_SUITE
