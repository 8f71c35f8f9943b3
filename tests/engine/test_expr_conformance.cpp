// GitHub Actions' expression semantics, case by case: every case of
// tests/conformance/gha-expr-cases.json (nektos/act's expression tests and
// actions/languageservices' expressions/testdata, GitHub's own evaluator
// data) runs against automata's evaluator. A case that does not give GitHub's
// result fails the test unless k_expected_differences lists it with the
// reason automata differs (docs/workflow-format.md, "Expressions"); a listed
// case that agrees fails too, so the list stays true.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "engine/expr.hpp"
#include "engine/text_case.hpp"
#include "support/scratch.hpp"

namespace {

using automata::Value;
namespace expr = automata::engine::expr;

// Case id -> why automata keeps its own behaviour there.
const std::map<std::string, std::string, std::less<>> k_expected_differences = {
    {"ls/op_dot/property-errors#2",
     "a name after '.' may start with a digit: step ids may (steps.2-deploy.outputs), so foo.1 is member '1'"},
    {"ls/op_dot/property-errors#4", "as property-errors#2: foo[1].2 is member '2' of foo[1]"},
    {"ls/syntax-errors/memory-errors#1~canon",
     "no 1 MB bound on the text an expression builds: values here hold whole diffs, logs and model replies"},
};

Value load_cases() {
  const std::string text = automata::test::read_file(AUTOMATA_SOURCE_DIR "/tests/conformance/gha-expr-cases.json");
  return Value::parse(text);
}

// The contexts a case reads: its fixture's env, inputs, secrets, step
// outputs and matrix, and the case's own (GitHub's `github`, or a test's
// made-up names), which the evaluator reads like any context.
Value contexts_of(const Value& fixture, const Value& test_case) {
  Value contexts = Value::object();
  Value& env = contexts["env"] = Value::object();
  const Value workflow_env = fixture.value("workflow_env", Value::array());
  for (const auto& pair : workflow_env) {
    env[pair[0].get<std::string>()] = pair[1];
  }
  Value& inputs = contexts["inputs"] = Value::object();
  const Value input_specs = fixture.value("inputs", Value::object());
  for (const auto& [name, spec] : input_specs.items()) {
    inputs[name] = spec.value("default", Value());
  }
  contexts["secrets"] = fixture.value("secrets", Value::object());
  Value& steps = contexts["steps"] = Value::object();
  const Value step_outputs = fixture.value("steps", Value::object());
  for (const auto& [id, outputs] : step_outputs.items()) {
    steps[id] = Value{{"status", "succeeded"}, {"outputs", outputs}};
  }
  if (fixture.contains("matrix")) {
    Value& matrix = contexts["matrix"] = Value::object();
    for (const auto& [axis, values] : fixture["matrix"].items()) {
      matrix[axis] = values.at(0);
    }
  }
  if (test_case.contains("contexts")) {
    for (const auto& [name, value] : test_case["contexts"].items()) {
      contexts[name] = value;
    }
  }
  return contexts;
}

struct Outcome {
  bool error = false;
  std::string message;  // when error
  Value value;
};

// Context names are case-insensitive; the evaluator asks for them in lowercase.
const Value* find_context(const Value& contexts, std::string_view root) {
  for (const auto& [name, value] : contexts.items()) {
    if (automata::engine::ascii_lower(name) == root) {
      return &value;
    }
  }
  return nullptr;
}

// validate refuses a context automata does not have; GitHub refuses it when parsing.
std::string unknown_context(const std::vector<expr::Reference>& references, const Value& contexts) {
  for (const auto& reference : references) {
    if (find_context(contexts, reference.root) == nullptr) {
      return "unknown context '" + reference.root + "'";
    }
  }
  return {};
}

template <typename Parsed>
Outcome evaluate(const Parsed& parsed, const Value& contexts, const expr::EvalContext& context) {
  if (std::string unknown = unknown_context(parsed.references(), contexts); !unknown.empty()) {
    return Outcome{true, unknown, Value()};
  }
  Outcome outcome;
  auto result = [&] {
    if constexpr (std::is_same_v<Parsed, expr::Template>) {
      return parsed.render(context);
    } else {
      return parsed.evaluate(context);
    }
  }();
  if (!result.ok()) {
    return Outcome{true, result.error().message, Value()};
  }
  outcome.value = std::move(result).value();
  return outcome;
}

template <typename Parsed>
Outcome parse_and_evaluate(std::string_view text, const Value& contexts, const expr::EvalContext& context) {
  auto parsed = Parsed::parse(text);
  if (const auto* error = std::get_if<expr::ParseError>(&parsed)) {
    return Outcome{true, error->message, Value()};
  }
  return evaluate(std::get<Parsed>(parsed), contexts, context);
}

// mode "value": the expression's value; "if": an `if:` condition, with or
// without ${{ }}, as the driver evaluates it; "interpolate": a text with
// ${{ }} in it, as it reads once interpolated.
Outcome run_case(const Value& test_case, const Value& contexts, const expr::EvalContext& context) {
  const std::string mode = test_case["mode"].get<std::string>();
  if (mode == "value") {
    return parse_and_evaluate<expr::Expression>(test_case["expr"].get<std::string>(), contexts, context);
  }
  const std::string text = test_case["text"].get<std::string>();
  if (mode == "if") {
    Outcome outcome = text.find("${{") != std::string::npos
                          ? parse_and_evaluate<expr::Template>(text, contexts, context)
                          : parse_and_evaluate<expr::Expression>(text, contexts, context);
    if (!outcome.error) {
      outcome.value = expr::is_truthy(outcome.value);
    }
    return outcome;
  }
  Outcome outcome = parse_and_evaluate<expr::Template>(text, contexts, context);
  if (!outcome.error && !outcome.value.is_string()) {
    outcome.value = expr::to_display_string(outcome.value);
  }
  return outcome;
}

// Numbers by value (and the sign of zero), objects regardless of key order.
bool same_value(const Value& expected, const Value& actual) {
  if (expected.is_number() && actual.is_number()) {
    const double a = expected.get<double>();
    const double b = actual.get<double>();
    return a == b && std::signbit(a) == std::signbit(b);
  }
  if (expected.type() != actual.type()) {
    return false;
  }
  if (expected.is_array()) {
    if (expected.size() != actual.size()) {
      return false;
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (!same_value(expected[i], actual[i])) {
        return false;
      }
    }
    return true;
  }
  if (expected.is_object()) {
    if (expected.size() != actual.size()) {
      return false;
    }
    for (const auto& [key, item] : expected.items()) {
      const auto found = actual.find(key);
      if (found == actual.end() || !same_value(item, *found)) {
        return false;
      }
    }
    return true;
  }
  return expected == actual;
}

bool agrees(const Value& expected, const Outcome& outcome) {
  if (expected.contains("error")) {
    return outcome.error;
  }
  if (outcome.error) {
    return false;
  }
  return same_value(expected.contains("bool") ? expected["bool"] : expected["value"], outcome.value);
}

std::string describe(const Value& test_case, const Outcome& outcome) {
  std::ostringstream out;
  out << test_case["id"].get<std::string>() << ": "
      << (test_case.contains("expr") ? test_case["expr"] : test_case["text"]).get<std::string>() << "\n  GitHub: "
      << test_case["expected"].dump() << "\n  automata: "
      << (outcome.error ? "error: " + outcome.message : outcome.value.dump());
  return out.str();
}

}  // namespace

TEST_SUITE("expr conformance") {
  TEST_CASE("expressions evaluate as GitHub Actions evaluates them") {
    const Value data = load_cases();
    const automata::test::ScratchDir files;
    for (const auto& [name, content] : data["fixtures"]["act-hashfiles"]["files"].items()) {
      files.write(name, content.get<std::string>());
    }
    std::size_t agreeing = 0;
    std::size_t total = 0;
    std::size_t expected_differences_seen = 0;
    for (const auto& test_case : data["cases"]) {
      const std::string& id = test_case["id"].get_ref<const std::string&>();
      const Value contexts = contexts_of(data["fixtures"][test_case["fixture"].get<std::string>()], test_case);
      expr::EvalContext context;
      context.lookup = [&contexts](std::string_view root) { return find_context(contexts, root); };
      context.hash_root = files.path();
      const Outcome outcome = run_case(test_case, contexts, context);
      const bool ok = agrees(test_case["expected"], outcome);
      ++total;
      agreeing += ok ? 1 : 0;
      const auto difference = k_expected_differences.find(id);
      if (difference != k_expected_differences.end()) {
        ++expected_differences_seen;
        if (ok) {
          FAIL_CHECK("listed as an expected difference but agrees with GitHub now: " << id);
        }
      } else if (!ok) {
        FAIL_CHECK(describe(test_case, outcome));
      }
    }
    MESSAGE("GitHub Actions expression cases agreeing: " << agreeing << " / " << total << " (expected differences: "
                                                          << k_expected_differences.size() << ")");
    CHECK(expected_differences_seen == k_expected_differences.size());
  }
}
