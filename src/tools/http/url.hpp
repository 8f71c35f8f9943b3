#pragma once
// URLs read with libcurl's own parser (the one that sends the requests), so
// that what is checked here is what curl would connect to.
#include <optional>
#include <string>

#include "engine/result.hpp"

namespace automata::tools::http {

// `reference`, absolute or relative (RFC 3986: "/path", "?query", "x/y",
// "//host/path"), resolved against the absolute URL `base`.
Result<std::string> resolve_url(const std::string& base, const std::string& reference);

// "scheme://host:port" of an absolute URL, lower-case, the port filled in
// from the scheme when not given; nullopt when it does not parse.
std::optional<std::string> url_origin(const std::string& url);

// Both parse and name the same scheme, host and port: a request to `other`
// goes to the same server as one to `url`.
bool same_origin(const std::string& url, const std::string& other);

}  // namespace automata::tools::http
