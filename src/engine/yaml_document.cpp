#include "engine/yaml_document.hpp"

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

namespace automata::engine {
namespace {

// yaml-cpp's messages name parser states ("end of map not found"); say what
// the author most likely did and what to change instead.
std::string yaml_error_message(const std::string& message) {
  static const std::vector<std::pair<std::string, std::string>> k_explained = {
      {YAML::ErrorMsg::TAB_IN_INDENTATION, "a tab is used for indentation; YAML indents with spaces only"},
      {YAML::ErrorMsg::END_OF_MAP, "this line's indentation does not match the lines above it"},
      {YAML::ErrorMsg::END_OF_SEQ, "this line's indentation does not match the list above it"},
      {YAML::ErrorMsg::END_OF_MAP_FLOW, "a '{' map is not closed with '}'"},
      {YAML::ErrorMsg::END_OF_SEQ_FLOW, "a '[' list is not closed with ']'"},
      {YAML::ErrorMsg::FLOW_END, "a closing '}' or ']' does not match the bracket it closes"},
      {YAML::ErrorMsg::MAP_VALUE, "unexpected ':'; quote a value that contains ': ', or check the indentation"},
      {YAML::ErrorMsg::BLOCK_ENTRY, "unexpected '-' list item; check the indentation"},
      {YAML::ErrorMsg::EOF_IN_SCALAR, "a quoted string is not closed before the end of the file"},
  };
  for (const auto& [original, explained] : k_explained) {
    if (message == original) {
      return "YAML syntax error: " + explained;
    }
  }
  if (message.rfind(YAML::ErrorMsg::INVALID_ESCAPE, 0) == 0) {
    return "YAML syntax error: " + message + "; in double quotes write \\\\ for a backslash, or use single quotes";
  }
  return "YAML syntax error: " + (message.empty() ? std::string("invalid YAML") : message);
}

// yaml-cpp's column for an indentation error does not point at the tab that
// caused it; a tab in the leading whitespace of the line is the problem.
SourcePos yaml_error_position(const Diagnostics& diagnostics, SourcePos pos, std::string& message) {
  const std::size_t start = diagnostics.offset_of({pos.line, 1});
  const std::string_view source = diagnostics.source();
  // In a { } map or [ ] list, the braces of an unquoted ${{ }} are YAML's.
  if (const std::size_t at = diagnostics.offset_of(pos); at > 0 && source.substr(at - 1, 3) == "${{") {
    message = "YAML syntax error: inside { } or [ ], a value with ${{ }} must be quoted: \"${{ ... }}\"";
    return diagnostics.position_of(at - 1);
  }
  if (source.find_first_not_of(" \t\r\n", diagnostics.offset_of(pos)) == std::string_view::npos) {
    message += " (reached the end of the file)";
    return pos;
  }
  for (std::size_t i = start; i < source.size() && (source[i] == ' ' || source[i] == '\t'); ++i) {
    if (source[i] == '\t') {
      message = "YAML syntax error: a tab is used for indentation; YAML indents with spaces only";
      return {pos.line, static_cast<int>(i - start) + 1};
    }
  }
  return pos;
}

constexpr std::string_view k_c0_names[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT", "LF",
                                           "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
                                           "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};

bool is_refused_control(unsigned char byte) {
  return (byte < 0x20U && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7FU;
}

// The first control character is reported with its position; one file
// with many (a binary file) gives one line, not thousands.
bool report_control_characters(Diagnostics& diagnostics) {
  const std::string_view source = diagnostics.source();
  std::size_t first = std::string_view::npos;
  std::size_t more = 0;
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (is_refused_control(static_cast<unsigned char>(source[i]))) {
      more += first == std::string_view::npos ? 0 : 1;
      first = first == std::string_view::npos ? i : first;
    }
  }
  if (first == std::string_view::npos) {
    return false;
  }
  const auto byte = static_cast<unsigned char>(source[first]);
  const std::string_view name = byte == 0x7FU ? "DEL" : k_c0_names[byte];
  std::string message = fmt::format("a control character ({}, \\x{:02x}) is not allowed in a workflow file; in a "
                                    "double-quoted string write it as an escape (\"\\x{:02x}\")",
                                    name, byte, byte);
  if (more > 0) {
    message += fmt::format(" ({} more after it)", more);
  }
  diagnostics.error(diagnostics.position_of(first), std::move(message));
  return true;
}

// What the first pass over the events records: where each document and
// each scalar starts (a quoted one starts at its quote).
class Collector final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> documents;
  std::vector<YAML::Mark> scalars;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnAlias(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    scalars.push_back(mark);
  }
  void OnSequenceStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value /*style*/) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {}
  void OnMapEnd() override {}
};

SourcePos to_pos(const YAML::Mark& mark) { return {mark.line + 1, mark.column + 1}; }

// The offset of the quote closing the string opened at `open`, or npos. In
// double quotes a backslash escapes the next character; in single quotes
// '' is a quote.
std::size_t closing_quote(std::string_view source, std::size_t open) {
  const char quote = source[open];
  for (std::size_t i = open + 1; i < source.size(); ++i) {
    if (quote == '"' && source[i] == '\\') {
      ++i;
    } else if (source[i] == quote) {
      if (quote == '\'' && i + 1 < source.size() && source[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i;
    }
  }
  return std::string_view::npos;
}

std::size_t indentation(std::string_view line) { return std::min(line.find_first_not_of(' '), line.size()); }

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// The problem of the quoted string opened at `open`, if it has one (the
// rule is at the top of yaml_document.hpp).
std::optional<std::string> unclosed_quote_problem(const Diagnostics& diagnostics, std::size_t open) {
  const std::string_view source = diagnostics.source();
  const char quote = source[open];
  const std::size_t close = closing_quote(source, open);
  const SourcePos start = diagnostics.position_of(open);
  const SourcePos end = diagnostics.position_of(close == std::string_view::npos ? source.size() : close);
  const auto line_text = [&](int line) {
    const std::size_t from = diagnostics.offset_of({line, 1});
    return source.substr(from, std::min(source.find('\n', from), source.size()) - from);
  };
  const std::size_t own_indentation = indentation(line_text(start.line));
  for (int line = start.line + 1; line <= end.line; ++line) {
    const std::string_view text = line_text(line);
    if (!is_blank(text) && indentation(text) <= own_indentation) {
      std::string_view shown = text.substr(indentation(text));
      shown = shown.substr(0, std::min(shown.find_last_not_of(" \t\r") + 1, std::size_t{30}));
      return fmt::format("YAML syntax error: this quoted string is not closed: it runs on into line {} ('{}'), "
                         "which is indented no more than its key; add the closing {}",
                         line, shown, quote);
    }
  }
  if (close == std::string_view::npos) {
    return fmt::format("YAML syntax error: this quoted string is not closed before the end of the file; add the "
                       "closing {}",
                       quote);
  }
  return std::nullopt;
}

// Reports the first unclosed quoted string among the scalars; true if one was.
bool report_unclosed_quote(Diagnostics& diagnostics, const std::vector<YAML::Mark>& scalars) {
  const std::string_view source = diagnostics.source();
  for (const auto& mark : scalars) {
    const std::size_t at = diagnostics.offset_of(to_pos(mark));
    if (at >= source.size() || (source[at] != '"' && source[at] != '\'')) {
      continue;
    }
    if (auto problem = unclosed_quote_problem(diagnostics, at)) {
      diagnostics.error(to_pos(mark), std::move(*problem));
      return true;
    }
  }
  return false;
}

}  // namespace

void report_yaml_exception(Diagnostics& diagnostics, const YAML::Exception& exception) {
  std::string message = yaml_error_message(exception.msg);
  const SourcePos pos = yaml_error_position(diagnostics, to_pos(exception.mark), message);
  diagnostics.error(pos, message);
}

std::optional<YAML::Node> parse_workflow_yaml(Diagnostics& diagnostics) {
  if (report_control_characters(diagnostics)) {
    return std::nullopt;
  }
  // A first pass over the events finds what the node tree no longer shows:
  // the documents, and where each scalar starts. It also knows the scalars
  // read before a syntax error, which an unclosed quote usually caused.
  std::istringstream stream{std::string(diagnostics.source())};
  YAML::Parser parser(stream);
  Collector collector;
  try {
    while (parser.HandleNextDocument(collector)) {
    }
  } catch (const YAML::Exception& e) {
    if (!report_unclosed_quote(diagnostics, collector.scalars)) {
      report_yaml_exception(diagnostics, e);
    }
    return std::nullopt;
  }
  if (report_unclosed_quote(diagnostics, collector.scalars)) {
    return std::nullopt;
  }
  if (collector.documents.size() > 1) {
    diagnostics.error(to_pos(collector.documents[1]),
                      "a workflow file holds one YAML document, and a second one starts here; put each workflow "
                      "in a file of its own");
    return std::nullopt;
  }
  return YAML::Load(std::string(diagnostics.source()));
}

}  // namespace automata::engine
