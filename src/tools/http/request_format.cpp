#include "tools/http/request_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

namespace automata::tools::http {

bool is_credential_header(std::string_view name) {
  static constexpr std::array<std::string_view, 6> k_names = {"authorization", "private-token", "proxy-authorization",
                                                              "cookie",        "x-api-key",     "job-token"};
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(k_names.begin(), k_names.end(), lowered) != k_names.end();
}

std::string format_request(const HttpRequest& request) {
  std::string text = fmt::format("{} {}\n", request.method, request.url);
  for (const auto& [name, value] : request.headers) {
    if (!is_credential_header(name)) {
      text += fmt::format("{}: {}\n", name, value);
      continue;
    }
    // Keep the scheme word ("Bearer", "token") so the reader sees which kind was sent.
    const std::size_t space = value.find(' ');
    const bool has_scheme = space != std::string::npos && space > 0 && space + 1 < value.size();
    text += fmt::format("{}: {}***\n", name, has_scheme ? value.substr(0, space + 1) : std::string());
  }
  if (!request.body.empty()) {
    text += "\n" + request.body;
    if (request.body.back() != '\n') {
      text += "\n";
    }
  }
  return text;
}

std::string body_excerpt(std::string_view body, std::size_t limit) {
  std::string out;
  for (char c : body.substr(0, limit)) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  if (body.size() > limit) {
    out += "...";
  }
  return out;
}

}  // namespace automata::tools::http
