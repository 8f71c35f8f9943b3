#pragma once
// The text of a request as a person reads it (dry run, verbose output, error
// messages), with credential header values replaced by ***.
#include <string>
#include <string_view>

#include "tools/http/http_client.hpp"

namespace automata::tools::http {

// Headers whose values are credentials wherever they appear.
bool is_credential_header(std::string_view name);

// "POST https://host/path\nName: value\n...\n\n<body>\n"
std::string format_request(const HttpRequest& request);

// The start of a response body on one line, for error messages.
std::string body_excerpt(std::string_view body, std::size_t limit = 200);

}  // namespace automata::tools::http
