#pragma once
// The HTTP side every forge back-end shares: where the API is, who we are,
// and one call() that sends JSON, retries, and turns a refusal into a
// one-line error naming the forge, the request and the forge's own message.
// In a dry run call() prints the request (credentials as ***) and sends
// nothing; it returns null, which every back-end reads as "nothing known".
#include <optional>
#include <string>

#include "engine/step_kind.hpp"
#include "tools/http/http_client.hpp"

namespace automata::tools::forge {

enum class ForgeType { github, gitlab, gitea };

std::string_view forge_display_name(ForgeType type);

struct ForgeTarget {
  ForgeType type = ForgeType::github;
  std::string api_base;  // "https://api.github.com", "https://host/api/v4", no trailing slash
  std::string project;   // "owner/repo" or "group/sub/repo"
  std::string owner;
  std::string name;
  std::string token;     // never printed, never in an output
};

// Errors from call() are Errc::failed when another attempt of the step may
// succeed (connection, 408, 429, 5xx) and Errc::usage when it will not (4xx).
bool is_retryable(const Error& error);

class ForgeApi {
 public:
  ForgeApi(ForgeTarget target, engine::StepContext& context, std::string kind_name, bool dry_run);

  const ForgeTarget& target() const { return m_target; }
  bool dry_run() const { return m_dry_run; }
  const std::string& kind() const { return m_kind; }
  // The step's secrets and this token masked: for every text a forge kind builds.
  std::string mask(std::string_view text) const;
  std::string_view display_name() const { return forge_display_name(m_target.type); }

  // `path` starts with '/' and is relative to api_base. `body` null: none.
  // `hint` is what to do when the forge refuses (4xx), e.g. "push the branch first".
  Result<Value> call(const std::string& method, const std::string& path, const Value& body = nullptr,
                     const std::string& hint = {});

  // GET of a list, page by page ("per_page" on GitHub and GitLab, "limit"
  // on Gitea), items joined. Pages follow the forge's own word on where the
  // next one is (forge_paging.hpp). More than k_max_pages pages is an error:
  // a kind that acted on part of a list (no marker found, no open pull
  // request found) would open duplicates. Null in a dry run.
  Result<Value> get_list(const std::string& path, const char* page_size_param, int page_size);

 private:
  static constexpr int k_max_pages = 20;
  http::HttpRequest build(const std::string& method, const std::string& url, const Value& body) const;
  // One request to `url` (at api_base or on its origin); refusals and
  // failures become the one-line errors. Nullopt in a dry run.
  Result<std::optional<http::HttpResponse>> exchange(const std::string& method, const std::string& url,
                                                     const Value& body, const std::string& hint);
  // `url` as errors name it: the path after api_base, or the whole URL.
  std::string shown(const std::string& url) const;

  ForgeTarget m_target;
  engine::StepContext& m_context;
  std::string m_kind;
  bool m_dry_run;
  http::HttpClient m_client;
};

// The forge's own words from an error body: GitHub's message plus its
// errors[].message, GitLab's message (string, list or field map) or error,
// Gitea's message; else the start of the body.
std::string forge_error_message(std::string_view body);

// Percent-encodes one path segment or query value ("group/sub" -> "group%2Fsub").
std::string url_encode(std::string_view text);

// Tolerant readers: a missing key or a null document gives the fallback.
std::string json_string(const Value& document, const char* key, std::string fallback = {});
long long json_integer(const Value& document, const char* key, long long fallback = 0);
bool json_bool(const Value& document, const char* key, bool fallback = false);

}  // namespace automata::tools::forge
