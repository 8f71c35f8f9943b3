#pragma once
// What GitHub's REST API and Gitea/Forgejo's (which copies it) do alike:
// pull requests and comments as JSON, issue comments, commit statuses, and
// the first part of a pull request's mergeability. GitHub and Gitea derive
// from it and add what differs (labels, reviewers, merging, reading lists).
#include <functional>
#include <string>

#include "tools/forge/forge.hpp"

namespace automata::tools::forge {

PullRequest github_shaped_pull(const Value& json);
Comment github_shaped_comment(const Value& json);

class GitHubShapedForge : public Forge {
 public:
  Result<std::vector<Comment>> list_comments(Thread thread, long long number) override;
  Result<Comment> create_comment(Thread thread, long long number, const std::string& text) override;
  Result<Comment> update_comment(Thread thread, long long number, long long id, const std::string& text) override;
  Result<std::string> set_status(const StatusSpec& spec) override;

 protected:
  explicit GitHubShapedForge(ForgeApi& api);

  // Every comment of an issue or pull request at `path` (.../issues/N/comments),
  // as the JSON list: GitHub pages it, Gitea answers with all of them at once.
  virtual Result<Value> read_comments(const std::string& path) = 0;

  // Reads the pull request and settles what both forges settle alike (a dry
  // run, already merged, not open); `decide` fills in the rest from its JSON.
  Result<Mergeability> read_mergeability(long long number,
                                         const std::function<void(const Value& pull, Mergeability& result)>& decide);

  ForgeApi& m_api;
  std::string m_repo;  // "/repos/OWNER/NAME"
};

}  // namespace automata::tools::forge
