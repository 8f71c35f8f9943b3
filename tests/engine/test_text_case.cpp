#include "engine/text_case.hpp"

#include <doctest/doctest.h>

using namespace automata::engine;

TEST_SUITE("text case") {
  TEST_CASE("equals_ignore_case folds ASCII and Unicode letters to their uppercase form") {
    CHECK(equals_ignore_case("", ""));
    CHECK(equals_ignore_case("abcXYZ_1", "ABCxyz_1"));
    CHECK_FALSE(equals_ignore_case("abc", "abcd"));
    CHECK_FALSE(equals_ignore_case("a_", "A-"));
    CHECK(equals_ignore_case("\xC3\xBC", "\xC3\x9C"));    // ü Ü
    CHECK(equals_ignore_case("\xCF\x82", "\xCF\x83"));    // ς σ: both uppercase to Σ
    CHECK(equals_ignore_case("\xD0\xB0\xD1\x8F", "\xD0\x90\xD0\xAF"));  // аЯ АЯ
    CHECK_FALSE(equals_ignore_case("i", "\xC4\xB0"));     // i İ
    CHECK_FALSE(equals_ignore_case("\xC4\xB1", "I"));     // ı I: GitHub keeps the dotless i
    CHECK_FALSE(equals_ignore_case("\xC4\xB1", "i"));
    CHECK(equals_ignore_case("\xC3\x9F", "\xC3\x9F"));    // ß has no one-letter uppercase: itself
    CHECK_FALSE(equals_ignore_case("\xC3\x9F", "SS"));
  }

  TEST_CASE("invalid UTF-8 bytes equal only themselves") {
    CHECK(equals_ignore_case("a\xFF", "A\xFF"));
    CHECK_FALSE(equals_ignore_case("a\xFF", "a\xFE"));
    CHECK_FALSE(equals_ignore_case("\xC3", "\xC3\x83"));      // a truncated sequence
    CHECK_FALSE(equals_ignore_case("\xC0\xAF", "/"));          // an overlong '/'
    CHECK_FALSE(equals_ignore_case("\xED\xA0\x80", "\xEF\xBF\xBD"));  // a surrogate is no character
    CHECK(compare_ignore_case("\xFF", "\xF4\x8F\xBF\xBF") > 0);  // above every code point
  }

  TEST_CASE("compare_ignore_case orders uppercase forms in UTF-16 code unit order") {
    CHECK(compare_ignore_case("abc", "ABC") == 0);
    CHECK(compare_ignore_case("a", "B") < 0);
    CHECK(compare_ignore_case("B", "a") > 0);
    CHECK(compare_ignore_case("a", "[") < 0);   // 'A' (0x41) before '[' (0x5B)
    CHECK(compare_ignore_case("_", "z") > 0);   // '_' (0x5F) after 'Z' (0x5A)
    CHECK(compare_ignore_case("ab", "abc") < 0);
    CHECK(compare_ignore_case("", "a") < 0);
    CHECK(compare_ignore_case("i", "\xC4\xB0") < 0);   // I (0x49) before İ (0x130)
    CHECK(compare_ignore_case("\xC4\xB1", "I") > 0);   // ı (0x131) after I
    // U+1F600 is a surrogate pair (0xD83D 0xDE00) in UTF-16: before U+FF21, after U+D7FF.
    CHECK(compare_ignore_case("\xF0\x9F\x98\x80", "\xEF\xBC\xA1") < 0);
    CHECK(compare_ignore_case("\xF0\x9F\x98\x80", "\xED\x9F\xBF") > 0);
  }

  TEST_CASE("contains, starts_with and ends_with ignore case") {
    CHECK(contains_ignore_case("Hello World", "LO wo"));
    CHECK(contains_ignore_case("abc", ""));
    CHECK_FALSE(contains_ignore_case("abc", "abcd"));
    CHECK(starts_with_ignore_case("\xCE\xA3igma", "\xCF\x83I"));  // Σigma σI
    CHECK_FALSE(starts_with_ignore_case("abc", "b"));
    CHECK(ends_with_ignore_case("asdf_ABC", "_abc"));
    CHECK_FALSE(ends_with_ignore_case("a", "ba"));
  }

  TEST_CASE("ascii_lower lowercases ASCII letters only") {
    CHECK(ascii_lower("Steps.BUILD-2_x") == "steps.build-2_x");
    CHECK(ascii_lower("\xC3\x9C") == "\xC3\x9C");
  }
}
