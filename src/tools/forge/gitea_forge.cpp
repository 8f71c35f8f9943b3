// Gitea and Forgejo REST v1: GitHub-shaped, with its own merge call ("do")
// and labels added after creation (its create calls take label ids).
#include <fmt/format.h>

#include "tools/forge/github_shaped_forge.hpp"

namespace automata::tools::forge {
namespace {

class Gitea final : public GitHubShapedForge {
 public:
  explicit Gitea(ForgeApi& api) : GitHubShapedForge(api) {}

  // Gitea's issue comment list is not paged: it takes no limit or page (only
  // since and before) and answers with every comment, so it is read once.
  Result<Value> read_comments(const std::string& path) override { return m_api.call("GET", path); }

  Result<std::string> default_branch() override {
    TRY_ASSIGN(const Value repo, m_api.call("GET", m_repo));
    return json_string(repo, "default_branch", "main");
  }

  // Gitea cannot filter pulls by head branch: the open ones are listed and
  // matched. 50 a page is asked, Gitea's default cap ([api]
  // MAX_RESPONSE_ITEMS); a server capped lower sends fewer and its Link
  // header still leads to the rest.
  Result<std::optional<PullRequest>> find_open_pull(const std::string& head) override {
    TRY_ASSIGN(const Value pulls, m_api.get_list(m_repo + "/pulls?state=open", "limit", 50));
    for (const auto& item : pulls.is_array() ? pulls : Value::array()) {
      PullRequest pull = github_shaped_pull(item);
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
    PullRequest pull = github_shaped_pull(created);
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
    return github_shaped_pull(updated);
  }

  Result<Mergeability> mergeability(long long number) override {
    return read_mergeability(number, [](const Value& pull, Mergeability& result) {
      result.mergeable = json_bool(pull, "mergeable");
      if (!result.mergeable) {
        result.reason = "Gitea says it is not mergeable (conflicts or failing required checks)";
      }
    });
  }

  Result<std::string> merge(long long number, const std::string& method, const std::string& head_sha) override {
    const std::string path = fmt::format("{}/pulls/{}", m_repo, number);
    // The merge style goes as "do". Gitea's current API description spells
    // it so (the form field Do carries the tag json:"do"); older ones say
    // "Do", the bare field name of a form without a json tag. "do" is the
    // key both accept: on current servers it is the exact name, whatever the
    // JSON decoder; older ones bind bodies with Go's encoding/json (or a
    // drop-in with its rules), which matches a key to a field name without
    // regard to case, so "do" binds to Do there too. "Do" would rely on that
    // case-folding on current servers as well.
    Value body = {{"do", method}};
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

};

}  // namespace

std::unique_ptr<Forge> make_gitea(ForgeApi& api) { return std::make_unique<Gitea>(api); }

}  // namespace automata::tools::forge
