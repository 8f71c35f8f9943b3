#include "engine/matrix.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace automata;
using namespace automata::engine;

namespace {

MatrixDef matrix(const char* axes, const char* include = "[]", const char* exclude = "[]") {
  MatrixDef def;
  def.axes = Value::parse(axes);
  for (const auto& entry : Value::parse(include)) {
    def.include.push_back(entry);
  }
  for (const auto& entry : Value::parse(exclude)) {
    def.exclude.push_back(entry);
  }
  return def;
}

std::string dump(const std::vector<Value>& combinations) { return Value(combinations).dump(); }

std::vector<std::string> ids(const std::vector<MatrixInstance>& instances) {
  std::vector<std::string> out;
  for (const auto& instance : instances) {
    out.push_back(instance.id);
  }
  return out;
}

}  // namespace

TEST_SUITE("matrix") {
  TEST_CASE("the product of the axes in file order, the first axis varying slowest") {
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux","mac"],"arch":["x64","arm"],"n":[1]})"))) ==
          R"([{"os":"linux","arch":"x64","n":1},{"os":"linux","arch":"arm","n":1},)"
          R"({"os":"mac","arch":"x64","n":1},{"os":"mac","arch":"arm","n":1}])");
    CHECK(dump(expand_static_matrix(matrix(R"({"v":[{"a":1},[2],null]})"))) ==
          R"([{"v":{"a":1}},{"v":[2]},{"v":null}])");
  }

  TEST_CASE("exclude removes every combination an entry matches, partially or wholly") {
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux","mac"],"arch":["x64","arm"]})", "[]",
                                           R"([{"os":"mac","arch":"arm"},{"arch":"x64","os":"linux"}])"))) ==
          R"([{"os":"linux","arch":"arm"},{"os":"mac","arch":"x64"}])");
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux","mac"],"arch":["x64","arm"]})", "[]",
                                           R"([{"os":"mac"}])"))) ==
          R"([{"os":"linux","arch":"x64"},{"os":"linux","arch":"arm"}])");
    // A key the combinations do not have matches nothing.
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux"]})", "[]", R"([{"os":"linux","cc":"gcc"}])"))) ==
          R"([{"os":"linux"}])");
    // Values compare as JSON: 1 is not "1".
    CHECK(dump(expand_static_matrix(matrix(R"({"n":[1,2]})", "[]", R"([{"n":"1"}])"))) == R"([{"n":1},{"n":2}])");
  }

  TEST_CASE("include follows GitHub's rules (its documented example)") {
    const MatrixDef def = matrix(R"({"fruit":["apple","pear"],"animal":["cat","dog"]})",
                                 R"([{"color":"green"},
                                     {"color":"pink","animal":"cat"},
                                     {"fruit":"apple","shape":"circle"},
                                     {"fruit":"banana"},
                                     {"fruit":"banana","animal":"cat"}])");
    CHECK(dump(expand_static_matrix(def)) ==
          R"([{"fruit":"apple","animal":"cat","color":"pink","shape":"circle"},)"
          R"({"fruit":"apple","animal":"dog","color":"green","shape":"circle"},)"
          R"({"fruit":"pear","animal":"cat","color":"pink"},)"
          R"({"fruit":"pear","animal":"dog","color":"green"},)"
          R"({"fruit":"banana"},)"
          R"({"fruit":"banana","animal":"cat"}])");
  }

  TEST_CASE("include never changes an axis value, and adds back what exclude removed") {
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux","mac"]})", R"([{"os":"mac","cc":"clang"}])",
                                           R"([{"os":"mac"}])"))) == R"([{"os":"linux"},{"os":"mac","cc":"clang"}])");
    // Only combinations of the product are extended, not ones added by include.
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux"]})", R"([{"os":"bsd"},{"cc":"gcc"}])"))) ==
          R"([{"os":"linux","cc":"gcc"},{"os":"bsd"}])");
  }

  TEST_CASE("a matrix of includes only, and an empty one") {
    CHECK(dump(expand_static_matrix(matrix("{}", R"([{"a":1},{"a":2,"b":true}])"))) == R"([{"a":1},{"a":2,"b":true}])");
    CHECK(dump(expand_static_matrix(matrix("{}"))) == "[]");
    // An axis that evaluated to an empty list empties the product.
    CHECK(dump(expand_static_matrix(matrix(R"({"os":["linux"],"n":[]})"))) == "[]");
    CHECK(dump(expand_static_matrix(matrix(R"({"n":[]})", R"([{"n":1}])"))) == R"([{"n":1}])");
  }

  TEST_CASE("expand_matrix_list: objects are the matrix, other values become {value: v}") {
    auto listed = expand_matrix_list(Value::parse(R"([{"issue":3,"title":"x"},"a",2,null,[1]])"));
    REQUIRE(listed.ok());
    CHECK(dump(listed.value()) ==
          R"([{"issue":3,"title":"x"},{"value":"a"},{"value":2},{"value":null},{"value":[1]}])");
    auto empty = expand_matrix_list(Value::array());
    REQUIRE(empty.ok());
    CHECK(empty.value().empty());
  }

  TEST_CASE("expand_matrix_list refuses what is not a list") {
    for (const auto& [value, message] : std::vector<std::pair<Value, std::string>>{
             {Value("a,b"), R"(the matrix expression gave "a,b", not a list)"},
             {Value::parse(R"({"a":1})"), R"(the matrix expression gave {"a":1}, not a list)"},
             {Value(), "the matrix expression gave null, not a list"}}) {
      auto listed = expand_matrix_list(value);
      REQUIRE_FALSE(listed.ok());
      CHECK(listed.error().code == Errc::failed);
      CHECK(listed.error().message == message);
    }
  }

  TEST_CASE("instances are named ID[key=value,...] in the combination's key order") {
    const auto instances =
        name_instances("lint", {Value::parse(R"({"tool":"cppcheck","level":2})"), Value::parse(R"({"tool":"tidy"})")});
    CHECK(ids(instances) == std::vector<std::string>{"lint[tool=cppcheck,level=2]", "lint[tool=tidy]"});
    CHECK(instances[0].values == Value::parse(R"({"tool":"cppcheck","level":2})"));
    CHECK(ids(name_instances("s", {Value::parse(R"({"value":1.5})"), Value::parse(R"({"value":true})"),
                                   Value::parse(R"({"value":null})"), Value::object()})) ==
          std::vector<std::string>{"s[value=1.5]", "s[value=true]", "s[value=]", "s[]"});
    CHECK(name_instances("s", {}).empty());
  }

  TEST_CASE("instance names: structured values as JSON, long values cut, unsafe characters replaced") {
    const auto instances = name_instances(
        "s", {Value::parse(R"({"cfg":{"a":[1,2]}})"), Value::parse(R"({"list":["x","y"]})"),
              Value({{"text", std::string(45, 'a')}}), Value({{"text", std::string(40, 'b')}}),
              Value({{"path", "src/a[1]\nb"}})});
    CHECK(ids(instances) == std::vector<std::string>{
                                R"(s[cfg={"a":_1,2_}])",
                                R"(s[list=_"x","y"_])",
                                "s[text=" + std::string(37, 'a') + "...]",
                                "s[text=" + std::string(40, 'b') + "]",
                                "s[path=src_a_1__b]",
                            });
  }

  TEST_CASE("instance names that collide get #2, #3") {
    const std::string long_a = std::string(38, 'x') + "aa";
    const std::string long_b = std::string(38, 'x') + "bb";
    const std::string long_c = std::string(38, 'x') + "ccc";
    const auto instances =
        name_instances("s", {Value({{"v", "a/b"}}), Value({{"v", "a_b"}}), Value({{"v", "a[b"}}),
                             Value({{"v", long_a}}), Value({{"v", long_b}}), Value({{"v", long_c}})});
    CHECK(ids(instances) == std::vector<std::string>{
                                "s[v=a_b]", "s[v=a_b#2]", "s[v=a_b#3]", "s[v=" + long_a + "]", "s[v=" + long_b + "]",
                                "s[v=" + std::string(37, 'x') + "...]"});
    // Every id is unique.
    const auto more = name_instances("s", {Value({{"v", std::string(50, 'q') + "1"}}),
                                           Value({{"v", std::string(50, 'q') + "2"}})});
    CHECK(ids(more) == std::vector<std::string>{"s[v=" + std::string(37, 'q') + "...]",
                                                "s[v=" + std::string(37, 'q') + "...#2]"});
  }
}
