// The JSON-schema subset structured output is checked with.
#include "tools/llm/json_schema.hpp"

#include <doctest/doctest.h>

using namespace automata;
using namespace automata::tools::llm;

TEST_SUITE("llm json schema") {

TEST_CASE("a value that fits has no violation") {
  const Value schema = Value::parse(R"({"type":"object","required":["title","labels"],"additionalProperties":false,
    "properties":{"title":{"type":"string"},"labels":{"type":"array","items":{"enum":["bug","feature"]}},
                  "score":{"type":["integer","null"]}}})");
  CHECK_FALSE(schema_violation(schema, Value::parse(R"({"title":"t","labels":["bug"],"score":3})")));
  CHECK_FALSE(schema_violation(schema, Value::parse(R"({"title":"t","labels":[],"score":null})")));
}

TEST_CASE("each kind of violation names its path and what is wrong") {
  const Value schema = Value::parse(R"({"type":"object","required":["title"],"additionalProperties":false,
    "properties":{"title":{"type":"string"},"files":{"type":"array","items":{"type":"object",
      "properties":{"path":{"type":"string"},"lines":{"type":"integer"}}}},"kind":{"enum":["bug","feature"]}}})");
  CHECK(*schema_violation(schema, Value::parse("[1]")) == "$: must be an object, got [1]");
  CHECK(*schema_violation(schema, Value::parse(R"({})")) == R"($: lacks the required property "title")");
  CHECK(*schema_violation(schema, Value::parse(R"({"title":1})")) == "$.title: must be a string, got 1");
  CHECK(*schema_violation(schema, Value::parse(R"({"title":"t","extra":1})")) ==
        R"($: has the property "extra", which the schema does not allow)");
  CHECK(*schema_violation(schema, Value::parse(R"({"title":"t","files":[{"path":"a"},{"path":42}]})")) ==
        "$.files[1].path: must be a string, got 42");
  CHECK(*schema_violation(schema, Value::parse(R"({"title":"t","files":[{"lines":1.5}]})")) ==
        "$.files[0].lines: must be an integer, got 1.5");
  CHECK(*schema_violation(schema, Value::parse(R"({"title":"t","kind":"chore"})")) ==
        R"($.kind: must be one of bug, feature, got "chore")");
}

TEST_CASE("schemas that cannot be used are refused") {
  CHECK(*schema_problem(Value::parse("[]")) == "must be an object (a JSON schema)");
  CHECK(*schema_problem(Value::parse(R"({"type":"object","properties":{"a":{"type":"text"}}})")) ==
        R"(has an unknown type "text": use object, array, string, number, integer, boolean or null)");
  CHECK_FALSE(schema_problem(Value::parse(R"({"type":"object","properties":{"a":{"type":["string","null"]}}})")));
}

}  // TEST_SUITE
