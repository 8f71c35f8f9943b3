#include "commands/value_checks.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace automata;
using namespace automata::commands;

TEST_SUITE("value checks") {
  TEST_CASE("parse_whole_number: the value, or one line naming it and the bound it misses") {
    CHECK(parse_whole_number("4", "--jobs", 1, 10).value() == 4);
    CHECK(parse_whole_number("+4", "--jobs", 1, 10).value() == 4);
    const auto message = [](std::string_view text, long min, long max) {
      const auto parsed = parse_whole_number(text, "--jobs", min, max);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().code == Errc::usage);
      return parsed.error().message;
    };
    CHECK(message("0", 1, 10) == "--jobs must be at least 1, got 0");
    CHECK(message("11", 1, 10) == "--jobs must be at most 10, got 11");
    CHECK(message("99999999999999999999999", 1, 10) == "--jobs must be at most 10, got 99999999999999999999999");
    CHECK(message("-99999999999999999999999", 1, 10) == "--jobs must be at least 1, got -99999999999999999999999");
    CHECK(message("", 1, 10) == "--jobs must be a whole number, got ''");
    CHECK(message("2.5", 1, 10) == "--jobs must be a whole number, got '2.5'");
    CHECK(message(" 2", 1, 10) == "--jobs must be a whole number, got ' 2'");
    CHECK(message("\x1b[2J", 1, 10) == "--jobs must be a whole number, got '\\x1b[2J'");
  }

  TEST_CASE("check_choice: one of the choices, listed, with a did-you-mean") {
    const std::vector<std::string> modes = {"auto", "tty", "plain", "json"};
    CHECK(check_choice("json", "--output", modes).ok());
    CHECK(check_choice("jsno", "AUTOMATA_OUTPUT_MODE", modes).error().message ==
          "AUTOMATA_OUTPUT_MODE must be auto, tty, plain or json, got 'jsno' (did you mean 'json'?)");
    CHECK(check_choice("x", "--durability", {"grouped", "strict"}).error().message ==
          "--durability must be grouped or strict, got 'x'");
  }

  TEST_CASE("the CLI11 validators throw the plain message; one_of describes its choices as IsMember does") {
    std::string value = "0";
    CHECK_THROWS_WITH_AS(whole_number("--jobs", 1, 4)(value), "--jobs must be at least 1, got 0", FlagValueError);
    value = "3";
    CHECK(whole_number("--jobs", 1, 4)(value).empty());
    const CLI::Validator modes = one_of("--output", {"auto", "json"});
    CHECK(modes.get_description() == "{auto,json}");
    value = "yaml";
    CHECK_THROWS_WITH_AS(modes(value), "--output must be auto or json, got 'yaml'", FlagValueError);
  }
}
