#include "engine/expr.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "engine/expr_functions.hpp"
#include "engine/suggest.hpp"

namespace automata::engine::expr {

using detail::Function;

enum class NodeKind : std::uint8_t {
  literal,      // literal
  context,      // name: a context root
  member,       // children[0].name
  index,        // children[0][children[1]]
  filter,       // children[0].*
  call,         // function(children...)
  logical_not,  // !children[0]
  logical_and,  // children[0] && children[1] && ...
  logical_or,   // children[0] || children[1] || ...
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
};

struct Node {
  NodeKind kind = NodeKind::literal;
  Function function = Function::always;  // for call
  std::uint16_t height = 1;              // of this subtree; bounded so evaluation cannot exhaust the stack
  std::string name;                      // context root or member name
  Value literal;
  std::vector<Node> children;
};

namespace {

// Deeper trees are refused at parse time; evaluation recurses once per level.
constexpr std::uint16_t k_max_height = 256;
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
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
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
    if (is_digit(c) || (c == '-' && is_digit(at(pos + 1)))) {
      return lex_number(pos);
    }
    if (is_name_start(c)) {
      std::size_t end = pos + 1;
      while (is_name_char(at(end))) {
        ++end;
      }
      const std::string_view word = m_source.substr(pos, end - pos);
      const Tok kind = word == "true"    ? Tok::true_
                       : word == "false" ? Tok::false_
                       : word == "null"  ? Tok::null_
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

  // -? ( 0x hex+ | digits [ . digits ] [ (e|E) [+-] digits ] ); letters,
  // digits or dots stuck to it make the whole run one invalid token.
  Token lex_number(std::size_t pos) const {
    std::size_t end = pos;
    if (at(end) == '-') {
      ++end;
    }
    if (at(end) == '0' && (at(end + 1) == 'x' || at(end + 1) == 'X') && is_hex_digit(at(end + 2))) {
      end += 2;
      while (is_hex_digit(at(end))) {
        ++end;
      }
    } else {
      while (is_digit(at(end))) {
        ++end;
      }
      if (at(end) == '.' && is_digit(at(end + 1))) {
        ++end;
        while (is_digit(at(end))) {
          ++end;
        }
      }
      if (at(end) == 'e' || at(end) == 'E') {
        std::size_t exponent = end + 1;
        if (at(exponent) == '+' || at(exponent) == '-') {
          ++exponent;
        }
        if (is_digit(at(exponent))) {
          end = exponent;
          while (is_digit(at(end))) {
            ++end;
          }
        }
      }
    }
    Token token{Tok::number, pos, end};
    while (is_name_char(at(token.end)) || at(token.end) == '.') {
      token.kind = Tok::invalid;
      ++token.end;
    }
    return token;
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
        node.kind = NodeKind::context;
        node.name = std::string(text(token));
        m_references.push_back(Reference{node.name, {}, token.begin});
        return node;
      default:
        return unexpected(token);
    }
  }

  std::optional<Node> parse_number(const Token& token) {
    const std::string_view number = text(token);
    const char* const first = number.data();
    const char* const last = first + number.size();
    Node node;
    advance();
    const bool negative = number.front() == '-';
    const std::string_view magnitude = negative ? number.substr(1) : number;
    if (magnitude.size() > 2 && (magnitude[1] == 'x' || magnitude[1] == 'X')) {
      std::uint64_t bits = 0;
      const auto [end, ec] = std::from_chars(magnitude.data() + 2, last, bits, 16);
      constexpr auto k_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      if (ec != std::errc{} || end != last || bits > k_max) {
        return fail(token.begin, "number out of range");
      }
      node.literal = negative ? -static_cast<std::int64_t>(bits) : static_cast<std::int64_t>(bits);
      return node;
    }
    if (number.find_first_of(".eE") == std::string_view::npos) {
      std::int64_t integer = 0;
      const auto [end, ec] = std::from_chars(first, last, integer);
      if (ec == std::errc{} && end == last) {
        node.literal = integer;
        return node;
      }
    }
    double real = 0;
    const auto [end, ec] = std::from_chars(first, last, real);
    if (ec != std::errc{} || end != last) {
      return fail(token.begin, "number out of range");
    }
    node.literal = real;
    return node;
  }

  std::optional<Node> parse_call(const Token& name_token) {
    const std::string_view name = text(name_token);
    const detail::FunctionSpec* spec = detail::find_function(name);
    if (spec == nullptr) {
      std::string message = fmt::format("unknown function '{}'", name);
      if (auto suggestion = did_you_mean(name, function_names())) {
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

// ---------------------------------------------------------------------------
// Evaluation

// An intermediate value: a pointer into a context value or the AST while it
// can be (no copy), an owned value once computed. `a.*` makes a filter: a
// list whose later `.b`, `[i]` and `.*` apply to every element, dropping
// elements where the member or index is missing.
class Operand {
 public:
  static Operand borrow(const Value& value) {
    Operand operand;
    operand.m_borrowed = &value;
    return operand;
  }
  static Operand own(Value value) {
    Operand operand;
    operand.m_owned = std::move(value);
    return operand;
  }
  static Operand filter(std::vector<Operand> items) {
    Operand operand;
    operand.m_items = std::move(items);
    operand.m_is_filter = true;
    return operand;
  }

  bool is_filter() const { return m_is_filter; }
  std::vector<Operand>& items() { return m_items; }

  // Not for a filter: call materialize() first.
  const Value& get() const { return m_borrowed != nullptr ? *m_borrowed : m_owned; }

  void materialize() {
    if (!m_is_filter) {
      return;
    }
    Value list = Value::array();
    for (auto& item : m_items) {
      item.materialize();
      list.push_back(std::move(item).take());
    }
    m_items.clear();
    m_is_filter = false;
    m_owned = std::move(list);
  }

  Value take() && { return m_borrowed != nullptr ? *m_borrowed : std::move(m_owned); }

  // The member `name`, or nothing when this is not an object or lacks it.
  std::optional<Operand> member(std::string_view name) && {
    if (m_borrowed != nullptr) {
      if (!m_borrowed->is_object()) {
        return std::nullopt;
      }
      const auto it = m_borrowed->find(name);
      return it == m_borrowed->end() ? std::nullopt : std::optional<Operand>(borrow(*it));
    }
    if (!m_owned.is_object()) {
      return std::nullopt;
    }
    const auto it = m_owned.find(name);
    return it == m_owned.end() ? std::nullopt : std::optional<Operand>(own(std::move(*it)));
  }

  // A string index is a member; an integral number indexes a list; anything
  // else, a negative or an out-of-range index gives nothing.
  std::optional<Operand> element(const Value& index) && {
    if (index.is_string()) {
      return std::move(*this).member(index.get_ref<const std::string&>());
    }
    const Value& value = get();
    if (!index.is_number() || !value.is_array()) {
      return std::nullopt;
    }
    std::size_t position = 0;
    if (index.is_number_unsigned()) {
      position = index.get<std::uint64_t>();
    } else if (index.is_number_integer()) {
      if (index.get<std::int64_t>() < 0) {
        return std::nullopt;
      }
      position = static_cast<std::size_t>(index.get<std::int64_t>());
    } else {
      const double real = index.get<double>();
      if (!(real >= 0) || std::floor(real) != real || real >= static_cast<double>(value.size())) {
        return std::nullopt;
      }
      position = static_cast<std::size_t>(real);
    }
    if (position >= value.size()) {
      return std::nullopt;
    }
    if (m_borrowed != nullptr) {
      return borrow((*m_borrowed)[position]);
    }
    return own(std::move(m_owned[position]));
  }

  // Appends the elements of a list or the values of an object.
  void append_children(std::vector<Operand>& out) && {
    const Value& value = get();
    if (!value.is_structured()) {
      return;
    }
    out.reserve(out.size() + value.size());
    if (m_borrowed != nullptr) {
      for (const auto& child : *m_borrowed) {
        out.push_back(borrow(child));
      }
    } else {
      for (auto& child : m_owned) {
        out.push_back(own(std::move(child)));
      }
    }
  }

 private:
  const Value* m_borrowed = nullptr;
  Value m_owned;
  std::vector<Operand> m_items;
  bool m_is_filter = false;
};

class Evaluator {
 public:
  explicit Evaluator(const EvalContext& context) : m_context(context) {}

  // A plain value: filters are turned into lists.
  Result<Operand> value_of(const Node& node) {
    TRY_ASSIGN(Operand operand, eval(node));
    operand.materialize();
    return operand;
  }

  // May return a filter, for the postfix operators that map over one.
  Result<Operand> eval(const Node& node) {
    switch (node.kind) {
      case NodeKind::literal:
        return Operand::borrow(node.literal);
      case NodeKind::context: {
        const Value* value = m_context.lookup ? m_context.lookup(node.name) : nullptr;
        return value != nullptr ? Operand::borrow(*value) : Operand::own(nullptr);
      }
      case NodeKind::member: {
        TRY_ASSIGN(Operand base, eval(node.children[0]));
        return map(std::move(base), [&](Operand&& item) { return std::move(item).member(node.name); });
      }
      case NodeKind::index: {
        TRY_ASSIGN(Operand base, eval(node.children[0]));
        TRY_ASSIGN(Operand index, value_of(node.children[1]));
        return map(std::move(base), [&](Operand&& item) { return std::move(item).element(index.get()); });
      }
      case NodeKind::filter: {
        TRY_ASSIGN(Operand base, eval(node.children[0]));
        std::vector<Operand> items;
        if (base.is_filter()) {
          for (auto& item : base.items()) {
            std::move(item).append_children(items);
          }
        } else {
          std::move(base).append_children(items);
        }
        return Operand::filter(std::move(items));
      }
      case NodeKind::call:
        return call(node);
      case NodeKind::logical_not: {
        TRY_ASSIGN(Operand operand, value_of(node.children[0]));
        return Operand::own(!is_truthy(operand.get()));
      }
      case NodeKind::logical_and:
      case NodeKind::logical_or: {
        const bool stop_when = node.kind == NodeKind::logical_or;
        for (std::size_t i = 0;; ++i) {
          TRY_ASSIGN(Operand operand, value_of(node.children[i]));
          if (i + 1 == node.children.size() || is_truthy(operand.get()) == stop_when) {
            return operand;
          }
        }
      }
      case NodeKind::equal:
      case NodeKind::not_equal: {
        TRY_ASSIGN(Operand left, value_of(node.children[0]));
        TRY_ASSIGN(Operand right, value_of(node.children[1]));
        const bool equal = detail::loose_equals(left.get(), right.get());
        return Operand::own(node.kind == NodeKind::equal ? equal : !equal);
      }
      case NodeKind::less:
      case NodeKind::less_equal:
      case NodeKind::greater:
      case NodeKind::greater_equal: {
        TRY_ASSIGN(Operand left, value_of(node.children[0]));
        TRY_ASSIGN(Operand right, value_of(node.children[1]));
        const std::partial_ordering order = detail::compare(left.get(), right.get());
        bool result = false;
        switch (node.kind) {
          case NodeKind::less:
            result = order == std::partial_ordering::less;
            break;
          case NodeKind::less_equal:
            result = order == std::partial_ordering::less || order == std::partial_ordering::equivalent;
            break;
          case NodeKind::greater:
            result = order == std::partial_ordering::greater;
            break;
          default:
            result = order == std::partial_ordering::greater || order == std::partial_ordering::equivalent;
            break;
        }
        return Operand::own(result);
      }
    }
    return Operand::own(nullptr);
  }

 private:
  // Applies `step` to a plain operand (missing -> null) or to every item of a filter (missing -> dropped).
  template <typename Step>
  static Operand map(Operand base, Step step) {
    if (!base.is_filter()) {
      std::optional<Operand> result = step(std::move(base));
      return result ? std::move(*result) : Operand::own(nullptr);
    }
    std::vector<Operand> items;
    items.reserve(base.items().size());
    for (auto& item : base.items()) {
      if (std::optional<Operand> result = step(std::move(item))) {
        items.push_back(std::move(*result));
      }
    }
    return Operand::filter(std::move(items));
  }

  Result<Operand> call(const Node& node) {
    if (node.function == Function::default_) {
      TRY_ASSIGN(Operand value, value_of(node.children[0]));
      const Value& v = value.get();
      if (!v.is_null() && !(v.is_string() && v.get_ref<const std::string&>().empty())) {
        return value;
      }
      return value_of(node.children[1]);
    }
    std::vector<Operand> arguments;
    arguments.reserve(node.children.size());
    for (const auto& child : node.children) {
      TRY_ASSIGN(Operand argument, value_of(child));
      arguments.push_back(std::move(argument));
    }
    std::vector<const Value*> pointers;
    pointers.reserve(arguments.size());
    for (const auto& argument : arguments) {
      pointers.push_back(&argument.get());
    }
    TRY_ASSIGN(Value result, detail::call_function(node.function, pointers, m_context));
    return Operand::own(std::move(result));
  }

  const EvalContext& m_context;
};

std::string display_number(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "Infinity" : "-Infinity";
  }
  // Integral values print without ".0" while they are exact (below 2^53).
  if (std::trunc(value) == value && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  return Value(value).dump();
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API

std::variant<Expression, ParseError> Expression::parse(std::string_view source) {
  Expression expression;
  expression.m_source = std::string(source);
  Parser parser(expression.m_source, expression.m_references, expression.m_uses_status);
  auto root = parser.parse_all();
  if (!root) {
    return parser.error();
  }
  expression.m_root = std::make_shared<const Node>(std::move(*root));
  return expression;
}

Expression::~Expression() = default;

Result<Value> Expression::evaluate(const EvalContext& context) const {
  if (!m_root) {
    return Value();
  }
  Evaluator evaluator(context);
  TRY_ASSIGN(Operand result, evaluator.value_of(*m_root));
  return std::move(result).take();
}

const std::vector<Reference>& Expression::references() const {
  return m_references;
}

bool Expression::uses_status_function() const {
  return m_uses_status;
}

const std::string& Expression::source() const {
  return m_source;
}

std::variant<Template, ParseError> Template::parse(std::string_view text) {
  Template result;
  std::size_t position = 0;
  while (true) {
    const std::size_t open = text.find("${{", position);
    if (open == std::string_view::npos) {
      if (position < text.size() || result.m_parts.empty()) {
        result.m_parts.push_back(Part{std::string(text.substr(position)), nullptr, position});
      }
      break;
    }
    if (open > position) {
      result.m_parts.push_back(Part{std::string(text.substr(position, open - position)), nullptr, position});
    }
    // The expression ends at the first "}}" outside a string literal.
    const std::size_t start = open + 3;
    std::size_t close = std::string_view::npos;
    std::size_t quote = std::string_view::npos;
    for (std::size_t i = start; i < text.size(); ++i) {
      if (quote != std::string_view::npos) {
        if (text[i] == '\'') {
          quote = std::string_view::npos;  // '' reopens at once, so escapes need no special case
        }
      } else if (text[i] == '\'') {
        quote = i;
      } else if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        close = i;
        break;
      }
    }
    if (close == std::string_view::npos) {
      if (quote != std::string_view::npos) {
        return ParseError{quote, "unterminated string literal"};
      }
      return ParseError{open, "unterminated expression: missing '}}'"};
    }
    auto parsed = Expression::parse(text.substr(start, close - start));
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      error->offset += start;
      return std::move(*error);
    }
    result.m_parts.push_back(
        Part{std::string(), std::make_shared<Expression>(std::move(std::get<Expression>(parsed))), start});
    position = close + 2;
  }
  std::size_t expressions = 0;
  bool only_space_around = true;
  for (const auto& part : result.m_parts) {
    if (part.expression) {
      ++expressions;
    } else if (!std::all_of(part.literal.begin(), part.literal.end(), is_space)) {
      only_space_around = false;
    }
  }
  result.m_single = expressions == 1 && only_space_around;
  return result;
}

bool Template::has_expressions() const {
  return std::any_of(m_parts.begin(), m_parts.end(), [](const Part& part) { return part.expression != nullptr; });
}

bool Template::is_single_expression() const {
  return m_single;
}

Result<Value> Template::render(const EvalContext& context) const {
  std::string out;
  for (const auto& part : m_parts) {
    if (!part.expression) {
      if (!m_single) {
        out += part.literal;
      }
      continue;
    }
    TRY_ASSIGN(Value value, part.expression->evaluate(context));
    if (m_single) {
      return value;
    }
    if (value.is_string()) {
      out += value.get_ref<const std::string&>();
    } else {
      out += to_display_string(value);
    }
  }
  return Value(std::move(out));
}

std::vector<Reference> Template::references() const {
  std::vector<Reference> references;
  for (const auto& part : m_parts) {
    if (!part.expression) {
      continue;
    }
    for (const auto& reference : part.expression->references()) {
      references.push_back(reference);
      references.back().offset += part.offset;
    }
  }
  return references;
}

bool Template::uses_status_function() const {
  return std::any_of(m_parts.begin(), m_parts.end(),
                     [](const Part& part) { return part.expression && part.expression->uses_status_function(); });
}

bool is_truthy(const Value& value) {
  switch (value.type()) {
    case Value::value_t::boolean:
      return value.get<bool>();
    case Value::value_t::number_integer:
      return value.get<std::int64_t>() != 0;
    case Value::value_t::number_unsigned:
      return value.get<std::uint64_t>() != 0;
    case Value::value_t::number_float: {
      const double real = value.get<double>();
      return real != 0 && !std::isnan(real);
    }
    case Value::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case Value::value_t::array:
    case Value::value_t::object:
    case Value::value_t::binary:
      return true;
    default:
      return false;
  }
}

std::string to_display_string(const Value& value) {
  switch (value.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      return {};
    case Value::value_t::string:
      return value.get<std::string>();
    case Value::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Value::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case Value::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case Value::value_t::number_float:
      return display_number(value.get<double>());
    default:
      return value.dump(-1, ' ', false, Value::error_handler_t::replace);
  }
}

}  // namespace automata::engine::expr
