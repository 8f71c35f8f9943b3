// Evaluation of an expression's tree (semantics: expr.hpp).
#include <cmath>
#include <optional>
#include <vector>

#include "engine/expr_ast.hpp"
#include "engine/expr_text.hpp"
#include "engine/text_case.hpp"

namespace automata::engine::expr {

using detail::Function;

namespace {

// Where `name` is among the members of `object`. Names are case-insensitive,
// as in GitHub Actions: an exact match wins, else the first member whose
// name differs only in case.
template <typename Object>
auto find_member(Object& object, std::string_view name) {
  const auto exact = object.find(name);
  if (exact != object.end()) {
    return exact;
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (equals_ignore_case(it.key(), name)) {
      return it;
    }
  }
  return object.end();
}

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
      const auto it = find_member(*m_borrowed, name);
      return it == m_borrowed->end() ? std::nullopt : std::optional<Operand>(borrow(*it));
    }
    if (!m_owned.is_object()) {
      return std::nullopt;
    }
    const auto it = find_member(m_owned, name);
    return it == m_owned.end() ? std::nullopt : std::optional<Operand>(own(std::move(*it)));
  }

  // As GitHub indexes: a list by the index converted to a number, rounded
  // down (negative, NaN or past the end: nothing); an object by the index
  // converted to a string (a list or object as the index: nothing).
  std::optional<Operand> element(const Value& index) && {
    const Value& value = get();
    if (value.is_object()) {
      if (index.is_structured()) {
        return std::nullopt;
      }
      return std::move(*this).member(index.is_string() ? index.get_ref<const std::string&>()
                                                       : detail::coerce_to_string(index));
    }
    if (!value.is_array()) {
      return std::nullopt;
    }
    const double number = std::floor(detail::to_number(index));
    if (!(number >= 0) || number >= static_cast<double>(value.size())) {
      return std::nullopt;
    }
    const auto position = static_cast<std::size_t>(number);
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
}  // namespace

namespace detail {

Result<Value> evaluate_tree(const Node& root, const EvalContext& context) {
  Evaluator evaluator(context);
  TRY_ASSIGN(Operand result, evaluator.value_of(root));
  return std::move(result).take();
}

}  // namespace detail
}  // namespace automata::engine::expr
