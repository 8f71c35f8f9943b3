#pragma once
// What GitHub's REST API and Gitea/Forgejo's (which copies it) do alike:
// pull requests and comments as JSON, issue comments, commit statuses, and
// the first part of a pull request's mergeability. GitHub and Gitea derive
// from it and add what differs (labels, reviewers, merging, paging).
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
  // Paging of comment lists: GitHub's `per_page` (100 at most), Gitea's `limit` (50).
  GitHubShapedForge(ForgeApi& api, std::string page_size_param, int page_size);

  // Reads the pull request and settles what both forges settle alike (a dry
  // run, already merged, not open); `decide` fills in the rest from its JSON.
  Result<Mergeability> read_mergeability(long long number,
                                         const std::function<void(const Value& pull, Mergeability& result)>& decide);

  ForgeApi& m_api;
  std::string m_repo;  // "/repos/OWNER/NAME"

 private:
  std::string m_page_size_param;
  int m_page_size;
};

}  // namespace automata::tools::forge
