#include "engine/masker.hpp"

#include <doctest/doctest.h>

using namespace automata;
using namespace automata::engine;

TEST_SUITE("masker") {
  TEST_CASE("every occurrence of every secret becomes ***") {
    Masker masker;
    masker.add("hunter2");
    masker.add("s3cr3t-token");
    CHECK(masker.mask("password=hunter2, again hunter2hunter2") == "password=***, again ******");
    CHECK(masker.mask("Authorization: Bearer s3cr3t-token\n") == "Authorization: Bearer ***\n");
    CHECK(masker.mask("nothing here") == "nothing here");
    CHECK(masker.mask("") == "");
    CHECK(masker.mask("hunter") == "hunter");  // a prefix is not the secret
  }

  TEST_CASE("the longest secret is masked first, so one containing another goes whole") {
    Masker masker;
    masker.add("abcd");
    masker.add("xxabcdxx");
    masker.add("abcdxx");
    CHECK(masker.mask("1 xxabcdxx 2 abcdxx 3 abcd") == "1 *** 2 *** 3 ***");
  }

  TEST_CASE("values shorter than four characters are not masked, repeats are added once") {
    Masker masker;
    CHECK(Masker::k_min_length == 4);
    masker.add("");
    masker.add("no");
    masker.add("abc");
    CHECK(masker.empty());
    CHECK(masker.mask("no abc") == "no abc");
    masker.add("abcd");
    masker.add("abcd");
    CHECK_FALSE(masker.empty());
    CHECK(masker.mask("abcd abc") == "*** abc");
  }

  TEST_CASE("masking does not rescan what it wrote") {
    Masker masker;
    masker.add("****");
    CHECK(masker.mask("a****b*****") == "a***b****");
  }

  TEST_CASE("mask_value masks strings and keys everywhere in a JSON value") {
    Masker masker;
    masker.add("hunter2");
    Value value = Value::parse(R"({
      "plain": "x",
      "secret": "pw=hunter2",
      "hunter2": "as a key",
      "list": ["hunter2", 1, true, null, {"deep": ["a hunter2 b"]}],
      "number": 12345,
      "nested": {"k": {"hunter2-key": "v"}}
    })");
    masker.mask_value(value);
    CHECK(value.dump() ==
          R"({"plain":"x","secret":"pw=***","***":"as a key","list":["***",1,true,null,{"deep":["a *** b"]}],)"
          R"("number":12345,"nested":{"k":{"***-key":"v"}}})");
  }

  TEST_CASE("mask_value on scalars and with no secrets") {
    Masker masker;
    Value untouched = Value::parse(R"({"hunter2":"hunter2"})");
    masker.mask_value(untouched);
    CHECK(untouched.dump() == R"({"hunter2":"hunter2"})");
    masker.add("hunter2");
    Value text = "hunter2";
    masker.mask_value(text);
    CHECK(text == "***");
    Value number = 42;
    masker.mask_value(number);
    CHECK(number == 42);
  }
}
