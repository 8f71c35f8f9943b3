#include "engine/inputs.hpp"

#include <doctest/doctest.h>

#include <string>

#include "engine/loader.hpp"
#include "support/scratch.hpp"
#include "tools/registry.hpp"

using namespace automata;
using namespace automata::engine;

namespace {

InputDecl decl(InputType type, std::vector<Value> options = {}) {
  InputDecl input;
  input.name = "x";
  input.type = type;
  input.options = std::move(options);
  return input;
}

Value ok(const Result<Value>& result) {
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return result.value();
}

std::string error(const Result<Value>& result) {
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == Errc::usage);
  return result.error().message;
}

std::shared_ptr<const Workflow> workflow(const std::string& yaml) {
  static const StepKindRegistry k_kinds = tools::builtin_step_kinds();
  auto outcome = load_workflow("flow.yaml", yaml, k_kinds);
  REQUIRE_MESSAGE(outcome.ok(), outcome.rendered);
  return outcome.workflow;
}

const char* const k_flow = R"(name: flow
inputs:
  branch:   { type: string,  default: main }
  required: { type: number,  default: 85 }
  auto_fix: { type: boolean, default: true }
  checks:   { type: list,    default: [tests, lint] }
  level:    { type: choice,  options: [quick, full], default: quick }
  target:   { type: string }
  count:    { type: number }
steps:
  a: {run: x}
)";

}  // namespace

TEST_SUITE("inputs") {
  TEST_CASE("check_input_value: string accepts strings, numbers and booleans as text") {
    const InputDecl input = decl(InputType::string);
    CHECK(ok(check_input_value(input, "main")) == "main");
    CHECK(ok(check_input_value(input, 85)) == "85");
    CHECK(ok(check_input_value(input, 1.5)) == "1.5");
    CHECK(ok(check_input_value(input, true)) == "true");
    CHECK(error(check_input_value(input, Value::parse("[1]"))) == "must be a string, got [1]");
    CHECK(error(check_input_value(input, nullptr)) == "must be a string, got null");
  }

  TEST_CASE("check_input_value: number, boolean, list") {
    CHECK(ok(check_input_value(decl(InputType::number), 85)) == 85);
    CHECK(ok(check_input_value(decl(InputType::number), -0.5)) == -0.5);
    CHECK(error(check_input_value(decl(InputType::number), "abc")) == "must be a number, got 'abc'");
    CHECK(error(check_input_value(decl(InputType::number), true)) == "must be a number, got true");
    CHECK(ok(check_input_value(decl(InputType::boolean), false)) == false);
    CHECK(error(check_input_value(decl(InputType::boolean), 1)) == "must be true or false, got 1");
    CHECK(ok(check_input_value(decl(InputType::list), Value::parse(R"(["a",1])"))) == Value::parse(R"(["a",1])"));
    CHECK(error(check_input_value(decl(InputType::list), "a,b")) == "must be a list, got 'a,b'");
    CHECK(error(check_input_value(decl(InputType::list), Value::object())) == "must be a list, got {}");
  }

  TEST_CASE("check_input_value: a quoted number or boolean is a string, and the message says so") {
    CHECK(error(check_input_value(decl(InputType::number), "85")) ==
          "must be a number, got '85' (a quoted value is a string: remove the quotes)");
    CHECK(error(check_input_value(decl(InputType::boolean), "true")) ==
          "must be true or false, got 'true' (a quoted value is a string: remove the quotes)");
    CHECK(error(check_input_value(decl(InputType::boolean), "yes")) == "must be true or false, got 'yes'");
  }

  TEST_CASE("check_input_value: choice returns the option, matching text to numbers") {
    const InputDecl words = decl(InputType::choice, {"quick", "full"});
    CHECK(ok(check_input_value(words, "full")) == "full");
    CHECK(error(check_input_value(words, "Full")) == "must be one of quick, full, got 'Full'");
    const InputDecl numbers = decl(InputType::choice, {1, 2.5, true});
    CHECK(ok(check_input_value(numbers, 1)) == 1);
    CHECK(ok(check_input_value(numbers, "1")) == 1);  // from the command line
    CHECK(ok(check_input_value(numbers, "2.5")) == 2.5);
    CHECK(ok(check_input_value(numbers, "true")) == true);
    CHECK(error(check_input_value(numbers, "3")) == "must be one of 1, 2.5, true, got '3'");
    const InputDecl texts = decl(InputType::choice, {"1", "2"});
    CHECK(ok(check_input_value(texts, 2)) == "2");  // a number from an inputs file
    CHECK(error(check_input_value(texts, Value::parse("[1]"))) == "must be one of 1, 2, got [1]");
  }

  TEST_CASE("parse_input_text converts command-line text to each type") {
    CHECK(ok(parse_input_text(decl(InputType::string), "85")) == "85");
    CHECK(ok(parse_input_text(decl(InputType::string), "")) == "");
    CHECK(ok(parse_input_text(decl(InputType::number), "85")) == 85);
    CHECK(ok(parse_input_text(decl(InputType::number), "-1.5")) == -1.5);
    CHECK(ok(parse_input_text(decl(InputType::number), "1e3")) == 1000.0);
    CHECK(error(parse_input_text(decl(InputType::number), "abc")) == "must be a number, got 'abc'");
    CHECK(error(parse_input_text(decl(InputType::number), "")) == "must be a number, got ''");
    CHECK(error(parse_input_text(decl(InputType::number), "0x10")) == "must be a number, got '0x10'");
    for (const char* text : {"true", "1", "yes"}) {
      CHECK(ok(parse_input_text(decl(InputType::boolean), text)) == true);
    }
    for (const char* text : {"false", "0", "no"}) {
      CHECK(ok(parse_input_text(decl(InputType::boolean), text)) == false);
    }
    CHECK(error(parse_input_text(decl(InputType::boolean), "True")) == "must be true or false, got 'True'");
  }

  TEST_CASE("parse_input_text: a list from a,b or from JSON") {
    const InputDecl list = decl(InputType::list);
    CHECK(ok(parse_input_text(list, "a,b")) == Value::parse(R"(["a","b"])"));
    CHECK(ok(parse_input_text(list, "tests, lint ,  fmt")) == Value::parse(R"(["tests","lint","fmt"])"));
    CHECK(ok(parse_input_text(list, "one")) == Value::parse(R"(["one"])"));
    CHECK(ok(parse_input_text(list, "a,,b,")) == Value::parse(R"(["a","","b",""])"));
    CHECK(ok(parse_input_text(list, "")) == Value::array());
    CHECK(ok(parse_input_text(list, R"([1, "x", {"k": true}])")) == Value::parse(R"([1,"x",{"k":true}])"));
    CHECK(ok(parse_input_text(list, "[]")) == Value::array());
    CHECK(error(parse_input_text(list, "[1, 2")) == "must be a list (a,b,c or a JSON list), got '[1, 2'");
  }

  TEST_CASE("parse_input_text: a choice") {
    const InputDecl level = decl(InputType::choice, {"quick", "full"});
    CHECK(ok(parse_input_text(level, "quick")) == "quick");
    CHECK(error(parse_input_text(level, "slow")) == "must be one of quick, full, got 'slow'");
    CHECK(ok(parse_input_text(decl(InputType::choice, {1, 2}), "2")) == 2);
  }

  TEST_CASE("resolve_inputs: defaults, then the file, then -i, in declaration order") {
    const auto wf = workflow(k_flow);
    InputSources sources;
    sources.file_values = Value::parse(R"({"count": 3, "target": "prod", "branch": "dev"})");
    sources.file_name = "in.yaml";
    sources.assignments = {{"required", "90"}, {"checks", "a, b"}, {"branch", "feature"}, {"level", "full"}};
    const Value resolved = ok(resolve_inputs(*wf, sources));
    CHECK(resolved.dump() ==
          R"({"branch":"feature","required":90,"auto_fix":true,"checks":["a","b"],"level":"full",)"
          R"("target":"prod","count":3})");
  }

  TEST_CASE("resolve_inputs: every problem at once, a missing input with its declaration") {
    const auto wf = workflow(k_flow);
    InputSources sources;
    sources.file_values = Value::parse(R"({"brnch": "x", "auto_fix": "yes", "level": "slow"})");
    sources.file_name = "in.json";
    sources.assignments = {{"required", "many"}, {"chekcs", "a"}, {"colour", "red"}};
    CHECK(error(resolve_inputs(*wf, sources)) == R"(in.json: unknown input 'brnch' (did you mean 'branch'?)
in.json: input 'auto_fix' must be true or false, got 'yes'
in.json: input 'level' must be one of quick, full, got 'slow'
-i required=many: input 'required' must be a number, got 'many'
-i chekcs=a: unknown input 'chekcs' (did you mean 'checks'?)
-i colour=red: unknown input 'colour'
flow.yaml:8:3: input 'target' is required (it has no default): pass -i target=VALUE
    target:   { type: string }
    ^
flow.yaml:9:3: input 'count' is required (it has no default): pass -i count=VALUE
    count:    { type: number }
    ^)");
  }

  TEST_CASE("resolve_inputs: a required input given a bad value is not also reported missing") {
    const auto wf = workflow(k_flow);
    InputSources sources;
    sources.assignments = {{"target", "prod"}, {"count", "x"}};
    CHECK(error(resolve_inputs(*wf, sources)) == "-i count=x: input 'count' must be a number, got 'x'");
  }

  TEST_CASE("resolve_inputs: a workflow without inputs") {
    const auto wf = workflow("name: bare\nsteps:\n  a: {run: x}\n");
    CHECK(ok(resolve_inputs(*wf, {})) == Value::object());
    InputSources sources;
    sources.assignments = {{"x", "1"}};
    CHECK(error(resolve_inputs(*wf, sources)) == "-i x=1: unknown input 'x' (workflow 'bare' declares no inputs)");
  }

  TEST_CASE("read_inputs_file reads YAML and JSON maps") {
    test::ScratchDir dir;
    const auto yaml = dir.write("in.yaml", "branch: dev\ncount: 3\nchecks: [a, b]\nflag: yes\nquoted: \"5\"\n");
    CHECK(ok(read_inputs_file(yaml.string())).dump() ==
          R"({"branch":"dev","count":3,"checks":["a","b"],"flag":"yes","quoted":"5"})");
    const auto json = dir.write("in.json", R"({"branch": "dev", "count": 3.5, "nested": {"a": [true, null]}})");
    CHECK(ok(read_inputs_file(json.string())).dump() ==
          R"({"branch":"dev","count":3.5,"nested":{"a":[true,null]}})");
  }

  TEST_CASE("read_inputs_file refuses what is not a map of inputs") {
    test::ScratchDir dir;
    const auto list = dir.write("list.yaml", "- a\n- b\n");
    CHECK(error(read_inputs_file(list.string())) ==
          list.string() + ": an inputs file must be a map of input names to values");
    const auto empty = dir.write("empty.yaml", "");
    CHECK(error(read_inputs_file(empty.string())) ==
          empty.string() + ": an inputs file must be a map of input names to values");
    const auto bad = dir.write("bad.yaml", "a: [1, 2\n");
    CHECK(error(read_inputs_file(bad.string())) ==
          bad.string() + ":2:1: YAML syntax error: end of sequence flow not found");
    const std::string missing = (dir / "missing.yaml").string();
    CHECK(error(read_inputs_file(missing)) == missing + ": cannot read the inputs file");
  }
}
