// GitHub REST v3 (also GitHub Enterprise at https://host/api/v3).
#include <fmt/format.h>

#include "tools/forge/forge.hpp"

namespace automata::tools::forge {
namespace {

PullRequest pull_from(const Value& json) {
  PullRequest pull;
  pull.number = json_integer(json, "number");
  pull.url = json_string(json, "html_url");
  if (json.is_object()) {
    pull.head = json_string(json.value("head", Value()), "ref");
    pull.base = json_string(json.value("base", Value()), "ref");
  }
  return pull;
}

Comment comment_from(const Value& json) {
  return {json_integer(json, "id"), json_string(json, "html_url"), json_string(json, "body")};
}

class GitHub final : public Forge {
 public:
  explicit GitHub(ForgeApi& api) : m_api(api), m_repo("/repos/" + api.target().project) {}

  Result<std::string> default_branch() override {
    TRY_ASSIGN(const Value repo, m_api.call("GET", m_repo));
    return json_string(repo, "default_branch", "main");
  }

  Result<std::optional<PullRequest>> find_open_pull(const std::string& head) override {
    // GitHub filters by "owner:branch"; a fork's head is given that way already.
    const std::string qualified = head.find(':') == std::string::npos ? m_api.target().owner + ":" + head : head;
    TRY_ASSIGN(const Value pulls,
               m_api.call("GET", fmt::format("{}/pulls?head={}&state=open", m_repo, url_encode(qualified))));
    if (!pulls.is_array() || pulls.empty()) {
      return std::optional<PullRequest>();
    }
    return std::optional<PullRequest>(pull_from(pulls.front()));
  }

  Result<PullRequest> create_pull(const PullSpec& spec) override {
    const Value body = {{"title", spec.title}, {"head", spec.head}, {"base", spec.base}, {"body", spec.body},
                        {"draft", spec.draft}};
    TRY_ASSIGN(const Value created, m_api.call("POST", m_repo + "/pulls", body, "push the branch first, or check head and base"));
    PullRequest pull = pull_from(created);
    TRY(add_labels_and_reviewers(pull.number, spec));
    return pull;
  }

  Result<PullRequest> update_pull(long long number, const PullSpec& spec) override {
    Value body = {{"title", spec.title}};
    if (!spec.keep_body) {
      body["body"] = spec.body;
    }
    TRY_ASSIGN(const Value updated, m_api.call("PATCH", fmt::format("{}/pulls/{}", m_repo, number), body));
    PullRequest pull = pull_from(updated);
    TRY(add_labels_and_reviewers(number, spec));
    return pull;
  }

  Result<std::vector<Comment>> list_comments(Thread, long long number) override {
    TRY_ASSIGN(const Value list, m_api.get_list(fmt::format("{}/issues/{}/comments", m_repo, number), "per_page", 100));
    std::vector<Comment> comments;
    for (const auto& item : list.is_array() ? list : Value::array()) {
      comments.push_back(comment_from(item));
    }
    return comments;
  }

  Result<Comment> create_comment(Thread, long long number, const std::string& text) override {
    TRY_ASSIGN(const Value created,
               m_api.call("POST", fmt::format("{}/issues/{}/comments", m_repo, number), {{"body", text}}));
    return comment_from(created);
  }

  Result<Comment> update_comment(Thread, long long, long long id, const std::string& text) override {
    TRY_ASSIGN(const Value updated,
               m_api.call("PATCH", fmt::format("{}/issues/comments/{}", m_repo, id), {{"body", text}}));
    return comment_from(updated);
  }

  Result<std::string> set_status(const StatusSpec& spec) override {
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

  Result<Mergeability> mergeability(long long number) override {
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
    const auto mergeable = pull.find("mergeable");
    if (mergeable == pull.end() || mergeable->is_null()) {
      result.known = false;
      result.reason = "GitHub is still computing whether it can be merged";
      return result;
    }
    result.mergeable = mergeable->get<bool>();
    if (!result.mergeable) {
      result.reason = fmt::format("GitHub says it is not mergeable (mergeable_state: {})",
                                  json_string(pull, "mergeable_state", "unknown"));
    }
    return result;
  }

  Result<std::string> merge(long long number, const std::string& method, const std::string& head_sha) override {
    Value body = {{"merge_method", method}};
    if (!head_sha.empty()) {
      body["sha"] = head_sha;
    }
    TRY_ASSIGN(const Value merged, m_api.call("PUT", fmt::format("{}/pulls/{}/merge", m_repo, number), body,
                                              "check that the repository allows this merge method, and run the step "
                                              "again if the branch moved"));
    return json_string(merged, "sha");
  }

  Result<Issue> create_issue(const IssueSpec& spec) override {
    Value body = {{"title", spec.title}, {"body", spec.body}};
    if (!spec.labels.empty()) {
      body["labels"] = spec.labels;
    }
    if (!spec.assignees.empty()) {
      body["assignees"] = spec.assignees;
    }
    TRY_ASSIGN(const Value created, m_api.call("POST", m_repo + "/issues", body, "check labels and assignees"));
    return Issue{json_integer(created, "number"), json_string(created, "html_url")};
  }

 private:
  Result<void> add_labels_and_reviewers(long long number, const PullSpec& spec) {
    if (!spec.labels.empty()) {
      TRY(m_api.call("POST", fmt::format("{}/issues/{}/labels", m_repo, number), {{"labels", spec.labels}}));
    }
    if (!spec.reviewers.empty()) {
      TRY(m_api.call("POST", fmt::format("{}/pulls/{}/requested_reviewers", m_repo, number),
                     {{"reviewers", spec.reviewers}}, "reviewers must be collaborators, and not the author"));
    }
    return {};
  }

  ForgeApi& m_api;
  std::string m_repo;
};

}  // namespace

std::unique_ptr<Forge> make_github(ForgeApi& api) { return std::make_unique<GitHub>(api); }

}  // namespace automata::tools::forge
