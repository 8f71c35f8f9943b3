#include "cli/format.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using automata::cli::append_utf8;
using automata::cli::display_width;
using automata::cli::elide_middle;
using automata::cli::estimate_remaining;
using automata::cli::format_coarse;
using automata::cli::format_delay;
using automata::cli::format_duration;
using automata::cli::format_time_of_day;
using automata::cli::next_code_point;
using automata::cli::paint;
using automata::cli::paint_symbol;
using automata::cli::sanitize_line;
using automata::cli::strip_ansi;
using std::chrono::milliseconds;

TEST_SUITE("cli.format") {
  TEST_CASE("format_duration picks a unit and rounds to its last digit") {
    struct Row {
      long long ms;
      const char* text;
    };
    const std::vector<Row> rows = {
        {-5, "0.0s"},          {0, "0.0s"},           {49, "0.0s"},          {50, "0.1s"},
        {400, "0.4s"},         {12'340, "12.3s"},     {12'350, "12.4s"},     {59'949, "59.9s"},
        {59'950, "1m00s"},     {184'000, "3m04s"},    {3'599'499, "59m59s"}, {3'599'500, "1h00m"},
        {3'720'000, "1h02m"},  {3'749'999, "1h02m"},  {3'750'000, "1h03m"},  {90'060'000, "25h01m"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.ms);
      CHECK(format_duration(milliseconds(row.ms)) == row.text);
    }
  }

  TEST_CASE("format_coarse rounds seconds up below a minute") {
    struct Row {
      long long ms;
      const char* text;
    };
    const std::vector<Row> rows = {
        {-1, "0s"},      {0, "0s"},         {1, "1s"},         {4'000, "4s"},
        {19'001, "20s"}, {59'000, "59s"},   {59'001, "1m00s"}, {184'000, "3m04s"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.ms);
      CHECK(format_coarse(milliseconds(row.ms)) == row.text);
    }
  }

  TEST_CASE("format_delay shows a delay as it is, not rounded up to a second") {
    struct Row {
      long long ms;
      const char* text;
    };
    const std::vector<Row> rows = {
        {-1, "0s"},        {0, "0s"},           {30, "0.03s"},    {200, "0.2s"},     {250, "0.25s"},
        {1'000, "1s"},     {1'187, "1.187s"},   {4'000, "4s"},    {59'999, "59.999s"}, {60'000, "1m00s"},
        {184'000, "3m04s"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.ms);
      CHECK(format_delay(milliseconds(row.ms)) == row.text);
    }
  }

  TEST_CASE("estimate_remaining extrapolates the rate so far") {
    CHECK_FALSE(estimate_remaining(0, 10, milliseconds(5'000)).has_value());
    CHECK_FALSE(estimate_remaining(3, 0, milliseconds(5'000)).has_value());
    CHECK(estimate_remaining(5, 10, milliseconds(10'000)) == milliseconds(10'000));
    CHECK(estimate_remaining(12, 30, milliseconds(14'200)) == milliseconds(21'300));
    CHECK(estimate_remaining(10, 10, milliseconds(9'000)) == milliseconds(0));
    CHECK(estimate_remaining(11, 10, milliseconds(9'000)) == milliseconds(0));
  }

  TEST_CASE("format_time_of_day is UTC") {
    using namespace std::chrono;
    const auto time = sys_days{year{2026} / November / 21} + hours(15) + minutes(30) + seconds(12) + milliseconds(999);
    CHECK(format_time_of_day(time) == "15:30:12");
    CHECK(format_time_of_day(sys_days{year{1999} / December / 31}) == "00:00:00");
  }

  TEST_CASE("display_width counts columns of code points") {
    CHECK(display_width("") == 0);
    CHECK(display_width("abc") == 3);
    CHECK(display_width("✓ build") == 7);
    CHECK(display_width("⊘↻✗⏸…⠋") == 6);
    CHECK(display_width("日本") == 4);
    CHECK(display_width("🎉") == 2);
    CHECK(display_width("e\u0301") == 1);
    CHECK(display_width("\xff\xfe") == 2);
  }

  TEST_CASE("next_code_point decodes UTF-8 and replaces malformed bytes") {
    struct Row {
      std::string text;
      std::vector<char32_t> code_points;
    };
    const std::vector<Row> rows = {
        {"a✓", {U'a', 0x2713}},
        {"\xf0\x9f\x8e\x89", {0x1F389}},
        {"\xff", {0xFFFD}},
        {"\xc0\xaf", {0xFFFD, 0xFFFD}},          // overlong '/'
        {"\xe2\x9c", {0xFFFD, 0xFFFD}},          // truncated
        {"\xed\xa0\x80", {0xFFFD, 0xFFFD, 0xFFFD}},  // surrogate
        {"\xe2x", {0xFFFD, U'x'}},
    };
    for (const auto& row : rows) {
      CAPTURE(row.text);
      std::vector<char32_t> decoded;
      for (std::size_t pos = 0; pos < row.text.size();) {
        decoded.push_back(next_code_point(row.text, pos));
      }
      CHECK(decoded == row.code_points);
    }
    std::string encoded;
    for (const char32_t c : {char32_t{U'a'}, char32_t{0xE9}, char32_t{0x2713}, char32_t{0x1F389}}) {
      append_utf8(encoded, c);
    }
    CHECK(encoded == "aé✓🎉");
  }

  TEST_CASE("elide_middle keeps both ends within the width") {
    struct Row {
      std::string text;
      std::size_t width;
      std::string elided;
    };
    const std::vector<Row> rows = {
        {"0123456789", 10, "0123456789"},
        {"0123456789", 11, "0123456789"},
        {"0123456789", 5, "01…89"},
        {"0123456789", 4, "01…9"},
        {"01234567890123456789", 10, "01234…6789"},
        {"0123456789", 1, "…"},
        {"0123456789", 0, ""},
        {"", 0, ""},
        {"✓✓✓✓✓✓✓✓✓✓", 5, "✓✓…✓✓"},
        {"日本語テキスト", 6, "日…ト"},
        {"日本語テキスト", 7, "日…ト"},
        {"日本語テキスト", 8, "日本…ト"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.text);
      CAPTURE(row.width);
      const std::string elided = elide_middle(row.text, row.width);
      CHECK(elided == row.elided);
      CHECK(display_width(elided) <= row.width);
    }
  }

  TEST_CASE("strip_ansi removes CSI, OSC and two-byte escape sequences") {
    struct Row {
      std::string text;
      std::string stripped;
    };
    const std::vector<Row> rows = {
        {"plain", "plain"},
        {"\x1b[31mred\x1b[0m", "red"},
        {"\x1b[1;38;5;208mbold\x1b[m", "bold"},
        {"\x1b[2K\x1b[1Gdone", "done"},
        {"\x1b]0;title\x07text", "text"},
        {"\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\", "link"},
        {"a\x1b(Bb", "ab"},
        {"a\x1b" "7b\x1b" "8", "ab"},
        {"cut\x1b", "cut"},
        {"cut\x1b[31", "cut"},
        {"✓ \x1b[32mok\x1b[0m ✓", "✓ ok ✓"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.text);
      CHECK(strip_ansi(row.text) == row.stripped);
    }
  }

  TEST_CASE("sanitize_line keeps what a terminal would show on one line") {
    struct Row {
      std::string text;
      std::string clean;
    };
    const std::vector<Row> rows = {
        {"a\tb", "a b"},
        {"windows line\r", "windows line"},
        {" 10%\r 50%\r100%", "100%"},
        {" 10%\r100%\r", "100%"},
        {"\x1b[1mbold\x1b[0m\x07", "bold"},
        {"nul\x01\x7f ok", "nul ok"},
        {"日本 ✓", "日本 ✓"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.text);
      CHECK(sanitize_line(row.text) == row.clean);
    }
  }

  TEST_CASE("paint only when color is on") {
    CHECK(paint("x", "32", false) == "x");
    CHECK(paint("x", "32", true) == "\x1b[32mx\x1b[0m");
    CHECK(paint("", "32", true).empty());
    CHECK(paint_symbol("✓", true) == "\x1b[32m✓\x1b[0m");
    CHECK(paint_symbol("✗", true) == "\x1b[31m✗\x1b[0m");
    CHECK(paint_symbol("↻", true) == "\x1b[33m↻\x1b[0m");
    CHECK(paint_symbol("⊘", true) == "\x1b[2m⊘\x1b[0m");
    CHECK(paint_symbol("⏸", true) == "\x1b[33m⏸\x1b[0m");
    CHECK(paint_symbol("✓", false) == "✓");
  }
}
