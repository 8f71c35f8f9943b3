// GitLab REST v4. Merge requests are numbered by iid within the project;
// their fields are mapped onto GitHub's names (iid -> number, web_url -> url,
// source_branch -> head, target_branch -> base).
#include <fmt/format.h>

#include "tools/forge/forge.hpp"

namespace automata::tools::forge {
namespace {

PullRequest pull_from(const Value& json) {
  return {json_integer(json, "iid"), json_string(json, "web_url"), json_string(json, "source_branch"),
          json_string(json, "target_branch")};
}

std::string comma_list(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) {
    text += (text.empty() ? "" : ",") + item;
  }
  return text;
}

// GitLab's words for commit states: it has no "failure" or "error".
std::string gitlab_state(const std::string& state) {
  return state == "failure" || state == "error" ? "failed" : state;
}

class GitLab final : public Forge {
 public:
  explicit GitLab(ForgeApi& api) : m_api(api), m_project("/projects/" + url_encode(api.target().project)) {
    // Web links for notes: https://host/group/repo/-/merge_requests/7#note_1.
    std::string origin = api.target().api_base;
    const std::string suffix = "/api/v4";
    if (origin.size() > suffix.size() && origin.compare(origin.size() - suffix.size(), suffix.size(), suffix) == 0) {
      origin.erase(origin.size() - suffix.size());
    }
    m_web = origin + "/" + api.target().project;
  }

  Result<std::string> default_branch() override {
    TRY_ASSIGN(const Value project, m_api.call("GET", m_project));
    return json_string(project, "default_branch", "main");
  }

  Result<std::optional<PullRequest>> find_open_pull(const std::string& head) override {
    TRY_ASSIGN(const Value list, m_api.call("GET", fmt::format("{}/merge_requests?source_branch={}&state=opened",
                                                               m_project, url_encode(head))));
    if (!list.is_array() || list.empty()) {
      return std::optional<PullRequest>();
    }
    return std::optional<PullRequest>(pull_from(list.front()));
  }

  Result<PullRequest> create_pull(const PullSpec& spec) override {
    Value body = {{"source_branch", spec.head},
                  {"target_branch", spec.base},
                  {"title", spec.draft ? "Draft: " + spec.title : spec.title},
                  {"description", spec.body}};
    if (!spec.labels.empty()) {
      body["labels"] = comma_list(spec.labels);
    }
    if (!spec.reviewers.empty()) {
      TRY_ASSIGN(body["reviewer_ids"], user_ids(spec.reviewers));
    }
    TRY_ASSIGN(const Value created, m_api.call("POST", m_project + "/merge_requests", body,
                                               "push the branch first, or check head and base"));
    return pull_from(created);
  }

  Result<PullRequest> update_pull(long long number, const PullSpec& spec) override {
    // The draft state lives in the title: an update keeps it when asked.
    Value body = {{"title", spec.draft ? "Draft: " + spec.title : spec.title}};
    if (!spec.keep_body) {
      body["description"] = spec.body;
    }
    if (!spec.labels.empty()) {
      body["add_labels"] = comma_list(spec.labels);
    }
    if (!spec.reviewers.empty()) {
      TRY_ASSIGN(body["reviewer_ids"], user_ids(spec.reviewers));
    }
    TRY_ASSIGN(const Value updated, m_api.call("PUT", fmt::format("{}/merge_requests/{}", m_project, number), body));
    return pull_from(updated);
  }

  Result<std::vector<Comment>> list_comments(Thread thread, long long number) override {
    TRY_ASSIGN(const Value list, m_api.get_list(notes_path(thread, number), "per_page", 100));
    std::vector<Comment> comments;
    for (const auto& item : list.is_array() ? list : Value::array()) {
      if (!json_bool(item, "system")) {
        comments.push_back(comment_from(thread, number, item));
      }
    }
    return comments;
  }

  Result<Comment> create_comment(Thread thread, long long number, const std::string& text) override {
    TRY_ASSIGN(const Value created, m_api.call("POST", notes_path(thread, number), {{"body", text}}));
    return comment_from(thread, number, created);
  }

  Result<Comment> update_comment(Thread thread, long long number, long long id, const std::string& text) override {
    TRY_ASSIGN(const Value updated,
               m_api.call("PUT", fmt::format("{}/{}", notes_path(thread, number), id), {{"body", text}}));
    return comment_from(thread, number, updated);
  }

  Result<std::string> set_status(const StatusSpec& spec) override {
    Value body = {{"state", gitlab_state(spec.state)}, {"name", spec.context}};
    if (!spec.description.empty()) {
      body["description"] = spec.description;
    }
    if (!spec.target_url.empty()) {
      body["target_url"] = spec.target_url;
    }
    TRY_ASSIGN(const Value created, m_api.call("POST", fmt::format("{}/statuses/{}", m_project, spec.sha), body,
                                               "check that sha is a commit pushed to this project"));
    return json_string(created, "target_url", fmt::format("{}/-/commit/{}", m_web, spec.sha));
  }

  Result<Mergeability> mergeability(long long number) override {
    TRY_ASSIGN(const Value mr, m_api.call("GET", fmt::format("{}/merge_requests/{}", m_project, number)));
    Mergeability result;
    if (mr.is_null()) {
      result.mergeable = true;  // dry run: nothing was asked
      return result;
    }
    result.head_sha = json_string(mr, "sha");
    const std::string state = json_string(mr, "state");
    if (state != "opened") {
      result.reason = fmt::format("it is {}", state.empty() ? "not open" : state);
      return result;
    }
    // detailed_merge_status (GitLab 15.6+) says why; merge_status is the older yes/no.
    const std::string detailed = json_string(mr, "detailed_merge_status");
    const std::string status = detailed.empty() ? json_string(mr, "merge_status") : detailed;
    // Answers that change by themselves: worth a retry of the step, not a refusal.
    if (status == "checking" || status == "unchecked" || status == "preparing" || status == "approvals_syncing" ||
        status == "ci_still_running") {
      result.known = false;
      result.reason = fmt::format("GitLab is still checking whether it can be merged ({})", status);
      return result;
    }
    result.mergeable = status == "mergeable" || status == "can_be_merged";
    if (!result.mergeable) {
      result.reason = fmt::format("GitLab says it cannot be merged ({})", status.empty() ? "unknown" : status);
    }
    return result;
  }

  Result<std::string> merge(long long number, const std::string& method, const std::string& head_sha) override {
    if (method == "rebase") {
      return Error::usage(fmt::format("{}: GitLab does not take a rebase merge per request", m_api.kind()),
                          "use method merge or squash; fast-forward merging is a project setting in GitLab");
    }
    Value body = {{"squash", method == "squash"}};
    if (!head_sha.empty()) {
      body["sha"] = head_sha;
    }
    TRY_ASSIGN(const Value merged, m_api.call("PUT", fmt::format("{}/merge_requests/{}/merge", m_project, number), body,
                                              "run the step again if the branch moved; check the project's merge "
                                              "settings"));
    for (const char* key : {"merge_commit_sha", "squash_commit_sha", "sha"}) {
      if (auto sha = json_string(merged, key); !sha.empty()) {
        return sha;
      }
    }
    return std::string();
  }

  Result<Issue> create_issue(const IssueSpec& spec) override {
    Value body = {{"title", spec.title}, {"description", spec.body}};
    if (!spec.labels.empty()) {
      body["labels"] = comma_list(spec.labels);
    }
    if (!spec.assignees.empty()) {
      TRY_ASSIGN(body["assignee_ids"], user_ids(spec.assignees));
    }
    TRY_ASSIGN(const Value created, m_api.call("POST", m_project + "/issues", body));
    return Issue{json_integer(created, "iid"), json_string(created, "web_url")};
  }

 private:
  std::string notes_path(Thread thread, long long number) const {
    return fmt::format("{}/{}/{}/notes", m_project, thread == Thread::pull ? "merge_requests" : "issues", number);
  }

  Comment comment_from(Thread thread, long long number, const Value& json) const {
    const long long id = json_integer(json, "id");
    return {id, fmt::format("{}/-/{}/{}#note_{}", m_web, thread == Thread::pull ? "merge_requests" : "issues", number, id),
            json_string(json, "body")};
  }

  // GitLab takes user ids where GitHub takes logins.
  Result<Value> user_ids(const std::vector<std::string>& usernames) {
    Value ids = Value::array();
    for (const auto& username : usernames) {
      TRY_ASSIGN(const Value users, m_api.call("GET", "/users?username=" + url_encode(username)));
      if (users.is_null()) {
        continue;  // dry run
      }
      if (!users.is_array() || users.empty()) {
        return Error::usage(fmt::format("{}: GitLab has no user '{}'", m_api.kind(), username),
                            "check the user names given");
      }
      ids.push_back(json_integer(users.front(), "id"));
    }
    return ids;
  }

  ForgeApi& m_api;
  std::string m_project;
  std::string m_web;
};

}  // namespace

std::unique_ptr<Forge> make_gitlab(ForgeApi& api) { return std::make_unique<GitLab>(api); }

}  // namespace automata::tools::forge
