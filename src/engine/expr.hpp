#pragma once
// The expression language of workflow files (dsl.md "Expressions").
//
//   template   := { literal-text | "${{" expression "}}" }
//   expression := or
//   or         := and { "||" and }
//   and        := equality { "&&" equality }
//   equality   := comparison { ("==" | "!=") comparison }
//   comparison := unary { ("<" | "<=" | ">" | ">=") unary }
//   unary      := "!" unary | postfix
//   postfix    := primary { "." name | "." "*" | "[" expression "]" }
//   primary    := literal | name | name "(" [ expression { "," expression } ] ")" | "(" expression ")"
//   literal    := 'single-quoted string' ('' escapes a quote) | number | true | false | null
//
//   name       := [A-Za-z_][A-Za-z0-9_-]*   (after ".": [A-Za-z0-9_-]+)
//   number     := what detail::parse_number reads (expr_number.hpp): 12, -3, +3, 1.5, .5, 2e3,
//                 0x1F, 0o17, NaN, Infinity, -Infinity   (decimal digits only: an integer)
//
// The semantics are GitHub Actions' (docs/workflow-format.md "Expressions",
// checked against GitHub's own cases in tests/engine/test_expr_conformance.cpp):
// - Names are case-insensitive: contexts (the tree holds them in lowercase),
//   members (an exact match first, else the first that differs in case) and
//   functions. A bare name not followed by "(" is a context root
//   (EvalContext::lookup).
// - A member or index that is missing, or applied to a value without members,
//   gives null. A list's index is converted to a number and rounded down
//   (negative, NaN, out of range: null); an object's to a string.
// - `x.*` gives the elements of a list or the values of an object ([] for
//   anything else); a `.b`, `[i]` or `.*` after it applies to every element and
//   drops the elements where the member or index is missing (an existing null
//   member is kept): `items.*.name` is the list of the names that exist.
// - `==` `!=` `<` `<=` `>` `>=`: detail::loose_equals and detail::compare
//   (strings ignoring case, lists and objects by reference, scalars of
//   different kinds as numbers).
// - `&&`/`||` short-circuit and return an operand (`a || b` is a when truthy).
// - Functions convert arguments to strings as GitHub does (lists "Array",
//   objects "Object", numbers with 15 significant digits: expr_text.hpp);
//   contains/startsWith/endsWith ignore case. success() is
//   all_succeeded && !any_failed && !cancelled, failure() is any_failed && !cancelled.
//   split('', sep) is []; an empty separator leaves the string whole.
// - hashFiles: see detail::hash_files in expr_functions.hpp (SHA-256 over the
//   files' own SHA-256 digests in path order; symlinks never followed).
// - At most 50 levels deep, as in GitHub (parentheses add none).
//
// Expressions are pure: evaluating one never has a side effect, so replay is
// deterministic. hashFiles reads files, which is the one exception the DSL allows.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine::expr {

struct ParseError {
  std::size_t offset = 0;  // byte offset into the parsed text where the problem is
  std::string message;     // e.g. "unknown function 'lenght' (did you mean 'length'?)"
};

// A context name and the static member path that follows it, e.g.
// `steps.build.outputs.x` -> root "steps", path {"build", "outputs", "x"};
// `['x']` adds "x"; the path stops at any other index (dynamic or numeric) or '*'.
struct Reference {
  std::string root;  // in lowercase: context names are case-insensitive
  std::vector<std::string> path;
  std::size_t offset = 0;  // of the root name in the parsed text
};

struct StatusFlags {
  bool any_failed = false;  // a needed step (or, run-level, any step) failed
  bool cancelled = false;   // the run is being cancelled
  bool all_succeeded = true;  // every needed step succeeded (a skipped need is neither success nor failure)
};

struct EvalContext {
  // Returns the value of a context (inputs, env, secrets, steps, matrix, run,
  // attempt; asked for in lowercase) or nullptr when it is not available here
  // (evaluates to null).
  std::function<const Value*(std::string_view root)> lookup;
  StatusFlags status;
  std::filesystem::path hash_root;  // base directory for hashFiles()
};

struct Node;  // the AST, private to expr.cpp

class Expression {
 public:
  static std::variant<Expression, ParseError> parse(std::string_view source);
  Result<Value> evaluate(const EvalContext& context) const;
  const std::vector<Reference>& references() const;
  bool uses_status_function() const;  // success/failure/always/cancelled appear
  const std::string& source() const;

  Expression(const Expression&) = default;
  Expression(Expression&&) noexcept = default;
  Expression& operator=(const Expression&) = default;
  Expression& operator=(Expression&&) noexcept = default;
  ~Expression();

 private:
  Expression() = default;
  std::shared_ptr<const Node> m_root;
  std::vector<Reference> m_references;
  bool m_uses_status = false;
  std::string m_source;
};

class Template {
 public:
  // Offsets in errors and references are relative to `text`.
  static std::variant<Template, ParseError> parse(std::string_view text);
  bool has_expressions() const;
  // The whole text is one ${{ }}, nothing around it: render keeps its type.
  bool is_single_expression() const;
  // Single expression: its value. Otherwise a string with each value inserted
  // as to_display_string writes it.
  Result<Value> render(const EvalContext& context) const;
  std::vector<Reference> references() const;
  bool uses_status_function() const;
  struct Part {
    std::string literal;                 // when !expression
    std::shared_ptr<Expression> expression;
    std::size_t offset = 0;              // of the expression's first character in `text`
  };
  const std::vector<Part>& parts() const { return m_parts; }

 private:
  std::vector<Part> m_parts;
  bool m_single = false;
};

// Truthiness as the DSL defines it: false, 0, -0, NaN, "", null are false; [] and {} are true.
bool is_truthy(const Value& value);
// How a value reads when inserted into a string: strings raw, null "",
// booleans, numbers as GitHub prints them (15 significant digits; integers
// whole: expr_number.hpp), lists and objects as compact JSON (where GitHub
// writes "Array" and "Object": docs/workflow-format.md says why).
std::string to_display_string(const Value& value);
// The names of every built-in function, for "did you mean".
const std::vector<std::string>& function_names();

}  // namespace automata::engine::expr
