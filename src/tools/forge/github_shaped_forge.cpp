#include "tools/forge/github_shaped_forge.hpp"

#include <fmt/format.h>

namespace automata::tools::forge {

PullRequest github_shaped_pull(const Value& json) {
  PullRequest pull;
  pull.number = json_integer(json, "number");
  pull.url = json_string(json, "html_url");
  if (json.is_object()) {
    pull.head = json_string(json.value("head", Value()), "ref");
    pull.base = json_string(json.value("base", Value()), "ref");
  }
  return pull;
}

Comment github_shaped_comment(const Value& json) {
  return {json_integer(json, "id"), json_string(json, "html_url"), json_string(json, "body")};
}

GitHubShapedForge::GitHubShapedForge(ForgeApi& api) : m_api(api), m_repo("/repos/" + api.target().project) {}

Result<std::vector<Comment>> GitHubShapedForge::list_comments(Thread, long long number) {
  TRY_ASSIGN(const Value list, read_comments(fmt::format("{}/issues/{}/comments", m_repo, number)));
  std::vector<Comment> comments;
  for (const auto& item : list.is_array() ? list : Value::array()) {
    comments.push_back(github_shaped_comment(item));
  }
  return comments;
}

Result<Comment> GitHubShapedForge::create_comment(Thread, long long number, const std::string& text) {
  TRY_ASSIGN(const Value created,
             m_api.call("POST", fmt::format("{}/issues/{}/comments", m_repo, number), {{"body", text}}));
  return github_shaped_comment(created);
}

Result<Comment> GitHubShapedForge::update_comment(Thread, long long, long long id, const std::string& text) {
  TRY_ASSIGN(const Value updated,
             m_api.call("PATCH", fmt::format("{}/issues/comments/{}", m_repo, id), {{"body", text}}));
  return github_shaped_comment(updated);
}

Result<std::string> GitHubShapedForge::set_status(const StatusSpec& spec) {
  Value body = {{"state", spec.state}, {"context", spec.context}};
  if (!spec.description.empty()) {
    body["description"] = spec.description;
  }
  if (!spec.target_url.empty()) {
    body["target_url"] = spec.target_url;
  }
  TRY_ASSIGN(const Value created, m_api.call("POST", fmt::format("{}/statuses/{}", m_repo, spec.sha), body,
                                             "check that sha is a commit pushed to this repository"));
  return json_string(created, "url");
}

Result<Mergeability> GitHubShapedForge::read_mergeability(
    long long number, const std::function<void(const Value& pull, Mergeability& result)>& decide) {
  TRY_ASSIGN(const Value pull, m_api.call("GET", fmt::format("{}/pulls/{}", m_repo, number)));
  Mergeability result;
  if (pull.is_null()) {
    result.mergeable = true;  // dry run: nothing was asked
    return result;
  }
  result.head_sha = pull.is_object() ? json_string(pull.value("head", Value()), "sha") : "";
  if (json_bool(pull, "merged")) {
    result.reason = "it is already merged";
    return result;
  }
  if (json_string(pull, "state") != "open") {
    result.reason = fmt::format("it is {}", json_string(pull, "state", "not open"));
    return result;
  }
  decide(pull, result);
  return result;
}

}  // namespace automata::tools::forge
