#include "engine/visible_text.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace automata::engine;
using namespace std::string_literals;

TEST_SUITE("visible text") {
  TEST_CASE("control characters, C1 controls and bytes that are not UTF-8 are written out") {
    CHECK(visible_text("plain text, é, ✓") == "plain text, é, ✓");
    CHECK(visible_text("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
    CHECK(visible_text("a\0b"s) == "a\\x00b");
    CHECK(visible_text("\r\n\x7f") == "\\x0d\\x0a\\x7f");
    CHECK(visible_text("\xc2\x9b" "2J") == "\\u009b2J");
    CHECK(visible_text("\xff\xc3(\xe2\x9c") == "\\xff\\xc3(\\xe2\\x9c");
    CHECK(visible_text("\xc0\xaf") == "\\xc0\\xaf");  // an overlong '/'
    CHECK(visible_text("a\tb") == "a\\tb");
    CHECK(visible_text("a\tb", Keep::tabs) == "a\tb");
    CHECK(visible_text("a\tb\nc\r\n", Keep::tabs_and_line_breaks) == "a\tb\nc\\x0d\n");
  }

  TEST_CASE("visible_char: the bytes and columns of each character's visible form") {
    CHECK(visible_char("a", 0).bytes == 1);
    CHECK(visible_char("a", 0).columns == 1);
    CHECK(visible_char("é", 0).bytes == 2);
    CHECK(visible_char("é", 0).columns == 1);
    CHECK(visible_char("\x1b", 0).columns == 4);
    CHECK(visible_char("\xc2\x85", 0).columns == 6);
    CHECK(visible_char("\xff", 0).columns == 4);
  }

  TEST_CASE("elide_middle_bytes keeps the start and the end, cut between UTF-8 sequences") {
    CHECK(elide_middle_bytes("short", 10) == "short");
    CHECK(elide_middle_bytes("0123456789abcdefghij", 9) == "012345…hij");
    CHECK(elide_middle_bytes("ééééééééééé", 9) == "ééé…éé");
  }
}
