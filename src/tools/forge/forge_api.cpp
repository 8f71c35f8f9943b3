#include "tools/forge/forge_api.hpp"

#include <cctype>

#include <fmt/format.h>

#include "engine/build_info.hpp"
#include "tools/forge/forge_paging.hpp"
#include "tools/http/request_format.hpp"
#include "tools/http/step_options.hpp"

namespace automata::tools::forge {
namespace {

std::string join_messages(const Value& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (value.is_array()) {
    for (const auto& item : value) {
      add(join_messages(item));
    }
  } else if (value.is_object()) {
    // GitLab: {"title": ["can't be blank"]}
    for (const auto& [field, messages] : value.items()) {
      add(field + " " + join_messages(messages));
    }
  } else if (!value.is_null()) {
    add(value.dump());
  }
  return text;
}

std::string default_hint(long status, ForgeType type) {
  switch (status) {
    case 401:
      return type == ForgeType::github   ? "check the token (token param, GITHUB_TOKEN or GH_TOKEN)"
             : type == ForgeType::gitlab ? "check the token (token param or GITLAB_TOKEN)"
                                         : "check the token (token param or GITEA_TOKEN)";
    case 403:
      return "the token lacks permission for this, or a rate limit was hit";
    case 404:
      return "check the project, the number, and that the token can see the repository";
    default:
      return "check the step's parameters";
  }
}

// A 2xx body as JSON; empty or not JSON reads as an empty object.
Value document_of(const http::HttpResponse& response) {
  if (response.body.empty()) {
    return Value::object();
  }
  Value document = Value::parse(response.body, nullptr, false);
  return document.is_discarded() ? Value::object() : document;
}

}  // namespace

std::string_view forge_display_name(ForgeType type) {
  switch (type) {
    case ForgeType::github:
      return "GitHub";
    case ForgeType::gitlab:
      return "GitLab";
    case ForgeType::gitea:
      return "Gitea";
  }
  return "forge";
}

bool is_retryable(const Error& error) { return error.code != Errc::usage; }

std::string forge_error_message(std::string_view body) {
  const Value document = Value::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return http::body_excerpt(body, 200);
  }
  std::string text = join_messages(document.value("message", Value()));
  if (text.empty()) {
    text = join_messages(document.value("error", Value()));
  }
  // GitHub's validation details: [{"message": ...}] or [{"field": "head", "code": "invalid"}].
  if (const auto errors = document.find("errors"); errors != document.end() && errors->is_array()) {
    std::string details;
    for (const auto& item : *errors) {
      std::string one = item.is_object() ? json_string(item, "message") : join_messages(item);
      if (one.empty() && item.is_object()) {
        one = fmt::format("{} {}", json_string(item, "field", "?"), json_string(item, "code", "invalid"));
      }
      details += (details.empty() ? "" : "; ") + one;
    }
    if (!details.empty()) {
      text += (text.empty() ? "" : ": ") + details;
    }
  }
  return text.empty() ? http::body_excerpt(body, 200) : text;
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string json_string(const Value& document, const char* key, std::string fallback) {
  if (!document.is_object()) {
    return fallback;
  }
  const auto it = document.find(key);
  return it != document.end() && it->is_string() ? it->get<std::string>() : fallback;
}

long long json_integer(const Value& document, const char* key, long long fallback) {
  if (!document.is_object()) {
    return fallback;
  }
  const auto it = document.find(key);
  return it != document.end() && it->is_number_integer() ? it->get<long long>() : fallback;
}

bool json_bool(const Value& document, const char* key, bool fallback) {
  if (!document.is_object()) {
    return fallback;
  }
  const auto it = document.find(key);
  return it != document.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

ForgeApi::ForgeApi(ForgeTarget target, engine::StepContext& context, std::string kind_name, bool dry_run)
    : m_target(std::move(target)),
      m_context(context),
      m_kind(std::move(kind_name)),
      m_dry_run(dry_run),
      m_client(http::make_client(context)) {}

std::string ForgeApi::mask(std::string_view text) const {
  std::string out = m_context.mask(text);
  const std::string& token = m_target.token;
  for (std::size_t at = out.find(token); !token.empty() && at != std::string::npos; at = out.find(token, at)) {
    out.replace(at, token.size(), "***");
  }
  return out;
}

http::HttpRequest ForgeApi::build(const std::string& method, const std::string& url, const Value& body) const {
  http::HttpRequest request;
  request.method = method;
  request.url = url;
  request.timeout = http::timeout_param(m_context.params());
  request.ca_file = http::ca_file_param(m_context);
  auto& headers = request.headers;
  switch (m_target.type) {
    case ForgeType::github:
      headers.emplace_back("Accept", "application/vnd.github+json");
      headers.emplace_back("X-GitHub-Api-Version", "2022-11-28");
      if (!m_target.token.empty()) {
        headers.emplace_back("Authorization", "Bearer " + m_target.token);
      }
      break;
    case ForgeType::gitlab:
      headers.emplace_back("Accept", "application/json");
      if (!m_target.token.empty()) {
        headers.emplace_back("PRIVATE-TOKEN", m_target.token);
      }
      break;
    case ForgeType::gitea:
      headers.emplace_back("Accept", "application/json");
      if (!m_target.token.empty()) {
        headers.emplace_back("Authorization", "token " + m_target.token);
      }
      break;
  }
  headers.emplace_back("User-Agent", fmt::format("automata/{}", build_info::k_version));
  if (!body.is_null()) {
    headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
  }
  return request;
}

std::string ForgeApi::shown(const std::string& url) const {
  const std::string& base = m_target.api_base;
  return url.size() > base.size() && url.compare(0, base.size(), base) == 0 && url[base.size()] == '/'
             ? url.substr(base.size())
             : url;
}

Result<std::optional<http::HttpResponse>> ForgeApi::exchange(const std::string& method, const std::string& url,
                                                             const Value& body, const std::string& hint) {
  const http::HttpRequest request = build(method, url, body);
  if (m_dry_run) {
    // format_request masks the credential headers; mask() catches the token anywhere else.
    // Reads are not sent either: the kind goes on as if they found nothing.
    const char* what = method == "GET" ? "dry run: would read (not sent; taken as finding nothing)\n"
                                       : "dry run: would send\n";
    m_context.output(engine::OutputStream::out, mask(what + http::format_request(request) + "\n"));
    return std::optional<http::HttpResponse>();
  }
  auto sent = m_client.send(request);
  if (!sent.ok()) {
    Error error = std::move(sent).error();
    const std::string attempts =
        error.code == Errc::cancelled ? "" : fmt::format(" after {} attempt(s)", m_client.attempts_made());
    error.message = mask(fmt::format("{}: {}{}", m_kind, error.message, attempts));
    error.hint = mask(error.hint);
    return error;
  }
  const http::HttpResponse& response = *sent;
  if (response.status >= 200 && response.status < 300) {
    return std::optional<http::HttpResponse>(std::move(sent).value());
  }
  const bool retryable = http::is_retryable_response(response);
  std::string message = fmt::format("{}: {} refused {} {} ({} {})", m_kind, display_name(), method, shown(url),
                                    response.status, forge_error_message(response.body));
  if (retryable) {
    message += fmt::format(" after {} attempt(s)", m_client.attempts_made());
  }
  // The caller's hint is for a request the forge found wrong (validation,
  // conflict); credentials, permissions and missing things get the generic one.
  const bool request_was_wrong = response.status == 400 || response.status == 405 || response.status == 409 ||
                                 response.status == 422;
  std::string what_to_do = "try again later";
  if (!retryable) {
    what_to_do = request_was_wrong && !hint.empty() ? hint : default_hint(response.status, m_target.type);
  }
  message += ": " + what_to_do;
  message = mask(message);
  return retryable ? Error::failed(message) : Error::usage(message);
}

Result<Value> ForgeApi::call(const std::string& method, const std::string& path, const Value& body,
                             const std::string& hint) {
  TRY_ASSIGN(const auto response, exchange(method, m_target.api_base + path, body, hint));
  return response ? document_of(*response) : Value();
}

Result<Value> ForgeApi::get_list(const std::string& path, const char* page_size_param, int page_size) {
  const char separator = path.find('?') == std::string::npos ? '?' : '&';
  auto numbered = [&](long long page) {
    return fmt::format("{}{}{}{}={}&page={}", m_target.api_base, path, separator, page_size_param, page_size, page);
  };
  ListPage page{m_target.type, m_target.api_base, numbered(1), 1, 0, 0, page_size};
  Value items = Value::array();
  for (int pages_read = 1;; ++pages_read) {
    TRY_ASSIGN(const auto response, exchange("GET", page.url, nullptr, {}));
    if (!response) {
      return Value();  // dry run
    }
    const Value batch = document_of(*response);
    if (!batch.is_array()) {
      break;
    }
    items.insert(items.end(), batch.begin(), batch.end());
    page.count = batch.size();
    page.read = items.size();
    const NextPage next = next_page(page, *response);
    if (next.kind == NextPage::Kind::none) {
      break;
    }
    if (pages_read == k_max_pages) {
      // GitHub and GitLab pages are asked at their maximum already; Gitea's admin sets its own.
      const char* hint = m_target.type == ForgeType::gitea
                             ? "shorten the list (close stale pull requests, delete old comments), or raise the "
                               "server's [api] MAX_RESPONSE_ITEMS"
                             : "shorten the list (close stale pull requests, delete old comments)";
      return Error::usage(mask(fmt::format("{}: {} has more than {} pages at {} ({} items read); not acting on "
                                           "part of the list",
                                           m_kind, display_name(), k_max_pages, path, items.size())),
                          hint);
    }
    page.url = next.kind == NextPage::Kind::url ? next.url : numbered(next.number);
    page.number = next.kind == NextPage::Kind::url ? page.number + 1 : next.number;
  }
  return items;
}

}  // namespace automata::tools::forge
