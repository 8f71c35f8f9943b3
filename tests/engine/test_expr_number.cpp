#include "engine/expr_number.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using automata::engine::expr::detail::format_number;
using automata::engine::expr::detail::parse_number;

TEST_SUITE("expr number") {
  TEST_CASE("parse_number reads decimal numbers, spaces around them ignored") {
    CHECK(parse_number("") == 0);
    CHECK(parse_number(" \t\n") == 0);
    CHECK(parse_number("12") == 12);
    CHECK(parse_number(" -1.5 ") == -1.5);
    CHECK(parse_number("+3") == 3);
    CHECK(parse_number(".5") == 0.5);
    CHECK(parse_number("-.5") == -0.5);
    CHECK(parse_number("1.") == 1);
    CHECK(parse_number("1e3") == 1000);
    CHECK(parse_number("1.5E-1") == 0.15);
    CHECK(parse_number("2e+2") == 200);
    CHECK(std::signbit(parse_number("-0")));
    CHECK(parse_number("1e999") == std::numeric_limits<double>::infinity());
    CHECK(parse_number("-1e999") == -std::numeric_limits<double>::infinity());
    CHECK(parse_number("1e-999") == 0);
    CHECK(std::signbit(parse_number("-1e-999")));
    for (const char* text : {".", "+", "-", "1e", "e5", "1e+", "1.2.3", "1_000", "1,5", "12abc", "+-1", "- 1"}) {
      CAPTURE(text);
      CHECK(std::isnan(parse_number(text)));
    }
  }

  TEST_CASE("parse_number reads 0x and 0o up to 0x7FFFFFFF, Infinity, and nothing else") {
    CHECK(parse_number("0x1F") == 31);
    CHECK(parse_number(" 0xff ") == 255);
    CHECK(parse_number("0x7FFFFFFF") == 2147483647);
    CHECK(parse_number("0x00000000001") == 1);
    CHECK(parse_number("0o17") == 15);
    CHECK(parse_number("Infinity") == std::numeric_limits<double>::infinity());
    CHECK(parse_number("-Infinity") == -std::numeric_limits<double>::infinity());
    for (const char* text : {"0x", "0X1F", "-0x1F", "+0x1F", "0xFZ", "0x80000000", "0o8", "0o", "0b101", "infinity",
                             "inf", "nan", "NaN", "+Infinity"}) {
      CAPTURE(text);
      CHECK(std::isnan(parse_number(text)));
    }
  }

  TEST_CASE("format_number prints 15 significant digits, GitHub's way") {
    CHECK(format_number(0) == "0");
    CHECK(format_number(-0.0) == "0");
    CHECK(format_number(1) == "1");
    CHECK(format_number(-2.5) == "-2.5");
    CHECK(format_number(0.1) == "0.1");
    CHECK(format_number(0.84551240822557006) == "0.84551240822557");
    CHECK(format_number(123456789012345) == "123456789012345");
    CHECK(format_number(999999999999999) == "999999999999999");
    CHECK(format_number(1e15) == "1E+15");
    CHECK(format_number(1.2345678901234567e19) == "1.23456789012346E+19");
    CHECK(format_number(1e100) == "1E+100");
    CHECK(format_number(0.0001) == "0.0001");
    CHECK(format_number(0.00001) == "1E-05");
    CHECK(format_number(-1.5e-7) == "-1.5E-07");
    CHECK(format_number(std::numeric_limits<double>::infinity()) == "Infinity");
    CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-Infinity");
    CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  }
}
