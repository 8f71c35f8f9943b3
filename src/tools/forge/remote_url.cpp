#include "tools/forge/remote_url.hpp"

#include <fmt/format.h>

namespace automata::tools::forge {
namespace {

std::string strip_suffix(std::string text, std::string_view suffix) {
  if (text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
    text.erase(text.size() - suffix.size());
  }
  return text;
}

Error not_a_forge_url(std::string_view shown) {
  return Error::usage(fmt::format("cannot tell the forge project from remote URL '{}'", shown),
                      "expected https://host/owner/repo.git or git@host:owner/repo.git; pass remote_url");
}

}  // namespace

Result<RemoteLocation> parse_remote_url(std::string_view url) {
  std::string scheme;
  std::string authority;  // [user[:password]@]host[:port]
  std::string path;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    scheme = std::string(url.substr(0, scheme_end));
    const std::string_view rest = url.substr(scheme_end + 3);
    const std::size_t slash = rest.find('/');
    authority = std::string(rest.substr(0, slash));
    path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
  } else {
    // scp-like syntax: [user@]host:path, where the host part has no slash.
    const std::size_t colon = url.find(':');
    const std::size_t slash = url.find('/');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
      return not_a_forge_url(url);
    }
    scheme = "ssh";
    authority = std::string(url.substr(0, colon));
    path = std::string(url.substr(colon + 1));
  }
  const std::size_t at = authority.rfind('@');
  const std::string host_port = at == std::string::npos ? authority : authority.substr(at + 1);
  // What is shown in errors never carries the user part (it may be a token).
  const std::string shown = scheme_end != std::string_view::npos ? fmt::format("{}://{}/{}", scheme, host_port, path)
                                                                  : fmt::format("{}:{}", host_port, path);
  const std::size_t port_colon = host_port.find(':');
  RemoteLocation location;
  location.host = host_port.substr(0, port_colon);
  location.web_origin = (scheme == "http" || scheme == "https") ? fmt::format("{}://{}", scheme, host_port)
                                                                : "https://" + location.host;
  while (!path.empty() && path.front() == '/') {
    path.erase(0, 1);
  }
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  path = strip_suffix(path, ".git");
  const std::size_t last_slash = path.rfind('/');
  if (location.host.empty() || last_slash == std::string::npos || last_slash == 0 || last_slash + 1 == path.size()) {
    return not_a_forge_url(shown);
  }
  location.project = path;
  location.owner = path.substr(0, last_slash);
  location.name = path.substr(last_slash + 1);
  return location;
}

}  // namespace automata::tools::forge
