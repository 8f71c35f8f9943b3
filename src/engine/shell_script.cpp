#include "engine/shell_script.hpp"

#include <algorithm>
#include <deque>
#include <optional>

#include <fmt/format.h>

namespace automata::engine {
namespace {

// Where an expression stands, which decides how its reference is quoted.
enum class Place { unquoted, double_quoted, single_quoted, ansi_c, arithmetic, literal_heredoc };

struct HereDocument {
  std::string delimiter;
  bool literal = false;     // <<'EOF', <<"EOF", <<\EOF: the body expands nothing
  bool strip_tabs = false;  // <<-EOF
};

// Follows the quoting of a POSIX shell script well enough to know, at each
// expression, whether it stands unquoted, in quotes, in arithmetic or in a
// here-document. It never rewrites the text it reads. What it does not model
// (case patterns inside $( ), nested here-documents in substitutions) costs at
// worst a reference quoted for the wrong place, which the shell then sees as
// one or more literal words: never as code.
class ShellQuoting {
 public:
  void feed(std::string_view text);
  Place place() const;
  bool after_backslash() const { return m_escape; }
  void expression_placed();

 private:
  enum class Kind { top, double_quote, single_quote, ansi_c, backtick, command, parameter, arithmetic, comment };
  struct Frame {
    Kind kind = Kind::top;
    int depth = 0;               // nested ( or { inside a command, arithmetic or parameter
    bool in_double = false;      // a parameter expansion inside "..."
  };
  bool is_code(Kind kind) const {
    return kind == Kind::top || kind == Kind::command || kind == Kind::backtick || kind == Kind::parameter ||
           kind == Kind::arithmetic;
  }
  std::size_t dollar(std::string_view text, std::size_t at, bool in_double);
  std::size_t here_document_operator(std::string_view text, std::size_t at);
  void newline();
  void here_document_char(char c);
  void code_char(std::string_view text, std::size_t& at);

  std::vector<Frame> m_stack{Frame{}};
  bool m_escape = false;
  bool m_word_start = true;
  std::deque<HereDocument> m_pending;
  std::optional<HereDocument> m_body;  // inside a here-document's body
  std::string m_line;                  // the body line read so far
  bool m_line_has_expression = false;
};

bool separates_words(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')';
}

void ShellQuoting::feed(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (m_body) {
      here_document_char(c);
      continue;
    }
    if (m_escape) {
      m_escape = false;
      m_word_start = false;
      continue;
    }
    const Kind kind = m_stack.back().kind;
    switch (kind) {
      case Kind::single_quote:
        if (c == '\'') {
          m_stack.pop_back();
        }
        continue;
      case Kind::ansi_c:
        if (c == '\\') {
          m_escape = true;
        } else if (c == '\'') {
          m_stack.pop_back();
        }
        continue;
      case Kind::comment:
        if (c == '\n') {
          m_stack.pop_back();
          newline();
          m_word_start = true;
        }
        continue;
      case Kind::double_quote:
        if (c == '\\') {
          m_escape = true;
        } else if (c == '"') {
          m_stack.pop_back();
        } else if (c == '`') {
          m_stack.push_back(Frame{Kind::backtick});
        } else if (c == '$') {
          i += dollar(text, i, true);
        }
        continue;
      default:
        code_char(text, i);
    }
  }
}

void ShellQuoting::code_char(std::string_view text, std::size_t& at) {
  const char c = text[at];
  const char next = at + 1 < text.size() ? text[at + 1] : '\0';
  Frame& frame = m_stack.back();
  const bool word_start = m_word_start;
  m_word_start = separates_words(c);
  switch (c) {
    case '\\':
      m_escape = true;
      return;
    case '\'':
      m_stack.push_back(Frame{Kind::single_quote});
      return;
    case '"':
      m_stack.push_back(Frame{Kind::double_quote});
      return;
    case '`':
      if (frame.kind == Kind::backtick) {
        m_stack.pop_back();
      } else {
        m_stack.push_back(Frame{Kind::backtick});
      }
      return;
    case '$':
      at += dollar(text, at, frame.kind == Kind::parameter && frame.in_double);
      return;
    case '#':
      if (word_start && frame.kind != Kind::parameter && frame.kind != Kind::arithmetic) {
        m_stack.push_back(Frame{Kind::comment});
      }
      return;
    case '\n':
      newline();
      return;
    default:
      break;
  }
  if (frame.kind == Kind::parameter) {
    if (c == '{') {
      ++frame.depth;
    } else if (c == '}') {
      if (frame.depth == 0) {
        m_stack.pop_back();
      } else {
        --frame.depth;
      }
    }
    return;
  }
  if (frame.kind == Kind::arithmetic) {
    if (c == '(') {
      ++frame.depth;
    } else if (c == ')') {
      if (frame.depth == 0 && next == ')') {
        m_stack.pop_back();
        ++at;
      } else if (frame.depth > 0) {
        --frame.depth;
      }
    }
    return;
  }
  if (c == '(' && next == '(' && word_start) {
    m_stack.push_back(Frame{Kind::arithmetic});  // (( n + 1 )) as a command
    ++at;
    return;
  }
  if (frame.kind == Kind::command) {
    if (c == '(') {
      ++frame.depth;
    } else if (c == ')') {
      if (frame.depth == 0) {
        m_stack.pop_back();
      } else {
        --frame.depth;
      }
    }
  }
  if (c == '<' && next == '<') {
    at = here_document_operator(text, at);
  }
}

// After a '$': ${, $(, $((, $'. Returns how many more characters it consumed.
std::size_t ShellQuoting::dollar(std::string_view text, std::size_t at, bool in_double) {
  const char next = at + 1 < text.size() ? text[at + 1] : '\0';
  const char after = at + 2 < text.size() ? text[at + 2] : '\0';
  if (next == '{') {
    m_stack.push_back(Frame{Kind::parameter, 0, in_double || m_stack.back().kind == Kind::double_quote});
    return 1;
  }
  if (next == '(' && after == '(') {
    m_stack.push_back(Frame{Kind::arithmetic});
    return 2;
  }
  if (next == '(') {
    m_stack.push_back(Frame{Kind::command});
    m_word_start = true;
    return 1;
  }
  if (next == '\'' && !in_double && m_stack.back().kind != Kind::double_quote) {
    m_stack.push_back(Frame{Kind::ansi_c});
    return 1;
  }
  return 0;
}

// At "<<": a here-string (<<<) or a here-document whose body starts at the
// next line. Returns the index of the last character consumed.
std::size_t ShellQuoting::here_document_operator(std::string_view text, std::size_t at) {
  std::size_t i = at + 2;
  if (i < text.size() && text[i] == '<') {
    return i;
  }
  HereDocument document;
  if (i < text.size() && text[i] == '-') {
    document.strip_tabs = true;
    ++i;
  }
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  char quote = '\0';
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != '\0') {
      if (c == quote) {
        quote = '\0';
      } else {
        document.delimiter += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      document.literal = true;
    } else if (c == '\\') {
      document.literal = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' ||
               c == '(' || c == ')') {
      break;
    } else {
      document.delimiter += c;
    }
  }
  if (!document.delimiter.empty()) {
    m_pending.push_back(std::move(document));
  }
  return i - 1;
}

void ShellQuoting::newline() {
  if (!m_pending.empty()) {
    m_body = std::move(m_pending.front());
    m_pending.pop_front();
    m_line.clear();
    m_line_has_expression = false;
  }
  m_word_start = true;
}

void ShellQuoting::here_document_char(char c) {
  if (c != '\n') {
    m_line += c;
    return;
  }
  std::string_view line = m_line;
  if (m_body->strip_tabs) {
    line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
  }
  const bool ends = !m_line_has_expression && line == m_body->delimiter;
  m_line.clear();
  m_line_has_expression = false;
  if (ends) {
    m_body.reset();
    newline();  // the next pending here-document, if any, starts now
  }
}

Place ShellQuoting::place() const {
  if (m_body) {
    return m_body->literal ? Place::literal_heredoc : Place::double_quoted;
  }
  const Frame& frame = m_stack.back();
  switch (frame.kind) {
    case Kind::double_quote:
      return Place::double_quoted;
    case Kind::single_quote:
      return Place::single_quoted;
    case Kind::ansi_c:
      return Place::ansi_c;
    case Kind::arithmetic:
      return Place::arithmetic;
    case Kind::parameter:
      return frame.in_double ? Place::double_quoted : Place::unquoted;
    default:
      return Place::unquoted;
  }
}

void ShellQuoting::expression_placed() {
  m_word_start = false;
  if (m_body) {
    m_line_has_expression = true;
  }
}

std::string reference(Place place, const std::string& variable) {
  switch (place) {
    case Place::double_quoted:
    case Place::arithmetic:
      return fmt::format("${{{}}}", variable);
    case Place::single_quoted:
      return fmt::format("'\"${{{}}}\"'", variable);
    case Place::ansi_c:
      return fmt::format("'\"${{{}}}\"$'", variable);
    default:
      return fmt::format("\"${{{}}}\"", variable);
  }
}

std::string_view first_word_name(std::string_view shell) {
  const std::size_t start = shell.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return {};
  }
  std::string_view word = shell.substr(start);
  word = word.substr(0, word.find_first_of(" \t"));
  const std::size_t slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

}  // namespace

bool is_posix_shell(std::string_view shell) {
  const std::string_view name = first_word_name(shell);
  for (std::string_view known : {"bash", "sh", "dash", "zsh", "ksh", "mksh", "ash"}) {
    if (name == known) {
      return true;
    }
  }
  return false;
}

std::variant<ShellScript, ScriptProblem> prepare_shell_script(std::string_view run_text, std::string_view shell) {
  auto parsed = expr::Template::parse(run_text);
  if (auto* error = std::get_if<expr::ParseError>(&parsed)) {
    return ScriptProblem{error->offset, error->message};
  }
  const auto& tpl = std::get<expr::Template>(parsed);
  ShellScript script;
  if (!tpl.has_expressions()) {
    script.text = std::string(run_text);
    return script;
  }
  if (!is_posix_shell(shell)) {
    const std::size_t offset = std::find_if(tpl.parts().begin(), tpl.parts().end(), [](const auto& part) {
                                 return part.expression != nullptr;
                               })->offset -
                               3;  // the "${{"
    return ScriptProblem{
        offset, fmt::format("an expression cannot be passed safely into a '{}' script: map it in 'env:' (env: "
                            "{{ VALUE: ${{{{ ... }}}} }}) and read the variable from the environment there",
                            first_word_name(shell))};
  }
  ShellQuoting quoting;
  for (const auto& part : tpl.parts()) {
    if (!part.expression) {
      quoting.feed(part.literal);
      script.text += part.literal;
      continue;
    }
    const Place place = quoting.place();
    if (place == Place::literal_heredoc) {
      return ScriptProblem{part.offset - 3, "an expression in a quoted here-document (<<'EOF') cannot reach the script "
                                        "as data: use an unquoted delimiter (<<EOF), where it is not expanded "
                                        "further"};
    }
    if (quoting.after_backslash()) {
      return ScriptProblem{part.offset - 3, "an expression right after a backslash: remove the backslash (the value is "
                                        "passed as literal text already)"};
    }
    ScriptSlot slot;
    slot.expression = part.expression;
    slot.offset = part.offset;
    slot.variable = fmt::format("AUTOMATA_EXPR_{}", script.slots.size() + 1);
    slot.numeric = place == Place::arithmetic;
    script.text += reference(place, slot.variable);
    script.slots.push_back(std::move(slot));
    quoting.expression_placed();
  }
  return script;
}

}  // namespace automata::engine
