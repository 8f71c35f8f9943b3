// The lexer and parser of expressions (grammar: expr.hpp).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "engine/expr_ast.hpp"
#include "engine/expr_number.hpp"
#include "engine/text_case.hpp"

namespace automata::engine::expr {

using detail::Function;

namespace {

// Deeper trees are refused at parse time, as GitHub refuses them (depth 50);
// evaluation recurses once per level. Parentheses add no level to the tree,
// but parsing recurses through them, so their nesting has its own bound.
constexpr std::uint16_t k_max_height = 50;
constexpr int k_max_nesting = 64;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c) || c == '-';
}
// Where a number literal ends (as in GitHub's lexer, a '.' does not end it).
bool ends_number(char c) {
  return is_space(c) || std::string_view("()[],!<>=&|").find(c) != std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Lexer and parser

enum class Tok : std::uint8_t {
  end,
  name,
  number,
  string,
  unterminated_string,
  true_,
  false_,
  null_,
  lparen,
  rparen,
  lbracket,
  rbracket,
  dot,
  comma,
  bang,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  and_,
  or_,
  invalid,
};

struct Token {
  Tok kind = Tok::end;
  std::size_t begin = 0;
  std::size_t end = 0;
};

class Parser {
 public:
  Parser(std::string_view source, std::vector<Reference>& references, bool& uses_status)
      : m_source(source), m_references(references), m_uses_status(uses_status) {}

  std::optional<Node> parse_all() {
    if (std::all_of(m_source.begin(), m_source.end(), is_space)) {
      return fail(0, "empty expression");
    }
    auto node = parse_or();
    if (!node) {
      return std::nullopt;
    }
    if (peek().kind != Tok::end) {
      return unexpected(peek());
    }
    return node;
  }

  const ParseError& error() const { return m_error; }

 private:
  char at(std::size_t pos) const { return pos < m_source.size() ? m_source[pos] : '\0'; }
  std::string_view text(const Token& token) const { return m_source.substr(token.begin, token.end - token.begin); }

  Token lex(std::size_t pos) const {
    while (pos < m_source.size() && is_space(m_source[pos])) {
      ++pos;
    }
    Token token{Tok::end, pos, pos};
    if (pos >= m_source.size()) {
      return token;
    }
    const char c = m_source[pos];
    const auto single = [&](Tok kind, std::size_t length) {
      token.kind = kind;
      token.end = pos + length;
      return token;
    };
    if (is_digit(c) || c == '-' || c == '+') {
      return lex_number(pos);
    }
    if (is_name_start(c)) {
      std::size_t end = pos + 1;
      while (is_name_char(at(end))) {
        ++end;
      }
      const std::string_view word = m_source.substr(pos, end - pos);
      const Tok kind = word == "true"                          ? Tok::true_
                       : word == "false"                         ? Tok::false_
                       : word == "null"                          ? Tok::null_
                       : word == "NaN" || word == "Infinity"     ? Tok::number
                                                                 : Tok::name;
      return single(kind, end - pos);
    }
    switch (c) {
      case '\'': {
        std::size_t end = pos + 1;
        while (true) {
          if (end >= m_source.size()) {
            return single(Tok::unterminated_string, end - pos);
          }
          if (m_source[end] == '\'') {
            if (at(end + 1) != '\'') {
              return single(Tok::string, end + 1 - pos);
            }
            ++end;
          }
          ++end;
        }
      }
      case '(':
        return single(Tok::lparen, 1);
      case ')':
        return single(Tok::rparen, 1);
      case '[':
        return single(Tok::lbracket, 1);
      case ']':
        return single(Tok::rbracket, 1);
      case '.':
        return single(Tok::dot, 1);
      case ',':
        return single(Tok::comma, 1);
      case '!':
        return at(pos + 1) == '=' ? single(Tok::not_equal, 2) : single(Tok::bang, 1);
      case '=':
        return at(pos + 1) == '=' ? single(Tok::equal, 2) : single(Tok::invalid, 1);
      case '<':
        return at(pos + 1) == '=' ? single(Tok::less_equal, 2) : single(Tok::less, 1);
      case '>':
        return at(pos + 1) == '=' ? single(Tok::greater_equal, 2) : single(Tok::greater, 1);
      case '&':
        return at(pos + 1) == '&' ? single(Tok::and_, 2) : single(Tok::invalid, 1);
      case '|':
        return at(pos + 1) == '|' ? single(Tok::or_, 2) : single(Tok::invalid, 1);
      default: {
        // One whole UTF-8 sequence, so the message never shows half a character.
        const auto lead = static_cast<unsigned char>(c);
        const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return single(Tok::invalid, std::min(length, m_source.size() - pos));
      }
    }
  }

  // Everything up to the next space, operator, bracket or comma; whether it
  // is a number (detail::parse_number) is decided when it is parsed.
  Token lex_number(std::size_t pos) const {
    std::size_t end = pos + 1;
    while (end < m_source.size() && !ends_number(m_source[end])) {
      ++end;
    }
    return Token{Tok::number, pos, end};
  }

  const Token& peek() {
    if (!m_peeked) {
      m_peeked = lex(m_position);
    }
    return *m_peeked;
  }

  void advance() {
    m_position = peek().end;
    m_peeked.reset();
  }

  std::nullopt_t fail(std::size_t offset, std::string message) {
    m_error = ParseError{offset, std::move(message)};
    return std::nullopt;
  }

  std::nullopt_t unexpected(const Token& token) {
    switch (token.kind) {
      case Tok::end:
        return fail(token.begin, "unexpected end of expression");
      case Tok::unterminated_string:
        return fail(token.begin, "unterminated string literal");
      default:
        return fail(token.begin, fmt::format("unexpected '{}'", text(token)));
    }
  }

  // Wraps children into a node of `kind`, refusing trees too deep to evaluate.
  std::optional<Node> make(NodeKind kind, std::vector<Node> children, std::size_t offset) {
    Node node;
    node.kind = kind;
    std::uint16_t height = 0;
    for (const auto& child : children) {
      height = std::max(height, child.height);
    }
    if (height >= k_max_height) {
      return fail(offset, "expression nested too deeply");
    }
    node.height = static_cast<std::uint16_t>(height + 1);
    node.children = std::move(children);
    return node;
  }

  std::optional<Node> make(NodeKind kind, Node child, std::size_t offset) {
    std::vector<Node> children;
    children.push_back(std::move(child));
    return make(kind, std::move(children), offset);
  }

  std::optional<Node> make(NodeKind kind, Node left, Node right, std::size_t offset) {
    std::vector<Node> children;
    children.reserve(2);
    children.push_back(std::move(left));
    children.push_back(std::move(right));
    return make(kind, std::move(children), offset);
  }

  // Counts recursion through parentheses, indexes, arguments and '!'.
  class NestingGuard {
   public:
    explicit NestingGuard(int& depth) : m_depth(depth) { ++m_depth; }
    ~NestingGuard() { --m_depth; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
    bool too_deep() const { return m_depth > k_max_nesting; }

   private:
    int& m_depth;
  };

  // A chain of `&&` or `||` is one node, evaluated left to right.
  std::optional<Node> parse_logical(Tok op, NodeKind kind, std::optional<Node> (Parser::*operand)()) {
    const std::size_t offset = peek().begin;
    auto first = (this->*operand)();
    if (!first || peek().kind != op) {
      return first;
    }
    std::vector<Node> children;
    children.push_back(std::move(*first));
    while (peek().kind == op) {
      advance();
      auto next = (this->*operand)();
      if (!next) {
        return std::nullopt;
      }
      children.push_back(std::move(*next));
    }
    return make(kind, std::move(children), offset);
  }

  std::optional<Node> parse_or() {
    const NestingGuard guard(m_nesting);
    if (guard.too_deep()) {
      return fail(peek().begin, "expression nested too deeply");
    }
    return parse_logical(Tok::or_, NodeKind::logical_or, &Parser::parse_and);
  }

  std::optional<Node> parse_and() { return parse_logical(Tok::and_, NodeKind::logical_and, &Parser::parse_equality); }

  std::optional<Node> parse_equality() {
    auto left = parse_comparison();
    while (left && (peek().kind == Tok::equal || peek().kind == Tok::not_equal)) {
      const Token op = peek();
      advance();
      auto right = parse_comparison();
      if (!right) {
        return std::nullopt;
      }
      left = make(op.kind == Tok::equal ? NodeKind::equal : NodeKind::not_equal, std::move(*left), std::move(*right),
                  op.begin);
    }
    return left;
  }

  std::optional<Node> parse_comparison() {
    auto left = parse_unary();
    while (left) {
      const Token op = peek();
      NodeKind kind{};
      switch (op.kind) {
        case Tok::less:
          kind = NodeKind::less;
          break;
        case Tok::less_equal:
          kind = NodeKind::less_equal;
          break;
        case Tok::greater:
          kind = NodeKind::greater;
          break;
        case Tok::greater_equal:
          kind = NodeKind::greater_equal;
          break;
        default:
          return left;
      }
      advance();
      auto right = parse_unary();
      if (!right) {
        return std::nullopt;
      }
      left = make(kind, std::move(*left), std::move(*right), op.begin);
    }
    return left;
  }

  std::optional<Node> parse_unary() {
    if (peek().kind != Tok::bang) {
      return parse_postfix();
    }
    const NestingGuard guard(m_nesting);
    const std::size_t offset = peek().begin;
    if (guard.too_deep()) {
      return fail(offset, "expression nested too deeply");
    }
    advance();
    auto operand = parse_unary();
    if (!operand) {
      return std::nullopt;
    }
    return make(NodeKind::logical_not, std::move(*operand), offset);
  }

  std::optional<Node> parse_postfix() {
    auto node = parse_primary();
    if (!node) {
      return std::nullopt;
    }
    // While the path stays static, members extend the reference just recorded.
    constexpr std::size_t k_no_reference = std::numeric_limits<std::size_t>::max();
    std::size_t reference = node->kind == NodeKind::context ? m_references.size() - 1 : k_no_reference;
    while (true) {
      const Token token = peek();
      if (token.kind == Tok::dot) {
        advance();
        if (at(m_position) == '*') {
          ++m_position;
          node = make(NodeKind::filter, std::move(*node), token.begin);
          reference = k_no_reference;
        } else {
          std::size_t end = m_position;
          while (is_name_char(at(end))) {
            ++end;
          }
          if (end == m_position) {
            return unexpected(peek());
          }
          std::string name(m_source.substr(m_position, end - m_position));
          m_position = end;
          if (reference != k_no_reference) {
            m_references[reference].path.push_back(name);
          }
          node = make(NodeKind::member, std::move(*node), token.begin);
          if (node) {
            node->name = std::move(name);
          }
        }
      } else if (token.kind == Tok::lbracket) {
        advance();
        auto index = parse_or();
        if (!index) {
          return std::nullopt;
        }
        if (peek().kind != Tok::rbracket) {
          return unexpected(peek());
        }
        advance();
        if (reference != k_no_reference) {
          if (index->kind == NodeKind::literal && index->literal.is_string()) {
            m_references[reference].path.push_back(index->literal.get<std::string>());
          } else {
            reference = k_no_reference;
          }
        }
        node = make(NodeKind::index, std::move(*node), std::move(*index), token.begin);
      } else {
        return node;
      }
      if (!node) {
        return std::nullopt;
      }
    }
  }

  std::optional<Node> parse_primary() {
    const Token token = peek();
    Node node;
    switch (token.kind) {
      case Tok::number:
        return parse_number(token);
      case Tok::dot:  // ".5": where an operand starts, a '.' begins a number
        m_peeked = lex_number(token.begin);
        return parse_number(*m_peeked);
      case Tok::string: {
        const std::string_view body = m_source.substr(token.begin + 1, token.end - token.begin - 2);
        std::string value;
        value.reserve(body.size());
        for (std::size_t i = 0; i < body.size(); ++i) {
          value += body[i];
          if (body[i] == '\'') {
            ++i;  // '' stands for one quote
          }
        }
        node.literal = std::move(value);
        advance();
        return node;
      }
      case Tok::true_:
      case Tok::false_:
        node.literal = token.kind == Tok::true_;
        advance();
        return node;
      case Tok::null_:
        advance();
        return node;
      case Tok::lparen: {
        advance();
        auto inner = parse_or();
        if (!inner) {
          return std::nullopt;
        }
        if (peek().kind != Tok::rparen) {
          return unexpected(peek());
        }
        advance();
        return inner;
      }
      case Tok::name:
        advance();
        if (peek().kind == Tok::lparen) {
          return parse_call(token);
        }
        // Context names are case-insensitive: the tree and the references hold them in lowercase.
        node.kind = NodeKind::context;
        node.name = ascii_lower(text(token));
        m_references.push_back(Reference{node.name, {}, token.begin});
        return node;
      default:
        return unexpected(token);
    }
  }

  // GitHub reads every number literal as a double (detail::parse_number);
  // a whole number written in decimal digits stays an integer here, exact
  // to 2^63 as JSON integers are, except -0, which is the double -0.
  std::optional<Node> parse_number(const Token& token) {
    const std::string_view number = text(token);
    Node node;
    advance();
    const bool radix = number.size() > 2 && number[0] == '0' && (number[1] == 'x' || number[1] == 'o');
    const double value = detail::parse_number(number);
    if (std::isnan(value) && number != "NaN") {
      const std::string_view allowed = radix && number[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567";
      const bool too_large = radix && number.find_first_not_of(allowed, 2) == std::string_view::npos;
      return fail(token.begin, too_large ? fmt::format("number out of range: '{}' is above 0x7FFFFFFF", number)
                                         : fmt::format("unexpected '{}'", number));
    }
    if (radix) {
      node.literal = static_cast<std::int64_t>(value);  // at most 0x7FFFFFFF: exact
      return node;
    }
    // parse_number took it, so it is [+-]digits when it has no '.' or exponent.
    const std::string_view digits = number.front() == '+' ? number.substr(1) : number;
    std::int64_t integer = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), integer);
    if (ec == std::errc{} && end == digits.data() + digits.size() && !(integer == 0 && std::signbit(value))) {
      node.literal = integer;
    } else {
      node.literal = value;
    }
    return node;
  }

  std::optional<Node> parse_call(const Token& name_token) {
    const std::string_view name = text(name_token);
    const detail::FunctionSpec* spec = detail::find_function(name);
    if (spec == nullptr) {
      std::string message = fmt::format("unknown function '{}'", name);
      if (auto suggestion = detail::suggest_function(name)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      return fail(name_token.begin, std::move(message));
    }
    advance();  // '('
    std::vector<Node> arguments;
    if (peek().kind != Tok::rparen) {
      while (true) {
        auto argument = parse_or();
        if (!argument) {
          return std::nullopt;
        }
        arguments.push_back(std::move(*argument));
        if (peek().kind == Tok::comma) {
          advance();
        } else if (peek().kind == Tok::rparen) {
          break;
        } else {
          return unexpected(peek());
        }
      }
    }
    advance();  // ')'
    if (std::string message = detail::check_arity(*spec, arguments.size()); !message.empty()) {
      return fail(name_token.begin, std::move(message));
    }
    if (detail::is_status_function(spec->id)) {
      m_uses_status = true;
    }
    auto node = make(NodeKind::call, std::move(arguments), name_token.begin);
    if (node) {
      node->function = spec->id;
    }
    return node;
  }

  std::string_view m_source;
  std::vector<Reference>& m_references;
  bool& m_uses_status;
  std::size_t m_position = 0;
  std::optional<Token> m_peeked;
  int m_nesting = 0;
  ParseError m_error;
};

}  // namespace

namespace detail {

std::optional<Node> parse_tree(std::string_view source, std::vector<Reference>& references, bool& uses_status,
                               ParseError& error) {
  Parser parser(source, references, uses_status);
  auto root = parser.parse_all();
  if (!root) {
    error = parser.error();
  }
  return root;
}

}  // namespace detail
}  // namespace automata::engine::expr
