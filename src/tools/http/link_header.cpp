#include "tools/http/link_header.hpp"

#include <algorithm>
#include <cctype>

namespace automata::tools::http {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A cursor over the header text, reading the pieces RFC 8288 is made of.
class Reader {
 public:
  explicit Reader(std::string_view text) : m_text(text) {}

  bool done() const { return m_at >= m_text.size(); }
  char peek() const { return done() ? '\0' : m_text[m_at]; }
  void skip() { ++m_at; }

  void skip_spaces() {
    while (!done() && (peek() == ' ' || peek() == '\t')) {
      skip();
    }
  }

  // After `<`: the text up to `>` (URLs may hold "," and ";").
  std::optional<std::string> target() {
    const std::size_t end = m_text.find('>', m_at);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view out = m_text.substr(m_at, end - m_at);
    m_at = end + 1;
    while (!out.empty() && (out.front() == ' ' || out.front() == '\t')) {
      out.remove_prefix(1);
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
      out.remove_suffix(1);
    }
    return std::string(out);
  }

  // A parameter name or unquoted value: up to a space or a delimiter.
  std::string token() {
    const std::size_t start = m_at;
    while (!done() && std::string_view(" \t;,=\"").find(peek()) == std::string_view::npos) {
      skip();
    }
    return std::string(m_text.substr(start, m_at - start));
  }

  // After `"`: the quoted string, backslash escapes undone.
  std::optional<std::string> quoted() {
    std::string out;
    while (!done()) {
      const char c = peek();
      skip();
      if (c == '"') {
        return out;
      }
      if (c == '\\' && !done()) {
        out += peek();
        skip();
      } else {
        out += c;
      }
    }
    return std::nullopt;  // unterminated
  }

 private:
  std::string_view m_text;
  std::size_t m_at = 0;
};

std::vector<std::string> split_rels(const std::string& value) {
  std::vector<std::string> rels;
  std::size_t at = 0;
  while (at < value.size()) {
    const std::size_t start = value.find_first_not_of(" \t", at);
    if (start == std::string::npos) {
      break;
    }
    const std::size_t end = std::min(value.find_first_of(" \t", start), value.size());
    rels.push_back(lower(value.substr(start, end - start)));
    at = end;
  }
  return rels;
}

// The `; name=value` parameters after a target; false when they cannot be read.
bool read_params(Reader& reader, LinkValue& link) {
  bool rel_seen = false;
  for (reader.skip_spaces(); reader.peek() == ';'; reader.skip_spaces()) {
    reader.skip();
    reader.skip_spaces();
    const std::string name = lower(reader.token());
    reader.skip_spaces();
    std::string value;
    if (reader.peek() == '=') {
      reader.skip();
      reader.skip_spaces();
      if (reader.peek() == '"') {
        reader.skip();
        auto text = reader.quoted();
        if (!text) {
          return false;
        }
        value = std::move(*text);
      } else {
        value = reader.token();
      }
    }
    // RFC 8288 3.3: a second rel parameter is ignored.
    if (name == "rel" && !rel_seen) {
      link.rels = split_rels(value);
      rel_seen = true;
    }
  }
  return true;
}

}  // namespace

std::vector<LinkValue> parse_link_header(std::string_view header) {
  std::vector<LinkValue> links;
  Reader reader(header);
  for (;;) {
    // Empty list elements (", ,") are allowed by the list syntax.
    while (reader.peek() == ',' || reader.peek() == ' ' || reader.peek() == '\t') {
      reader.skip();
    }
    if (reader.done() || reader.peek() != '<') {
      return links;
    }
    reader.skip();
    auto target = reader.target();
    if (!target) {
      return links;
    }
    LinkValue link{std::move(*target), {}};
    if (!read_params(reader, link)) {
      return links;
    }
    links.push_back(std::move(link));
    reader.skip_spaces();
    if (reader.peek() != ',') {
      return links;
    }
  }
}

std::optional<std::string> link_target(std::string_view header, std::string_view rel) {
  const std::string wanted = lower(rel);
  for (const auto& link : parse_link_header(header)) {
    if (std::find(link.rels.begin(), link.rels.end(), wanted) != link.rels.end()) {
      return link.target;
    }
  }
  return std::nullopt;
}

}  // namespace automata::tools::http
