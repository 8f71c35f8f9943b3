#pragma once
// Private to the expression language: the syntax tree the parser builds
// (expr_parse.cpp) and the evaluator walks (expr_eval.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr.hpp"
#include "engine/expr_functions.hpp"
#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine::expr {

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
  detail::Function function = detail::Function::always;  // for call
  std::uint16_t height = 1;              // of this subtree; bounded so evaluation cannot exhaust the stack
  std::string name;                      // context root or member name
  Value literal;
  std::vector<Node> children;
};

namespace detail {

// The tree of one expression, or nothing with `error` set. References and
// the use of a status function are recorded as they are met.
std::optional<Node> parse_tree(std::string_view source, std::vector<Reference>& references, bool& uses_status,
                               ParseError& error);

Result<Value> evaluate_tree(const Node& root, const EvalContext& context);

}  // namespace detail
}  // namespace automata::engine::expr
