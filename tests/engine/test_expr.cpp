#include "engine/expr.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "support/scratch.hpp"

namespace {

using automata::Errc;
using automata::Value;
using namespace automata::engine::expr;

const Value& contexts() {
  static const Value value = Value::parse(R"({
    "inputs": {"name": "world", "count": 3, "flag": true, "empty": "", "zero": 0, "ratio": 1.5,
               "list": ["a", "b", "c"], "nested": {"x": {"y": 1}}, "k": "name", "na-me": "dash"},
    "steps": {
      "build": {"status": "succeeded", "outputs": {"x": "1", "n": 2}},
      "test": {"status": "failed", "outputs": {"x": "2"}},
      "lint": {"status": "skipped"},
      "my-step": {"outputs": {"x": "hyphen"}}
    },
    "matrix": {"os": "linux"},
    "items": [{"name": "a", "v": 1}, {"name": "b"}, {"v": 3}, 5]
  })");
  return value;
}

EvalContext make_context(StatusFlags status = {}) {
  EvalContext context;
  context.lookup = [](std::string_view root) -> const Value* {
    const auto it = contexts().find(root);
    return it == contexts().end() ? nullptr : &*it;
  };
  context.status = status;
  return context;
}

Expression parse_ok(std::string_view source) {
  auto parsed = Expression::parse(source);
  if (const auto* error = std::get_if<ParseError>(&parsed)) {
    FAIL("parse of '" << source << "' failed at " << error->offset << ": " << error->message);
  }
  return std::get<Expression>(std::move(parsed));
}

Value eval(std::string_view source, const EvalContext& context = make_context()) {
  const Expression expression = parse_ok(source);
  auto result = expression.evaluate(context);
  if (!result) {
    FAIL("evaluation of '" << source << "' failed: " << result.error().message);
  }
  return std::move(result).value();
}

std::string eval_error(std::string_view source) {
  const Expression expression = parse_ok(source);
  auto result = expression.evaluate(make_context());
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == Errc::failed);
  return result.error().message;
}

ParseError parse_error(std::string_view source) {
  auto parsed = Expression::parse(source);
  REQUIRE(std::holds_alternative<ParseError>(parsed));
  return std::get<ParseError>(parsed);
}

Template template_ok(std::string_view text) {
  auto parsed = Template::parse(text);
  if (const auto* error = std::get_if<ParseError>(&parsed)) {
    FAIL("template '" << text << "' failed at " << error->offset << ": " << error->message);
  }
  return std::get<Template>(std::move(parsed));
}

Value render(std::string_view text, const EvalContext& context = make_context()) {
  auto result = template_ok(text).render(context);
  if (!result) {
    FAIL("render of '" << text << "' failed: " << result.error().message);
  }
  return std::move(result).value();
}

ParseError template_error(std::string_view text) {
  auto parsed = Template::parse(text);
  REQUIRE(std::holds_alternative<ParseError>(parsed));
  return std::get<ParseError>(parsed);
}

void check_parse_error(std::string_view source, std::size_t offset, const std::string& message) {
  CAPTURE(source);
  const ParseError error = parse_error(source);
  CHECK(error.message == message);
  CHECK(error.offset == offset);
}

}  // namespace

TEST_SUITE("expr") {
  TEST_CASE("literals") {
    CHECK(eval("'it''s'") == "it's");
    CHECK(eval("''") == "");
    CHECK(eval("42").is_number_integer());
    CHECK(eval("42") == 42);
    CHECK(eval("-7") == -7);
    CHECK(eval("1.5") == 1.5);
    CHECK(eval("-2.5e-1") == -0.25);
    CHECK(eval("2e3").is_number_float());
    CHECK(eval("2e3") == 2000.0);
    CHECK(eval("0x1F").is_number_integer());
    CHECK(eval("0x1F") == 31);
    CHECK(eval("99999999999999999999") == 1e20);
    CHECK(eval("true") == true);
    CHECK(eval("false") == false);
    CHECK(eval("null").is_null());
    check_parse_error("12abc", 0, "unexpected '12abc'");
    check_parse_error("1.2.3", 0, "unexpected '1.2.3'");
    check_parse_error("a == 0x8000000000000000", 5, "number out of range: '0x8000000000000000' is above 0x7FFFFFFF");
    check_parse_error("0xFZ", 0, "unexpected '0xFZ'");
  }

  TEST_CASE("number literals read as GitHub reads them") {
    CHECK(eval("+5") == 5);
    CHECK(eval(".5") == 0.5);
    CHECK(eval("1 == .5 || -.5 < 0") == true);
    CHECK(eval("1.") == 1.0);
    CHECK(eval("0o17") == 15);
    CHECK(eval("0x7FFFFFFF") == 2147483647);
    CHECK(std::isnan(eval("NaN").get<double>()));
    CHECK(eval("Infinity") == std::numeric_limits<double>::infinity());
    CHECK(eval("-Infinity") == -std::numeric_limits<double>::infinity());
    CHECK(eval("1e999") == std::numeric_limits<double>::infinity());  // too large: Infinity, as in GitHub
    CHECK(eval("1e-999") == 0.0);
    const Value negative_zero = eval("-0");
    CHECK(negative_zero.is_number_float());
    CHECK(std::signbit(negative_zero.get<double>()));
    CHECK(eval("9223372036854775807").get<std::int64_t>() == 9223372036854775807);  // whole numbers stay exact
    // GitHub's lexer reads a number from a sign: a negative hexadecimal is not a number, nor 0X.
    check_parse_error("-0x10", 0, "unexpected '-0x10'");
    check_parse_error("0X10", 0, "unexpected '0X10'");
    check_parse_error("0o8", 0, "unexpected '0o8'");
    check_parse_error("-x", 0, "unexpected '-x'");
    check_parse_error("+-5", 0, "unexpected '+-5'");
    CHECK(eval("nan").is_null());  // NaN and Infinity are case-sensitive: `nan` is a context name
  }

  TEST_CASE("not and truthiness") {
    CHECK(eval("!true") == false);
    CHECK(eval("!0") == true);
    CHECK(eval("!''") == true);
    CHECK(eval("!'a'") == false);
    CHECK(eval("!!inputs.list") == true);
    CHECK(eval("!inputs.missing") == true);
    CHECK(eval("!null") == true);

    CHECK_FALSE(is_truthy(Value(false)));
    CHECK_FALSE(is_truthy(Value(0)));
    CHECK_FALSE(is_truthy(Value(0u)));
    CHECK_FALSE(is_truthy(Value(-0.0)));
    CHECK_FALSE(is_truthy(Value(std::numeric_limits<double>::quiet_NaN())));
    CHECK_FALSE(is_truthy(Value("")));
    CHECK_FALSE(is_truthy(Value(nullptr)));
    CHECK(is_truthy(Value(true)));
    CHECK(is_truthy(Value(-1)));
    CHECK(is_truthy(Value(0.5)));
    CHECK(is_truthy(Value("0")));
    CHECK(is_truthy(Value("false")));
    CHECK(is_truthy(Value::array()));
    CHECK(is_truthy(Value::object()));
  }

  TEST_CASE("equality: one kind directly, scalars of different kinds as numbers") {
    CHECK(eval("1 == 1.0") == true);
    CHECK(eval("'abc' == 'abc'") == true);
    CHECK(eval("null == null") == true);
    CHECK(eval("true == true") == true);
    // Strings ignore case, Unicode letters too (GitHub's OrdinalIgnoreCase).
    CHECK(eval("'abc' == 'ABC'") == true);
    CHECK(eval("'abc' != 'ABC'") == false);
    CHECK(eval("'\xC3\xBC' == '\xC3\x9C'") == true);  // ü Ü
    CHECK(eval("'\xCF\x82' == '\xCE\xA3'") == true);  // ς Σ
    CHECK(eval("'i' == '\xC4\xB0'") == false);          // i İ: different letters
    CHECK(eval("'\xC4\xB1' == 'I'") == false);          // ı I
    CHECK(eval("'a\xFF' == 'A\xFF'") == true);          // an invalid byte equals only itself
    CHECK(eval("'a\xFF' == 'a\xFE'") == false);
    // Lists and objects are equal only to themselves, never for equal contents.
    CHECK(eval("inputs.list == inputs.list") == true);
    CHECK(eval("inputs.list == INPUTS['LIST']") == true);
    CHECK(eval("inputs.nested != inputs.nested") == false);
    CHECK(eval(R"(fromJSON('{"a":1}') == fromJSON('{"a":1}'))") == false);
    CHECK(eval("fromJSON('[1]') != fromJSON('[1]')") == true);
    CHECK(eval("inputs.list == inputs.nested") == false);
    // coercion: null -> 0, bool -> 0/1, string parsed, "" -> 0, unparseable -> NaN
    CHECK(eval("1 == '1'") == true);
    CHECK(eval("'1.0' == 1") == true);
    CHECK(eval("' 2 ' == 2") == true);
    CHECK(eval("'0x10' == 16") == true);
    CHECK(eval("'-3' == -3") == true);
    CHECK(eval("'1e2' == 100") == true);
    CHECK(eval("0 == ''") == true);
    CHECK(eval("0 == null") == true);
    CHECK(eval("null == ''") == true);
    CHECK(eval("null == false") == true);
    CHECK(eval("true == 1") == true);
    CHECK(eval("true == '1'") == true);
    CHECK(eval("true == 'true'") == false);
    CHECK(eval("'abc' == 0") == false);
    CHECK(eval("'inf' == 0") == false);
    CHECK(eval("'abc' != 0") == true);
    CHECK(eval("inputs.list == 'a,b,c'") == false);
    CHECK(eval("inputs.nested != 0") == true);
    CHECK(eval("steps.build.outputs.x == 1") == true);
    CHECK(eval("1 != 2") == true);
    CHECK(eval("1 != 1") == false);
  }

  TEST_CASE("ordering") {
    CHECK(eval("1 < 2") == true);
    CHECK(eval("2 < 2") == false);
    CHECK(eval("2 <= 2") == true);
    CHECK(eval("3 > 2.5") == true);
    CHECK(eval("2 >= 3") == false);
    CHECK(eval("-1 < 0x10") == true);
    CHECK(eval("'a' < 'b'") == true);
    CHECK(eval("'a' < 'B'") == true);  // ignoring case
    CHECK(eval("'B' < 'a'") == false);
    CHECK(eval("'abc' <= 'ABC'") == true);
    CHECK(eval("'abc' >= 'ABC'") == true);
    CHECK(eval("'a' < '['") == true);  // letters compare as uppercase: 'A' < '['
    CHECK(eval("'_' > 'z'") == true);   // 'z' compares as 'Z' (0x5A), below '_' (0x5F)
    CHECK(eval("'\xC3\xA7' < '\xC3\x87'") == false);  // ç Ç: one letter
    CHECK(eval("'\xC3\xA7' <= '\xC3\x87'") == true);
    // In UTF-16 order (as GitHub compares), U+1F600 (a surrogate pair) sorts before U+FF21.
    CHECK(eval("'\xF0\x9F\x98\x80' < '\xEF\xBC\xA1'") == true);
    CHECK(eval("'10' < '9'") == true);
    CHECK(eval("'10' < 9") == false);
    CHECK(eval("'10' > 9") == true);
    CHECK(eval("null < 1") == true);
    CHECK(eval("true > false") == true);
    CHECK(eval("'' >= null") == true);
    CHECK(eval("'x' < 1") == false);  // NaN never compares
    CHECK(eval("'x' >= 1") == false);
    CHECK(eval("'x' <= 'x'") == true);
    CHECK(eval("inputs.list < 1") == false);
    CHECK(eval("inputs.list >= 0") == false);
    CHECK(eval("inputs.ratio > inputs.count") == false);
  }

  TEST_CASE("&& and || return an operand and short-circuit") {
    CHECK(eval("'a' && 'b'") == "b");
    CHECK(eval("'' && 'b'") == "");
    CHECK(eval("0 || 'x'") == "x");
    CHECK(eval("inputs.count || 0") == 3);
    CHECK(eval("null || inputs.missing").is_null());
    CHECK(eval("false || 0 || 'last'") == "last");
    CHECK(eval("1 && 2 && 3") == 3);
    CHECK(eval("inputs.list || 'x'") == Value::parse(R"(["a","b","c"])"));
    CHECK(eval("'a' || fromJSON('bad')") == "a");
    CHECK(eval("false && fromJSON('bad')") == false);
    // precedence: ! over comparison over equality over && over ||
    CHECK(eval("true || false && false") == true);
    CHECK(eval("(true || false) && false") == false);
    CHECK(eval("!false == true") == true);
    CHECK(eval("1 < 2 == 2 < 3") == true);
    CHECK(eval("!(1 == 1)") == false);
  }

  TEST_CASE("property access") {
    CHECK(eval("inputs.name") == "world");
    CHECK(eval("inputs['name']") == "world");
    CHECK(eval("inputs[inputs.k]") == "world");
    CHECK(eval("inputs.na-me") == "dash");
    CHECK(eval("steps.my-step.outputs.x") == "hyphen");
    CHECK(eval("inputs.list[1]") == "b");
    CHECK(eval("inputs.list[inputs.zero]") == "a");
    CHECK(eval("inputs.list[2.0]") == "c");
    CHECK(eval("inputs.nested.x.y") == 1);
    CHECK(eval("steps.build.outputs['x']") == "1");
    CHECK(eval("(inputs).name") == "world");
    CHECK(eval("inputs.list[-1]").is_null());
    CHECK(eval("inputs.list[3]").is_null());
    CHECK(eval("inputs.list['x']").is_null());
    CHECK(eval("inputs.list[inputs.list]").is_null());
    CHECK(eval("inputs.nested[0]").is_null());
    CHECK(eval("inputs.nested[inputs.nested]").is_null());
    CHECK(eval("inputs.missing").is_null());
    CHECK(eval("inputs.missing.deeper[0]").is_null());
    CHECK(eval("inputs.name.length").is_null());
    CHECK(eval("inputs.name['x']").is_null());
    CHECK(eval("inputs.name[0]").is_null());
    CHECK(eval("inputs.count.x").is_null());
    CHECK(eval("inputs['na-me']") == "dash");
    CHECK(eval("secrets.TOKEN").is_null());  // lookup gives nullptr
    CHECK(eval("fromJSON('{\"a\":{\"b\":[10,20]}}').a.b[1]") == 20);

    EvalContext no_lookup;
    CHECK(eval("inputs.name", no_lookup).is_null());
  }

  TEST_CASE("indexes are converted as GitHub converts them") {
    // A list's index becomes a number, rounded down.
    CHECK(eval("inputs.list['1']") == "b");
    CHECK(eval("inputs.list[' 0x02 ']") == "c");
    CHECK(eval("inputs.list[1.5]") == "b");
    CHECK(eval("inputs.list[true]") == "b");
    CHECK(eval("inputs.list[null]") == "a");
    CHECK(eval("inputs.list[steps.build.outputs.x]") == "b");  // a step output is text: "1"
    CHECK(eval("inputs.list[-0.5]").is_null());
    // An object's index becomes a string.
    const std::string object = R"(fromJSON('{"5": "five", "1.5": "one and a half", "true": "yes", "": "empty"}'))";
    CHECK(eval(object + "[5]") == "five");
    CHECK(eval(object + "[1.50]") == "one and a half");
    CHECK(eval(object + "[true]") == "yes");
    CHECK(eval(object + "[null]") == "empty");
    CHECK(eval(object + "[fromJSON('[]')]").is_null());
  }

  TEST_CASE("member and context names are case-insensitive") {
    CHECK(eval("inputs.NAME") == "world");
    CHECK(eval("INPUTS.name") == "world");
    CHECK(eval("Steps.BUILD.Outputs.X") == "1");
    CHECK(eval("steps['MY-STEP'].outputs.x") == "hyphen");
    CHECK(eval("items.*.NAME") == Value::parse(R"(["a","b"])"));
    // An exact match wins over one that differs in case.
    CHECK(eval(R"(fromJSON('{"a": 1, "A": 2}').A)") == 2);
    CHECK(eval(R"(fromJSON('{"a": 1, "A": 2}').a)") == 1);
    CHECK(eval(R"(fromJSON('{"b": 1, "B": 2}')['b'])") == 1);
    CHECK(eval(R"(fromJSON('{"ab": 1, "Ab": 2}').AB)") == 1);  // else the first
    const Expression upper = parse_ok("ENV.HOME || Secrets.x");
    REQUIRE(upper.references().size() == 2);
    CHECK(upper.references()[0].root == "env");
    CHECK(upper.references()[1].root == "secrets");
  }

  TEST_CASE("a.*.b filters") {
    CHECK(eval("items.*.name") == Value::parse(R"(["a","b"])"));  // missing members are skipped
    CHECK(eval("items.*.v") == Value::parse("[1,3]"));
    CHECK(eval("items.*") == contexts()["items"]);
    CHECK(eval("steps.*.status") == Value::parse(R"(["succeeded","failed","skipped"])"));
    CHECK(eval("steps.*.outputs.x") == Value::parse(R"(["1","2","hyphen"])"));
    CHECK(eval("steps.*['status']") == Value::parse(R"(["succeeded","failed","skipped"])"));
    CHECK(eval("inputs.list.*") == Value::parse(R"(["a","b","c"])"));
    CHECK(eval("inputs.name.*") == Value::array());
    CHECK(eval("inputs.missing.*.x") == Value::array());
    CHECK(eval("fromJSON('[[1,2],[3]]').*.*") == Value::parse("[1,2,3]"));
    CHECK(eval("fromJSON('[[1,2],[3]]').*[1]") == Value::parse("[2]"));
    CHECK(eval("fromJSON('[{\"a\":null},{}]').*.a") == Value::parse("[null]"));
    CHECK(eval("length(items.*.name)") == 2);
    CHECK(eval("contains(steps.*.status, 'failed')") == true);
    CHECK(eval("join(items.*.name, '+')") == "a+b");
    CHECK(eval("items.*.name == items.*.name") == false);  // two lists, each made anew
  }

  TEST_CASE("contains, startsWith, endsWith") {
    CHECK(eval("contains('hello world', 'lo w')") == true);
    CHECK(eval("contains('Hello', 'hELLO')") == true);  // ignoring case
    CHECK(eval("contains('\xC3\x9C" "ber', '\xC3\xBC')") == true);  // Über ü
    CHECK(eval("contains(inputs.list, 'b')") == true);
    CHECK(eval("contains(inputs.list, 'B')") == true);
    CHECK(eval("contains(inputs.list, 'z')") == false);
    CHECK(eval("contains(fromJSON('[1,2]'), '2')") == true);  // list elements compare with ==
    CHECK(eval("contains(fromJSON('[[1]]'), fromJSON('[1]'))") == false);  // lists by reference
    CHECK(eval("contains(fromJSON('[[1]]').*, fromJSON('[1]'))") == false);
    CHECK(eval("contains(123, 2)") == true);
    CHECK(eval("contains(null, 'x')") == false);
    CHECK(eval("contains('Array', inputs.list)") == false);  // a list is no one's part
    CHECK(eval("contains(inputs.nested, 'x')") == false);    // nor has parts
    CHECK(eval("startsWith('automata', 'AUTO')") == true);
    CHECK(eval("startsWith('abc', 'B')") == false);
    CHECK(eval("startsWith(123, 12)") == true);
    CHECK(eval("startsWith(inputs.list, 'A')") == false);
    CHECK(eval("endsWith('automata', 'MaTa')") == true);
    CHECK(eval("endsWith(true, 'UE')") == true);
    CHECK(eval("endsWith('a', 'ba')") == false);
    CHECK(eval("endsWith('Object', inputs.nested)") == false);
  }

  TEST_CASE("format") {
    CHECK(eval("format('{0} and {1}', 'a', 2)") == "a and 2");
    CHECK(eval("format('{{x}} {0}', 'y')") == "{x} y");
    CHECK(eval("format('{1}{0}{1}', 'a', 'b')") == "bab");
    CHECK(eval("format('{0}|{1}|{2}|{3}', inputs.list, null, 1.50, inputs.nested)") == "Array||1.5|Object");
    CHECK(eval("format('{0} {1} {2}', 0.1, 1e15, 12345678901234567890.0)") == "0.1 1E+15 1.23456789012346E+19");
    CHECK(eval("format(inputs.list)") == "Array");
    CHECK(eval("format('plain')") == "plain");
    CHECK(eval_error("format('{3}', 'a')") == "format: placeholder {3} has no argument");
    CHECK(eval_error("format('{0}')") == "format: placeholder {0} has no argument");
    CHECK(eval_error("format('{x}')") == "format: invalid placeholder at position 0 of '{x}'");
    CHECK(eval_error("format('ab{0')") == "format: invalid placeholder at position 2 of 'ab{0'");
    CHECK(eval_error("format('a}b')") == "format: unmatched '}' at position 1 of 'a}b'");
  }

  TEST_CASE("join and split") {
    CHECK(eval("join(inputs.list)") == "a,b,c");
    CHECK(eval("join(inputs.list, ' | ')") == "a | b | c");
    CHECK(eval("join(fromJSON('[1,true,null,\"x\",[2],{}]'), '-')") == "1-true--x-Array-Object");
    CHECK(eval("join(fromJSON('[]'))") == "");
    CHECK(eval("join('solo', '-')") == "solo");
    CHECK(eval("join(2.50)") == "2.5");
    CHECK(eval("join(null)") == "");
    CHECK(eval("join(inputs.nested)") == "");                 // an object joins to nothing
    CHECK(eval("join(inputs.list, inputs.list)") == "a,b,c");  // a list as separator: the default
    CHECK(eval("split('a,b,,c', ',')") == Value::parse(R"(["a","b","","c"])"));
    CHECK(eval("split('a::b', '::')") == Value::parse(R"(["a","b"])"));
    CHECK(eval("split('a,', ',')") == Value::parse(R"(["a",""])"));
    CHECK(eval("split('', ',')") == Value::array());
    CHECK(eval("split('abc', '')") == Value::parse(R"(["abc"])"));
    CHECK(eval("split(12131, 1)") == Value::parse(R"(["","2","3",""])"));
  }

  TEST_CASE("toJSON and fromJSON") {
    CHECK(eval("toJSON(inputs.nested)") == "{\n  \"x\": {\n    \"y\": 1\n  }\n}");
    CHECK(eval("toJSON('s')") == "\"s\"");
    CHECK(eval("toJSON(null)") == "null");
    CHECK(eval("toJSON(1.0)") == "1");  // numbers as format() prints them
    CHECK(eval("toJSON(fromJSON('[0.1, 1e20, -0.0, 7]'))") == "[\n  0.1,\n  1E+20,\n  0,\n  7\n]");
    CHECK(eval("toJSON(fromJSON('{}'))") == "{}");
    CHECK(eval("toJSON(fromJSON('{\"a\": []}'))") == "{\n  \"a\": []\n}");
    CHECK(eval("fromJSON('{\"a\": [1, 2.5, null]}')") == Value::parse(R"({"a":[1,2.5,null]})"));
    CHECK(eval("fromJSON('7')") == 7);
    CHECK(eval("fromJSON(toJSON(inputs))") == contexts()["inputs"]);
    CHECK(eval("keys(fromJSON('{\"z\":1,\"a\":2}'))") == Value::parse(R"(["z","a"])"));  // key order kept
    CHECK(eval_error("fromJSON('bad')") ==
          "fromJSON: invalid JSON: parse error at line 1, column 1: syntax error while parsing value - invalid "
          "literal; last read: 'b'");
    CHECK(eval_error("fromJSON('')") ==
          "fromJSON: invalid JSON: parse error at line 1, column 1: syntax error while parsing value - unexpected "
          "end of input; expected '[', '{', or a literal");
  }

  TEST_CASE("length and keys") {
    CHECK(eval("length('h\xC3\xA9llo')") == 6);  // UTF-8 bytes
    CHECK(eval("length(inputs.list)") == 3);
    CHECK(eval("length(inputs.nested)") == 1);
    CHECK(eval("length(null)") == 0);
    CHECK(eval("length('')") == 0);
    CHECK(eval_error("length(5)") == "length: expected a string, list or object, got number");
    CHECK(eval_error("length(true)") == "length: expected a string, list or object, got boolean");
    CHECK(eval("keys(steps)") == Value::parse(R"(["build","test","lint","my-step"])"));
    CHECK(eval("keys(null)") == Value::array());
    CHECK(eval_error("keys(inputs.list)") == "keys: expected an object, got list");
    CHECK(eval_error("keys('s')") == "keys: expected an object, got string");
  }

  TEST_CASE("default") {
    CHECK(eval("default(inputs.missing, 'fb')") == "fb");
    CHECK(eval("default(inputs.empty, 'fb')") == "fb");
    CHECK(eval("default(inputs.zero, 'fb')") == 0);
    CHECK(eval("default(false, 1)") == false);
    CHECK(eval("default(inputs.list, 1)") == Value::parse(R"(["a","b","c"])"));
    CHECK(eval("default('x', fromJSON('bad'))") == "x");  // the fallback is not evaluated
  }

  TEST_CASE("status functions") {
    struct Row {
      StatusFlags flags;
      bool success, failure, always, cancelled;
    };
    const Row rows[] = {
        {{false, false}, true, false, true, false},
        {{true, false}, false, true, true, false},
        {{false, true}, false, false, true, true},
        {{true, true}, false, false, true, true},
    };
    for (const auto& row : rows) {
      CAPTURE(row.flags.any_failed);
      CAPTURE(row.flags.cancelled);
      const EvalContext context = make_context(row.flags);
      CHECK(eval("success()", context) == row.success);
      CHECK(eval("failure()", context) == row.failure);
      CHECK(eval("always()", context) == row.always);
      CHECK(eval("cancelled()", context) == row.cancelled);
    }
    CHECK(parse_ok("success()").uses_status_function());
    CHECK(parse_ok("inputs.x || always()").uses_status_function());
    CHECK(parse_ok("format('{0}', cancelled())").uses_status_function());
    CHECK(parse_ok("!failure()").uses_status_function());
    CHECK_FALSE(parse_ok("inputs.x == 'success'").uses_status_function());
    CHECK_FALSE(parse_ok("success").uses_status_function());  // a bare name is a context
    CHECK(template_ok("a ${{ failure() }}").uses_status_function());
    CHECK_FALSE(template_ok("a ${{ inputs.x }}").uses_status_function());
  }

  TEST_CASE("hashFiles") {
    const automata::test::ScratchDir dir;
    dir.write("a.txt", "alpha");
    dir.write("src/b.cpp", "beta");
    dir.write("src/deep/c.cpp", "gamma");
    dir.write("src/deep/skip.cpp", "skip");
    const auto outside = dir.write("outside/secret.cpp", "secret");
    std::filesystem::create_symlink(outside, dir / "src" / "link.cpp");
    std::filesystem::create_directory_symlink(dir / "outside", dir / "src" / "linkdir");
    EvalContext context = make_context();
    context.hash_root = dir.path();
    // SHA-256 over the concatenated raw SHA-256 digests of the files, in path order.
    const std::string alpha = "aa86be763e41db7eaae266afc79ab46d02343c5d3b05da171d351afbd25c1525";
    const std::string beta = "05e3bc756e005c1bc5e4daf8a3da95d435af52476b0a0e6d52e719a2b1e3434a";
    const std::string beta_gamma = "870ecd6fec9bee2cd31b6f1e353f116502b103706f99a1d7e8d1f3f4d6e4aa70";
    const std::string beta_gamma_skip = "4462b647acbd51acd5eef05f5ec4e41ef4291c492a76819f69f4aa66ee1d6ad2";
    const std::string all = "2b32d1cf95f903b5f5d541ea2b9174ab77f744d3f350d9ddb1f3b2aa92e4803d";

    CHECK(eval("hashFiles('a.txt')", context) == alpha);
    CHECK(eval("hashFiles('./a.txt')", context) == alpha);
    CHECK(eval("hashFiles('?.txt')", context) == alpha);
    CHECK(eval("hashFiles('src/*.cpp')", context) == beta);  // '*' stays in one directory
    CHECK(eval("hashFiles('src/**/b.cpp')", context) == beta);  // '**' matches zero directories
    CHECK(eval("hashFiles('src/**/*.cpp')", context) == beta_gamma_skip);  // links are not followed
    CHECK(eval("hashFiles('**/*.cpp', '!**/skip.cpp', '!outside/**')", context) == beta_gamma);
    CHECK(eval("hashFiles('src/deep/c.cpp', 'src/b.cpp')", context) == beta_gamma);
    CHECK(eval("hashFiles('src/b.cpp', 'src/*/c.cpp', 'src/b.cpp')", context) == beta_gamma);
    CHECK(eval("hashFiles('**', '!outside/*')", context) == all);
    CHECK(eval("hashFiles('*.none')", context) == "");
    CHECK(eval("hashFiles('src/link.cpp')", context) == "");
    CHECK(eval("hashFiles('src/linkdir/*')", context) == "");
    CHECK(eval("hashFiles('missing/**')", context) == "");
    CHECK(eval("hashFiles('src/**', '!src/**')", context) == "");
    // A pattern that matches a directory matches the files below it, as in GitHub.
    const std::string gamma_skip = "ad50c9779b70bf00e182a0f30a50151dbe620e3f1df69a7db862c9378dc747d0";
    CHECK(eval("hashFiles('src/deep')", context) == gamma_skip);
    CHECK(eval("hashFiles('src/d*')", context) == gamma_skip);
    CHECK(eval("hashFiles('src', '!src/deep', '!src/link*')", context) == beta);
    CHECK(eval("hashFiles('src/linkdir')", context) == "");  // still no link followed

    const auto error = [&](std::string_view source) {
      auto result = parse_ok(source).evaluate(context);
      REQUIRE_FALSE(result.ok());
      return result.error().message;
    };
    CHECK(error("hashFiles('../x')") == "hashFiles: pattern '../x' leaves the base directory");
    CHECK(error("hashFiles('src/../../x')") == "hashFiles: pattern 'src/../../x' leaves the base directory");
    CHECK(error("hashFiles('/etc/passwd')") == "hashFiles: pattern '/etc/passwd' is absolute; patterns are relative");
    CHECK(error("hashFiles(1)") == "hashFiles: expected a pattern string, got number");
  }

  TEST_CASE("references record roots, static paths and offsets") {
    const Expression e = parse_ok("steps.build.outputs.x == '1' && contains(inputs.list[0].x, run.id)");
    const auto& refs = e.references();
    REQUIRE(refs.size() == 3);
    CHECK(refs[0].root == "steps");
    CHECK(refs[0].path == std::vector<std::string>{"build", "outputs", "x"});
    CHECK(refs[0].offset == 0);
    CHECK(refs[1].root == "inputs");
    CHECK(refs[1].path == std::vector<std::string>{"list"});  // stops at a numeric index
    CHECK(refs[1].offset == 41);
    CHECK(refs[2].root == "run");
    CHECK(refs[2].path == std::vector<std::string>{"id"});
    CHECK(refs[2].offset == 59);

    const Expression dynamic = parse_ok("  steps[inputs.k].outputs");
    REQUIRE(dynamic.references().size() == 2);
    CHECK(dynamic.references()[0].root == "steps");
    CHECK(dynamic.references()[0].path.empty());
    CHECK(dynamic.references()[0].offset == 2);
    CHECK(dynamic.references()[1].root == "inputs");
    CHECK(dynamic.references()[1].path == std::vector<std::string>{"k"});
    CHECK(dynamic.references()[1].offset == 8);

    const Expression quoted = parse_ok("steps['my-step'].outputs.*.x");
    REQUIRE(quoted.references().size() == 1);
    CHECK(quoted.references()[0].path == std::vector<std::string>{"my-step", "outputs"});

    const Expression twice = parse_ok("(matrix).os || matrix.os");
    REQUIRE(twice.references().size() == 2);
    CHECK(twice.references()[0].path == std::vector<std::string>{"os"});
    CHECK(twice.references()[0].offset == 1);
    CHECK(twice.references()[1].path == std::vector<std::string>{"os"});
    CHECK(twice.references()[1].offset == 15);

    CHECK(parse_ok("success() && length('x') > 0").references().empty());
    CHECK(parse_ok(" a.b ").source() == " a.b ");
  }

  TEST_CASE("parse errors name the problem and point at it") {
    check_parse_error("lenght(inputs.x)", 0, "unknown function 'lenght' (did you mean 'length'?)");
    check_parse_error("Contans('a', 'b')", 0, "unknown function 'Contans' (did you mean 'contains'?)");
    check_parse_error("TOJSN(1)", 0, "unknown function 'TOJSN' (did you mean 'toJSON'?)");
    check_parse_error("TOJSON(1, 2)", 0, "function 'toJSON' takes 1 argument, got 2");
    check_parse_error("1 == frobnicate(2)", 5, "unknown function 'frobnicate'");
    check_parse_error("contains('a')", 0, "function 'contains' takes 2 arguments, got 1");
    check_parse_error("  format()", 2, "function 'format' takes at least 1 argument, got 0");
    check_parse_error("hashFiles()", 0, "function 'hashFiles' takes at least 1 argument, got 0");
    check_parse_error("success(1)", 0, "function 'success' takes 0 arguments, got 1");
    check_parse_error("toJSON(1, 2)", 0, "function 'toJSON' takes 1 argument, got 2");
    check_parse_error("join(1, 2, 3)", 0, "function 'join' takes 1 or 2 arguments, got 3");
    check_parse_error("a b", 2, "unexpected 'b'");
    check_parse_error("a ==", 4, "unexpected end of expression");
    check_parse_error("(a", 2, "unexpected end of expression");
    check_parse_error("a[1", 3, "unexpected end of expression");
    check_parse_error("a.", 2, "unexpected end of expression");
    check_parse_error("a = b", 2, "unexpected '='");
    check_parse_error("a & b", 2, "unexpected '&'");
    check_parse_error("a | b", 2, "unexpected '|'");
    check_parse_error("a.(b)", 2, "unexpected '('");
    check_parse_error("a.b()", 3, "unexpected '('");
    check_parse_error("contains('a',)", 13, "unexpected ')'");
    check_parse_error("contains('a' 'b')", 13, "unexpected ''b''");
    check_parse_error("#", 0, "unexpected '#'");
    check_parse_error("a == \xC3\xA9", 5, "unexpected '\xC3\xA9'");
    check_parse_error("'abc", 0, "unterminated string literal");
    check_parse_error("x == 'it''s", 5, "unterminated string literal");
    check_parse_error("", 0, "empty expression");
    check_parse_error("   ", 0, "empty expression");
    check_parse_error(std::string(100, '(') + "1" + std::string(100, ')'), 64, "expression nested too deeply");
    check_parse_error(std::string(100, '!') + "1", 63, "expression nested too deeply");
    std::string long_path = "a";
    for (int i = 0; i < 300; ++i) {
      long_path += ".b";
    }
    CHECK(parse_error(long_path).message == "expression nested too deeply");
    CHECK(eval(std::string(60, '(') + "1" + std::string(60, ')')) == 1);  // parentheses add no level
    // At most 50 levels, as in GitHub: a context and 49 members, 49 '!' and a literal.
    std::string allowed_path = "inputs";
    for (int i = 0; i < 49; ++i) {
      allowed_path += ".b";
    }
    CHECK(eval(allowed_path).is_null());
    CHECK(parse_error(allowed_path + ".b").message == "expression nested too deeply");
    CHECK(eval(std::string(49, '!') + "false") == true);
    check_parse_error("  " + std::string(50, '!') + "false", 2, "expression nested too deeply");
  }

  TEST_CASE("function names are case-insensitive") {
    CHECK(eval("toJson(1)") == "1");
    CHECK(eval("FROMJSON('[2]')[0]") == 2);
    CHECK(eval("StartsWith('abc', 'a')") == true);
    CHECK(parse_ok("SUCCESS() && inputs.x").uses_status_function());
  }

  TEST_CASE("templates keep the type of a single expression") {
    const Template single = template_ok("${{ inputs.count }}");
    CHECK(single.is_single_expression());
    CHECK(single.has_expressions());
    CHECK(render("${{ inputs.count }}") == 3);
    // As in GitHub, any text around it, even spaces or a block scalar's last newline, makes a string.
    CHECK_FALSE(template_ok("  ${{ inputs.count }}\n").is_single_expression());
    CHECK(render("  ${{ inputs.count }}\n") == "  3\n");
    CHECK(render("${{ inputs.count }} ") == "3 ");
    CHECK(render("${{ inputs.list }}") == Value::parse(R"(["a","b","c"])"));
    CHECK(render("${{ inputs.missing }}").is_null());
    CHECK(render("${{ '}}' }}") == "}}");
    CHECK(render("${{ 'it''s }}' }}") == "it's }}");

    const Template plain = template_ok("plain text");
    CHECK_FALSE(plain.has_expressions());
    CHECK_FALSE(plain.is_single_expression());
    REQUIRE(plain.parts().size() == 1);
    CHECK(plain.parts()[0].literal == "plain text");
    CHECK(render("plain text") == "plain text");
    CHECK(render("a }} b") == "a }} b");
    const Template empty = template_ok("");
    REQUIRE(empty.parts().size() == 1);
    CHECK(empty.parts()[0].literal.empty());
    CHECK(render("") == "");
  }

  TEST_CASE("templates interpolate into a string") {
    CHECK(render("n=${{ inputs.count }}") == "n=3");
    CHECK(render("${{ inputs.count }}${{ inputs.count }}") == "33");
    CHECK_FALSE(template_ok("${{ 1 }} ${{ 2 }}").is_single_expression());
    CHECK(render("[${{ 'a' }}|${{ null }}|${{ 1.5 }}|${{ 2e3 }}|${{ -0.0 }}|${{ true }}|${{ false }}]") ==
          "[a||1.5|2000|0|true|false]");
    // Lists and objects as compact JSON (GitHub writes "Array" and "Object"), numbers as everywhere.
    CHECK(render("${{ inputs.list }} ${{ inputs.nested }}") == R"(["a","b","c"] {"x":{"y":1}})");
    CHECK(render("${{ fromJSON('[0.84551240822557006, 1.0]') }}!") == "[0.84551240822557,1]!");
    CHECK(render("x ${{ 'a}}b' }} y") == "x a}}b y");
    CHECK(render("${{ inputs.name }}!") == "world!");

    const Template t = template_ok("ab${{ x }}cd${{y}}");
    REQUIRE(t.parts().size() == 4);
    CHECK(t.parts()[0].literal == "ab");
    CHECK(t.parts()[1].expression->source() == " x ");
    CHECK(t.parts()[1].offset == 5);
    CHECK(t.parts()[2].literal == "cd");
    CHECK(t.parts()[3].expression->source() == "y");
    CHECK(t.parts()[3].offset == 15);

    auto failed = template_ok("x ${{ fromJSON('x') }}").render(make_context());
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message.rfind("fromJSON: invalid JSON: ", 0) == 0);
  }

  TEST_CASE("template errors and references use offsets in the whole text") {
    auto check = [](std::string_view text, std::size_t offset, const std::string& message) {
      CAPTURE(text);
      const ParseError error = template_error(text);
      CHECK(error.message == message);
      CHECK(error.offset == offset);
    };
    check("echo ${{ inputs.x", 5, "unterminated expression: missing '}}'");
    check("a ${{ 1 }} b ${{", 13, "unterminated expression: missing '}}'");
    check("echo ${{ 'abc }}", 9, "unterminated string literal");
    check("x ${{ }}", 5, "empty expression");
    check("${{}}", 3, "empty expression");
    check("run ${{ lenght(inputs.x) }}", 8, "unknown function 'lenght' (did you mean 'length'?)");
    check("a ${{ 1 }} b ${{ 1 == }}", 22, "unexpected end of expression");

    const std::string text = "a ${{ steps.build.outputs.x }} b ${{ inputs['na-me'] == matrix.os }}";
    const auto refs = template_ok(text).references();
    REQUIRE(refs.size() == 3);
    CHECK(refs[0].root == "steps");
    CHECK(refs[0].path == std::vector<std::string>{"build", "outputs", "x"});
    CHECK(refs[0].offset == text.find("steps"));
    CHECK(refs[1].root == "inputs");
    CHECK(refs[1].path == std::vector<std::string>{"na-me"});
    CHECK(refs[1].offset == text.find("inputs"));
    CHECK(refs[2].root == "matrix");
    CHECK(refs[2].offset == text.find("matrix"));
  }

  TEST_CASE("display strings") {
    CHECK(to_display_string(Value(nullptr)).empty());
    CHECK(to_display_string(Value("raw \"text\"")) == "raw \"text\"");
    // Numbers as GitHub prints them: 15 significant digits, exponent form from 1e15 and below 1e-4.
    CHECK(to_display_string(Value(3.0)) == "3");
    CHECK(to_display_string(Value(-0.0)) == "0");
    CHECK(to_display_string(Value(0.1)) == "0.1");
    CHECK(to_display_string(Value(1.0 / 3)) == "0.333333333333333");
    CHECK(to_display_string(Value(0.84551240822557006)) == "0.84551240822557");
    CHECK(to_display_string(Value(123456789012345.0)) == "123456789012345");
    CHECK(to_display_string(Value(1e15)) == "1E+15");
    CHECK(to_display_string(Value(-1.5e20)) == "-1.5E+20");
    CHECK(to_display_string(Value(0.0001)) == "0.0001");
    CHECK(to_display_string(Value(0.00001)) == "1E-05");
    CHECK(to_display_string(Value(1e300)) == "1E+300");
    CHECK(to_display_string(Value(std::numeric_limits<double>::infinity())) == "Infinity");
    CHECK(to_display_string(Value(1234567890123456789)) == "1234567890123456789");  // integers stay whole
    CHECK(to_display_string(Value(std::numeric_limits<double>::quiet_NaN())) == "NaN");
    CHECK(to_display_string(Value(-std::numeric_limits<double>::infinity())) == "-Infinity");
    CHECK(to_display_string(Value(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551615");
    CHECK(to_display_string(Value(-12)) == "-12");
    CHECK(to_display_string(Value(true)) == "true");
    CHECK(to_display_string(Value::parse(R"({"a":[1,"x"]})")) == R"({"a":[1,"x"]})");
    CHECK(to_display_string(Value::array({Value("\xFF")})) == "[\"\xEF\xBF\xBD\"]");  // invalid UTF-8 replaced
  }

  TEST_CASE("function_names lists every built-in") {
    const auto& names = function_names();
    CHECK(names.size() == 16);
    for (const char* name : {"contains", "startsWith", "endsWith", "format", "join", "split", "toJSON", "fromJSON",
                             "length", "keys", "default", "success", "failure", "always", "cancelled", "hashFiles"}) {
      CHECK(std::find(names.begin(), names.end(), name) != names.end());
    }
  }

  TEST_CASE("expressions copy and evaluate repeatedly") {
    const Expression original = parse_ok("inputs.count > 2 && steps.build.outputs.n");
    const Expression copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
    const EvalContext context = make_context();
    for (int i = 0; i < 3; ++i) {
      CHECK(copy.evaluate(context).value() == 2);
    }
    CHECK(original.evaluate(context).value() == 2);
  }
}
