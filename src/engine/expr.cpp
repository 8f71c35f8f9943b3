#include "engine/expr.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/expr_ast.hpp"

namespace automata::engine::expr {

std::variant<Expression, ParseError> Expression::parse(std::string_view source) {
  Expression expression;
  expression.m_source = std::string(source);
  ParseError error;
  auto root = detail::parse_tree(expression.m_source, expression.m_references, expression.m_uses_status, error);
  if (!root) {
    return error;
  }
  expression.m_root = std::make_shared<const Node>(std::move(*root));
  return expression;
}

Expression::~Expression() = default;

Result<Value> Expression::evaluate(const EvalContext& context) const {
  if (!m_root) {
    return Value();
  }
  return detail::evaluate_tree(*m_root, context);
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
  // As in GitHub Actions, text around the expression, even spaces or the
  // newline a YAML block scalar ends with, makes the value a string.
  result.m_single = result.m_parts.size() == 1 && result.m_parts.front().expression != nullptr;
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
      out += part.literal;
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

}  // namespace automata::engine::expr
