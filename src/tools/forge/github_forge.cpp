// GitHub REST v3 (also GitHub Enterprise at https://host/api/v3).
#include <fmt/format.h>

#include "tools/forge/github_shaped_forge.hpp"

namespace automata::tools::forge {
namespace {

class GitHub final : public GitHubShapedForge {
 public:
  explicit GitHub(ForgeApi& api) : GitHubShapedForge(api) {}

  // Paged, 100 at most a page (30 unless asked).
  Result<Value> read_comments(const std::string& path) override { return m_api.get_list(path, "per_page", 100); }

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
    return std::optional<PullRequest>(github_shaped_pull(pulls.front()));
  }

  Result<PullRequest> create_pull(const PullSpec& spec) override {
    const Value body = {{"title", spec.title}, {"head", spec.head}, {"base", spec.base}, {"body", spec.body},
                        {"draft", spec.draft}};
    TRY_ASSIGN(const Value created, m_api.call("POST", m_repo + "/pulls", body, "push the branch first, or check head and base"));
    PullRequest pull = github_shaped_pull(created);
    TRY(add_labels_and_reviewers(pull.number, spec));
    return pull;
  }

  Result<PullRequest> update_pull(long long number, const PullSpec& spec) override {
    Value body = {{"title", spec.title}};
    if (!spec.keep_body) {
      body["body"] = spec.body;
    }
    TRY_ASSIGN(const Value updated, m_api.call("PATCH", fmt::format("{}/pulls/{}", m_repo, number), body));
    PullRequest pull = github_shaped_pull(updated);
    TRY(add_labels_and_reviewers(number, spec));
    return pull;
  }

  Result<Mergeability> mergeability(long long number) override {
    return read_mergeability(number, [](const Value& pull, Mergeability& result) {
      const auto mergeable = pull.find("mergeable");
      if (mergeable == pull.end() || mergeable->is_null()) {
        result.known = false;
        result.reason = "GitHub is still computing whether it can be merged";
        return;
      }
      result.mergeable = mergeable->get<bool>();
      if (!result.mergeable) {
        result.reason = fmt::format("GitHub says it is not mergeable (mergeable_state: {})",
                                    json_string(pull, "mergeable_state", "unknown"));
      }
    });
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

};

}  // namespace

std::unique_ptr<Forge> make_github(ForgeApi& api) { return std::make_unique<GitHub>(api); }

}  // namespace automata::tools::forge
