// Gitea and Forgejo REST v1: GitHub-shaped, with its own merge call ("Do")
// and labels added after creation (its create calls take label ids).
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

class Gitea final : public Forge {
 public:
  explicit Gitea(ForgeApi& api) : m_api(api), m_repo("/repos/" + api.target().project) {}

  Result<std::string> default_branch() override {
    TRY_ASSIGN(const Value repo, m_api.call("GET", m_repo));
    return json_string(repo, "default_branch", "main");
  }

  // Gitea cannot filter pulls by head branch: the open ones are listed and matched.
  Result<std::optional<PullRequest>> find_open_pull(const std::string& head) override {
    TRY_ASSIGN(const Value pulls, m_api.get_list(m_repo + "/pulls?state=open", "limit", 50));
    for (const auto& item : pulls.is_array() ? pulls : Value::array()) {
      PullRequest pull = pull_from(item);
      if (pull.head == head) {
        return std::optional<PullRequest>(pull);
      }
    }
    return std::optional<PullRequest>();
  }

  Result<PullRequest> create_pull(const PullSpec& spec) override {
    const Value body = {{"head", spec.head},
                        {"base", spec.base},
                        {"title", spec.draft ? "WIP: " + spec.title : spec.title},
                        {"body", spec.body}};
    TRY_ASSIGN(const Value created,
               m_api.call("POST", m_repo + "/pulls", body, "push the branch first, or check head and base"));
    PullRequest pull = pull_from(created);
    TRY(add_labels(pull.number, spec.labels));
    TRY(add_reviewers(pull.number, spec.reviewers));
    return pull;
  }

  Result<PullRequest> update_pull(long long number, const PullSpec& spec) override {
    // The draft state lives in the title: an update keeps it when asked.
    Value body = {{"title", spec.draft ? "WIP: " + spec.title : spec.title}};
    if (!spec.keep_body) {
      body["body"] = spec.body;
    }
    TRY_ASSIGN(const Value updated, m_api.call("PATCH", fmt::format("{}/pulls/{}", m_repo, number), body));
    TRY(add_labels(number, spec.labels));
    TRY(add_reviewers(number, spec.reviewers));
    return pull_from(updated);
  }

  Result<std::vector<Comment>> list_comments(Thread, long long number) override {
    TRY_ASSIGN(const Value list, m_api.get_list(fmt::format("{}/issues/{}/comments", m_repo, number), "limit", 50));
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
    result.mergeable = json_bool(pull, "mergeable");
    if (!result.mergeable) {
      result.reason = "Gitea says it is not mergeable (conflicts or failing required checks)";
    }
    return result;
  }

  Result<std::string> merge(long long number, const std::string& method, const std::string& head_sha) override {
    const std::string path = fmt::format("{}/pulls/{}", m_repo, number);
    Value body = {{"Do", method}};
    if (!head_sha.empty()) {
      body["head_commit_id"] = head_sha;
    }
    TRY(m_api.call("POST", path + "/merge", body,
                   "check that the repository allows this merge style, and run the step again if the branch moved"));
    // The merge call answers with an empty body; the pull request knows the commit.
    TRY_ASSIGN(const Value pull, m_api.call("GET", path));
    return json_string(pull, "merge_commit_sha");
  }

  Result<Issue> create_issue(const IssueSpec& spec) override {
    Value body = {{"title", spec.title}, {"body", spec.body}};
    if (!spec.assignees.empty()) {
      body["assignees"] = spec.assignees;
    }
    TRY_ASSIGN(const Value created, m_api.call("POST", m_repo + "/issues", body, "check the assignees"));
    const Issue issue{json_integer(created, "number"), json_string(created, "html_url")};
    TRY(add_labels(issue.number, spec.labels));
    return issue;
  }

 private:
  // Label names are accepted here by Gitea 1.20+ and Forgejo.
  Result<void> add_labels(long long number, const std::vector<std::string>& labels) {
    if (!labels.empty()) {
      TRY(m_api.call("POST", fmt::format("{}/issues/{}/labels", m_repo, number), {{"labels", labels}},
                     "check that the labels exist in the repository"));
    }
    return {};
  }

  Result<void> add_reviewers(long long number, const std::vector<std::string>& reviewers) {
    if (!reviewers.empty()) {
      TRY(m_api.call("POST", fmt::format("{}/pulls/{}/requested_reviewers", m_repo, number),
                     {{"reviewers", reviewers}}, "reviewers must be collaborators"));
    }
    return {};
  }

  ForgeApi& m_api;
  std::string m_repo;
};

}  // namespace

std::unique_ptr<Forge> make_gitea(ForgeApi& api) { return std::make_unique<Gitea>(api); }

}  // namespace automata::tools::forge
