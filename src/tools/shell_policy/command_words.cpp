#include "tools/shell_policy/command_words.hpp"

#include <algorithm>
#include <cctype>

namespace automata::tools::shell_policy {
namespace {

class Splitter {
 public:
  explicit Splitter(std::string_view text) : m_text(text) {}

  CommandLine run() {
    while (m_at < m_text.size()) {
      step();
    }
    end_pipeline();
    return std::move(m_result);
  }

 private:
  char peek(std::size_t ahead = 0) const { return m_at + ahead < m_text.size() ? m_text[m_at + ahead] : '\0'; }

  void step() {
    const char c = peek();
    if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
      ++m_at;
    } else if (c == '\n' || c == ';') {
      end_pipeline();
      ++m_at;
    } else if (c == '&' && peek(1) == '&') {
      end_pipeline();
      m_at += 2;
    } else if (c == '|' && peek(1) == '|') {
      end_pipeline();
      m_at += 2;
    } else if (c == '|') {
      end_command();
      m_at += peek(1) == '&' ? 2 : 1;
    } else if (c == '&' && peek(1) == '>') {
      end_word();
      m_at += peek(2) == '>' ? 3 : 2;
      m_next_is_redirect = true;
    } else if (c == '&') {
      end_pipeline();
      ++m_at;
    } else if ((c == '<' || c == '>') && peek(1) == '(') {
      end_word();
      m_at += 2;
      add_substitution(balanced(')'));
    } else if (c == '>') {
      // "2>" and ">&": the fd number is not a word of the command.
      if (!m_word.empty() && std::all_of(m_word.begin(), m_word.end(),
                                         [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
        m_word.clear();
        m_in_word = false;
      }
      end_word();
      ++m_at;
      while (peek() == '>' || peek() == '|' || peek() == '&') {
        ++m_at;
      }
      m_next_is_redirect = true;
    } else if (c == '<') {
      end_word();
      ++m_at;
      while (peek() == '<' || peek() == '&') {
        ++m_at;
      }
      m_skip_next_word = true;  // an input file or heredoc delimiter is not an argument
    } else if (c == '(' || c == ')') {
      end_command();
      ++m_at;
    } else if (c == '#' && !m_in_word) {
      while (m_at < m_text.size() && peek() != '\n') {
        ++m_at;
      }
    } else if (c == '\'') {
      ++m_at;
      m_in_word = true;
      while (m_at < m_text.size() && peek() != '\'') {
        m_word += m_text[m_at++];
      }
      ++m_at;
    } else if (c == '"') {
      ++m_at;
      m_in_word = true;
      double_quoted();
    } else if (c == '\\') {
      if (peek(1) != '\n' && peek(1) != '\0') {
        m_word += peek(1);
        m_in_word = true;
      }
      m_at += 2;
    } else if (c == '$' && peek(1) == '(') {
      m_at += 2;
      add_substitution(balanced(')'));
      m_word += "$(...)";
      m_in_word = true;
    } else if (c == '`') {
      ++m_at;
      add_substitution(until('`'));
      m_word += "$(...)";
      m_in_word = true;
    } else {
      m_word += c;
      m_in_word = true;
      ++m_at;
    }
  }

  void double_quoted() {
    while (m_at < m_text.size() && peek() != '"') {
      const char c = peek();
      if (c == '\\' && (peek(1) == '"' || peek(1) == '\\' || peek(1) == '$' || peek(1) == '`')) {
        m_word += peek(1);
        m_at += 2;
      } else if (c == '$' && peek(1) == '(') {
        m_at += 2;
        add_substitution(balanced(')'));
        m_word += "$(...)";
      } else if (c == '`') {
        ++m_at;
        add_substitution(until('`'));
        m_word += "$(...)";
      } else {
        m_word += c;
        ++m_at;
      }
    }
    ++m_at;
  }

  // Text up to the matching close parenthesis (nesting counted, quotes skipped).
  std::string balanced(char close) {
    std::string inner;
    int depth = 1;
    char quote = '\0';
    while (m_at < m_text.size()) {
      const char c = m_text[m_at++];
      if (quote != '\0') {
        quote = c == quote ? '\0' : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == close && --depth == 0) {
        break;
      }
      inner += c;
    }
    return inner;
  }

  std::string until(char end) {
    std::string inner;
    while (m_at < m_text.size() && peek() != end) {
      inner += m_text[m_at++];
    }
    ++m_at;
    return inner;
  }

  void add_substitution(std::string inner) {
    m_command.substitutions.push_back(inner);
    m_result.substitutions.push_back(std::move(inner));
  }

  void end_word() {
    if (!m_in_word) {
      return;
    }
    if (m_next_is_redirect) {
      m_command.redirects.push_back(m_word);
      m_next_is_redirect = false;
    } else if (m_skip_next_word) {
      m_skip_next_word = false;
    } else if (m_word != "{" && m_word != "}" && m_word != "!") {
      m_command.words.push_back(m_word);
    }
    m_word.clear();
    m_in_word = false;
  }

  void end_command() {
    end_word();
    if (!m_command.words.empty() || !m_command.redirects.empty() || !m_command.substitutions.empty()) {
      m_pipeline.commands.push_back(std::move(m_command));
    }
    m_command = {};
  }

  void end_pipeline() {
    end_command();
    if (!m_pipeline.commands.empty()) {
      m_result.pipelines.push_back(std::move(m_pipeline));
    }
    m_pipeline = {};
  }

  std::string_view m_text;
  std::size_t m_at = 0;
  std::string m_word;
  bool m_in_word = false;
  bool m_next_is_redirect = false;
  bool m_skip_next_word = false;
  SimpleCommand m_command;
  Pipeline m_pipeline;
  CommandLine m_result;
};

}  // namespace

CommandLine split_command_line(std::string_view text) { return Splitter(text).run(); }

}  // namespace automata::tools::shell_policy
