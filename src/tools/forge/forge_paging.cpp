#include "tools/forge/forge_paging.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <string_view>

#include "tools/http/link_header.hpp"
#include "tools/http/url.hpp"

namespace automata::tools::forge {
namespace {

NextPage last_page() { return {}; }
NextPage page_number(long long number) { return {NextPage::Kind::number, {}, number}; }

// A header's value as a whole number; nullopt when absent or not one.
// `blank` is what an empty value means (GitLab's X-Next-Page: no next page).
std::optional<long long> header_number(const http::HttpResponse& response, std::string_view name,
                                       std::optional<long long> blank = std::nullopt) {
  const auto value = response.header(name);
  if (!value) {
    return std::nullopt;
  }
  std::string text;
  std::copy_if(value->begin(), value->end(), std::back_inserter(text), [](unsigned char c) { return !std::isspace(c); });
  if (text.empty()) {
    return blank;
  }
  if (text.size() > 15 || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// HTTP lets a server split the Link list over several headers.
std::string link_headers(const http::HttpResponse& response) {
  std::string joined;
  for (const auto& [name, value] : response.headers) {
    if (name == "link") {
      joined += (joined.empty() ? "" : ", ") + value;
    }
  }
  return joined;
}

// GitLab's X-Next-Page: the next page's number, empty on the last page.
std::optional<NextPage> from_next_page_header(const ListPage& page, const http::HttpResponse& response) {
  const auto next = header_number(response, "x-next-page", 0);
  if (!next) {
    return std::nullopt;
  }
  // A "next" that is not after this page would go round in circles.
  return *next > page.number ? page_number(*next) : last_page();
}

// Link rel="next" (GitHub, Gitea; GitLab's keyset pagination): links
// without a next one mean this is the last page.
std::optional<NextPage> from_link_header(const ListPage& page, const http::HttpResponse& response) {
  const std::string header = link_headers(response);
  if (http::parse_link_header(header).empty()) {
    return std::nullopt;
  }
  const auto target = http::link_target(header, "next");
  if (!target) {
    return last_page();
  }
  // Relative links are relative to the request that got them (RFC 8288 3.2).
  auto resolved = http::resolve_url(page.url, *target);
  if (resolved.ok() && http::same_origin(*resolved, page.api_base)) {
    return NextPage{NextPage::Kind::url, std::move(resolved).value(), 0};
  }
  // The link leaves the API's scheme, host or port (a Gitea whose ROOT_URL is
  // not the api_url given, say, or a forged header). The token goes with every
  // request, so that URL is never asked; the forge did say a next page
  // exists, so the same list's next page is asked of the API by number.
  return page_number(page.number + 1);
}

// Gitea's X-Total-Count, on its lists with or without Link (Gitea leaves
// Link out when everything fits on one page).
std::optional<NextPage> from_total_count(const ListPage& page, const http::HttpResponse& response) {
  const auto total = header_number(response, "x-total-count");
  if (!total) {
    return std::nullopt;
  }
  return static_cast<long long>(page.read) >= *total ? last_page() : page_number(page.number + 1);
}

}  // namespace

NextPage next_page(const ListPage& page, const http::HttpResponse& response) {
  if (page.count == 0) {
    return last_page();  // whatever the headers say, an empty page ends the list
  }
  // GitLab sends both X-Next-Page and Link on the (offset-paginated) lists
  // read here; X-Next-Page wins. It numbers a page of the very list asked
  // for, so the next request is built on the api_url given, whereas GitLab
  // writes its Link URLs from its external_url, which behind a proxy or with
  // an internal api_url is another host. And it is explicit on the last page
  // (present and empty), also on lists over 10,000 items, where GitLab leaves
  // out X-Total and rel="last". Link still counts where X-Next-Page is not
  // sent (keyset pagination sends Link alone).
  if (page.forge == ForgeType::gitlab) {
    if (auto next = from_next_page_header(page, response)) {
      return *next;
    }
  }
  if (auto next = from_link_header(page, response)) {
    return *next;
  }
  if (auto next = from_total_count(page, response)) {
    return *next;
  }
  // No signal at all (an older server, a proxy that drops headers): a page
  // shorter than asked is the last; a full one may have a successor, so the
  // next is asked, and an empty answer ends the list. A server that sends
  // fewer items than asked without saying so (a page-size cap and no Link)
  // cannot be told from the end of the list.
  return static_cast<int>(page.count) < page.page_size ? last_page() : page_number(page.number + 1);
}

}  // namespace automata::tools::forge
