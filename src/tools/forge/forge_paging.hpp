#pragma once
// Where the next page of a list is, in each forge's own words: the Link
// header's rel="next" on GitHub and Gitea, X-Next-Page on GitLab, Gitea's
// X-Total-Count where it sends no Link. Where the forge marks the last page,
// no page past it is asked for. A next-page URL on another scheme, host or
// port than the API's is never requested (the token would go with it).
#include <cstddef>
#include <string>

#include "tools/forge/forge_api.hpp"

namespace automata::tools::forge {

// One page of a list as read, and what was asked for.
struct ListPage {
  ForgeType forge = ForgeType::github;
  std::string api_base;     // the configured API, whose origin next URLs must keep
  std::string url;          // this page's request, for relative links
  long long number = 1;     // this page's number
  std::size_t count = 0;    // items on this page
  std::size_t read = 0;     // items on this page and the ones before
  int page_size = 0;        // items asked for per page
};

struct NextPage {
  enum class Kind {
    none,    // this was the last page
    url,     // follow `url`: the forge's own link, on the API's origin
    number,  // ask page `number` of the same list at the API
  };
  Kind kind = Kind::none;
  std::string url;
  long long number = 0;
};

NextPage next_page(const ListPage& page, const http::HttpResponse& response);

}  // namespace automata::tools::forge
