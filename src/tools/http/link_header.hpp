#pragma once
// The Link header of RFC 8288, as forges use it to say where the next page
// of a list is: `<https://host/x?page=2>; rel="next", <...>; rel="last"`.
// libcurl hands over headers but does not read this one.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace automata::tools::http {

struct LinkValue {
  std::string target;             // as written between < and >: absolute or relative
  std::vector<std::string> rels;  // rel's relation types, lower-case
};

// Every link-value of one header (or of several joined with ","). Parameters
// may be quoted or not, with spaces around ";" and "="; a quoted value may
// hold "," and ";". What cannot be read ends the list: the links before it
// are kept.
std::vector<LinkValue> parse_link_header(std::string_view header);

// The target of the first link whose rel names `rel` (case-insensitive).
std::optional<std::string> link_target(std::string_view header, std::string_view rel);

}  // namespace automata::tools::http
