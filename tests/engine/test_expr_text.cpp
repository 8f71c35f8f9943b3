#include "engine/expr_text.hpp"

#include <doctest/doctest.h>

#include "engine/expr.hpp"

using automata::Value;
using automata::engine::expr::to_display_string;
using automata::engine::expr::detail::coerce_to_string;
using automata::engine::expr::detail::to_json_text;

TEST_SUITE("expr text") {
  TEST_CASE("coerce_to_string is GitHub's string form: lists and objects by their kind") {
    CHECK(coerce_to_string(Value(nullptr)).empty());
    CHECK(coerce_to_string(Value("As Is")) == "As Is");
    CHECK(coerce_to_string(Value(false)) == "false");
    CHECK(coerce_to_string(Value(12)) == "12");
    CHECK(coerce_to_string(Value(1.50)) == "1.5");
    CHECK(coerce_to_string(Value::parse("[1, 2]")) == "Array");
    CHECK(coerce_to_string(Value::array()) == "Array");
    CHECK(coerce_to_string(Value::parse(R"({"a": 1})")) == "Object");
  }

  TEST_CASE("to_json_text writes numbers as format_number does") {
    const Value value = Value::parse(R"({"b": [1, 2.0, 0.1, 1e20, "x\"y"], "a": {}, "c": [], "d": null, "e": true})");
    CHECK(to_json_text(value, false) == R"({"b":[1,2,0.1,1E+20,"x\"y"],"a":{},"c":[],"d":null,"e":true})");
    CHECK(to_json_text(value, true) ==
          "{\n  \"b\": [\n    1,\n    2,\n    0.1,\n    1E+20,\n    \"x\\\"y\"\n  ],\n  \"a\": {},\n  \"c\": [],\n"
          "  \"d\": null,\n  \"e\": true\n}");
    CHECK(to_json_text(Value("\xFF"), false) == "\"\xEF\xBF\xBD\"");  // invalid UTF-8 replaced
    CHECK(to_json_text(Value(18446744073709551615U), false) == "18446744073709551615");
  }

  TEST_CASE("to_display_string: lists and objects as compact JSON, numbers as everywhere") {
    CHECK(to_display_string(Value::parse("[1.0, [0.5]]")) == "[1,[0.5]]");
    CHECK(to_display_string(Value(2.0)) == "2");
  }
}
