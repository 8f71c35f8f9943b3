#include "engine/suggest.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace automata::engine;

TEST_SUITE("suggest") {
  TEST_CASE("edit_distance counts inserts, deletes, replacements and swaps of neighbours") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "abc") == 0);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("needs", "need") == 1);
    CHECK(edit_distance("timout", "timeout") == 1);
    CHECK(edit_distance("slep", "sleep") == 1);
    CHECK(edit_distance("cuont", "count") == 1);   // a swap is one edit
    CHECK(edit_distance("ab", "ba") == 1);
    CHECK(edit_distance("abc", "ca") == 3);        // optimal string alignment, not full Damerau
    CHECK(edit_distance("Steps", "steps") == 1);   // case matters
  }

  TEST_CASE("edit_distance stops early above the limit") {
    CHECK(edit_distance("abcdefgh", "zyxwvuts", 2) == 3);
    CHECK(edit_distance("abcdefgh", "abcdefgz", 2) == 1);
    CHECK(edit_distance("abc", "abcdef", 2) == 3);
  }

  TEST_CASE("did_you_mean allows one edit per three characters, between one and three") {
    const std::vector<std::string> keys = {"version", "name", "steps", "needs", "timeout", "max_attempts"};
    CHECK(did_you_mean("stepz", keys) == "steps");
    CHECK(did_you_mean("verison", keys) == "version");     // a swap
    CHECK(did_you_mean("nmae", keys) == "name");
    CHECK(did_you_mean("timout", keys) == "timeout");
    CHECK(did_you_mean("max_atempts", keys) == "max_attempts");
    CHECK(did_you_mean("max_atemptz", keys) == "max_attempts");  // 2 edits, 11 characters allow 3
    CHECK(did_you_mean("tmot", keys) == std::nullopt);          // 3 edits, 4 characters allow 1
    CHECK(did_you_mean("xyz", keys) == std::nullopt);
    CHECK(did_you_mean("steps", {}) == std::nullopt);
  }

  TEST_CASE("did_you_mean never proposes a word that shares nothing with a short one") {
    CHECK(did_you_mean("p", {"z"}) == std::nullopt);
    CHECK(did_you_mean("x", {"x1"}) == std::nullopt);
    CHECK(did_you_mean("id", {"i"}) == std::nullopt);
    CHECK(did_you_mean("idd", {"id", "dir"}) == "id");
    CHECK(did_you_mean("ab", {"abc"}) == "abc");
  }

  TEST_CASE("did_you_mean prefers the closest, then the first") {
    CHECK(did_you_mean("lenght", {"len", "length"}) == "length");
    CHECK(did_you_mean("cat", {"bat", "car"}) == "bat");
    CHECK(did_you_mean("cat", {"car", "bat"}) == "car");
    CHECK(did_you_mean("stats", {"status", "stats"}) == "stats");
  }

  TEST_CASE("did_you_mean_ignoring_case: case costs no edit and the candidate keeps its spelling") {
    const std::vector<std::string> names = {"toJSON", "fromJSON", "DEPLOY_TOKEN"};
    CHECK(did_you_mean_ignoring_case("TOJSN", names) == "toJSON");
    CHECK(did_you_mean_ignoring_case("fromjsn", names) == "fromJSON");
    CHECK(did_you_mean_ignoring_case("deploy_tokn", names) == "DEPLOY_TOKEN");
    CHECK(did_you_mean_ignoring_case("nothing", names) == std::nullopt);
    CHECK(did_you_mean("deploy_tokn", names) == std::nullopt);  // where case counts, it is too far
  }
}
