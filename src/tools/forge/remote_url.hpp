#pragma once
// Where a git remote URL points: host and project path, in the forms git
// accepts (https://host/o/r.git, git@host:o/r.git, ssh://git@host:22/o/r),
// GitLab subgroups included (group/sub/repo). Credentials in the URL are
// dropped, never kept.
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace automata::tools::forge {

struct RemoteLocation {
  std::string host;         // "github.com", no port
  std::string web_origin;   // "https://host[:port]": where the forge's web and API live
  std::string project;      // "owner/repo" or "group/sub/repo", no ".git"
  std::string owner;        // "owner" or "group/sub"
  std::string name;         // "repo"
};

Result<RemoteLocation> parse_remote_url(std::string_view url);

}  // namespace automata::tools::forge
