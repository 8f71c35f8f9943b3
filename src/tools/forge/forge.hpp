#pragma once
// One interface over GitHub, GitLab and Gitea/Forgejo. Names follow GitHub
// (number, url, head, base); the GitLab back-end maps iid, web_url,
// source_branch and target_branch onto them. In a dry run (ForgeApi) reads
// return "nothing found" and writes return empty values.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/forge/forge_api.hpp"

namespace automata::tools::forge {

struct PullRequest {
  long long number = 0;
  std::string url;
  std::string head;
  std::string base;
};

struct PullSpec {
  std::string title;
  std::string body;
  bool keep_body = false;  // an update leaves the description as it is
  std::string head;
  std::string base;
  bool draft = false;
  std::vector<std::string> labels;
  std::vector<std::string> reviewers;
};

struct Comment {
  long long id = 0;
  std::string url;
  std::string body;
};

// Where a comment goes: GitLab keeps issues and merge requests apart.
enum class Thread { pull, issue };

struct StatusSpec {
  std::string sha;
  std::string state;  // pending, success, failure, error (GitHub words)
  std::string context;
  std::string description;
  std::string target_url;
};

struct Mergeability {
  bool known = true;       // false while the forge is still computing it
  bool mergeable = false;
  std::string reason;      // why not, in the forge's words
  std::string head_sha;
};

struct IssueSpec {
  std::string title;
  std::string body;
  std::vector<std::string> labels;
  std::vector<std::string> assignees;
};

struct Issue {
  long long number = 0;
  std::string url;
};

class Forge {
 public:
  virtual ~Forge() = default;
  virtual Result<std::string> default_branch() = 0;
  virtual Result<std::optional<PullRequest>> find_open_pull(const std::string& head) = 0;
  virtual Result<PullRequest> create_pull(const PullSpec& spec) = 0;
  // Sets title and body of an open pull request, and adds labels and reviewers.
  virtual Result<PullRequest> update_pull(long long number, const PullSpec& spec) = 0;
  virtual Result<std::vector<Comment>> list_comments(Thread thread, long long number) = 0;
  virtual Result<Comment> create_comment(Thread thread, long long number, const std::string& body) = 0;
  virtual Result<Comment> update_comment(Thread thread, long long number, long long id, const std::string& body) = 0;
  // Returns the status's URL as the forge reports it.
  virtual Result<std::string> set_status(const StatusSpec& spec) = 0;
  virtual Result<Mergeability> mergeability(long long number) = 0;
  // Returns the merge commit's sha. A non-empty `head_sha` makes the forge
  // refuse when the branch moved after mergeability was checked.
  virtual Result<std::string> merge(long long number, const std::string& method, const std::string& head_sha) = 0;
  virtual Result<Issue> create_issue(const IssueSpec& spec) = 0;
};

std::unique_ptr<Forge> make_github(ForgeApi& api);
std::unique_ptr<Forge> make_gitlab(ForgeApi& api);
std::unique_ptr<Forge> make_gitea(ForgeApi& api);
std::unique_ptr<Forge> make_forge(ForgeApi& api);

}  // namespace automata::tools::forge
