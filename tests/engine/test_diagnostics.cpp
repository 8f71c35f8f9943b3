#include "engine/diagnostics.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace automata::engine;

TEST_SUITE("diagnostics") {
  TEST_CASE("render: file:line:col: message, the source line, a caret under the column") {
    const Diagnostic d{"flow.yaml", {3, 7}, "something is wrong", "  a: {run: x}"};
    CHECK(render_diagnostic(d) == "flow.yaml:3:7: something is wrong\n"
                                  "    a: {run: x}\n"
                                  "        ^\n");
  }

  TEST_CASE("render: column 1, the end of the line, and past it") {
    CHECK(render_diagnostic({"f", {1, 1}, "m", "abc"}) == "f:1:1: m\n  abc\n  ^\n");
    CHECK(render_diagnostic({"f", {1, 4}, "m", "abc"}) == "f:1:4: m\n  abc\n     ^\n");
    CHECK(render_diagnostic({"f", {1, 9}, "m", "abc"}) == "f:1:9: m\n  abc\n     ^\n");
  }

  TEST_CASE("render: tabs before the column are kept so the caret lines up") {
    CHECK(render_diagnostic({"f", {2, 3}, "m", "\t\tx: 1"}) == "f:2:3: m\n  \t\tx: 1\n  \t\t^\n");
    CHECK(render_diagnostic({"f", {2, 4}, "m", " \tab"}) == "f:2:4: m\n   \tab\n   \t ^\n");
  }

  TEST_CASE("render: without a source line, only the message line") {
    CHECK(render_diagnostic({"f", {4, 2}, "m", ""}) == "f:4:2: m\n");
  }

  TEST_CASE("render: without a position, file: message") {
    CHECK(render_diagnostic({"f.yaml", {}, "cannot read the workflow file: No such file or directory", ""}) ==
          "f.yaml: cannot read the workflow file: No such file or directory\n");
  }

  TEST_CASE("error() takes the source line of the position, without its line break") {
    const std::string source = "first\r\nsecond line\nthird";
    Diagnostics diagnostics("f", source);
    diagnostics.error({1, 2}, "a");
    diagnostics.error({2, 8}, "b");
    diagnostics.error({3, 1}, "c");
    diagnostics.error({9, 1}, "beyond the file");
    diagnostics.error({}, "no position");
    REQUIRE(diagnostics.size() == 5);
    CHECK(diagnostics.items()[0].source_line == "first");
    CHECK(diagnostics.items()[1].source_line == "second line");
    CHECK(diagnostics.items()[2].source_line == "third");
    CHECK(diagnostics.items()[3].source_line.empty());
    CHECK(diagnostics.items()[4].source_line.empty());
    CHECK(diagnostics.items()[0].file == "f");
  }

  TEST_CASE("the same problem reached twice is reported once") {
    const std::string source = "a: 1\n";
    Diagnostics diagnostics("f", source);
    CHECK(diagnostics.empty());
    diagnostics.error({1, 4}, "bad");
    diagnostics.error({1, 4}, "bad");
    diagnostics.error({1, 4}, "other");
    diagnostics.error({1, 1}, "bad");
    CHECK(diagnostics.size() == 3);
    CHECK_FALSE(diagnostics.empty());
  }

  TEST_CASE("render() sorts by line, then column, keeping the order of equal positions") {
    const std::string source = "one\ntwo\nthree\n";
    Diagnostics diagnostics("f", source);
    diagnostics.error({3, 2}, "e");
    diagnostics.error({1, 3}, "b");
    diagnostics.error({3, 1}, "d");
    diagnostics.error({1, 1}, "a");
    diagnostics.error({1, 3}, "c");
    CHECK(diagnostics.render() == "f:1:1: a\n  one\n  ^\n"
                                  "f:1:3: b\n  one\n    ^\n"
                                  "f:1:3: c\n  one\n    ^\n"
                                  "f:3:1: d\n  three\n  ^\n"
                                  "f:3:2: e\n  three\n   ^\n");
    CHECK(Diagnostics("f", source).render().empty());
  }

  TEST_CASE("position_of and offset_of convert between offsets and line:column") {
    const std::string source = "ab\ncde\n\nf";
    Diagnostics diagnostics("f", source);
    const auto check = [&](std::size_t offset, int line, int column) {
      const SourcePos pos = diagnostics.position_of(offset);
      CHECK(pos.line == line);
      CHECK(pos.column == column);
      CHECK(diagnostics.offset_of(pos) == offset);
    };
    check(0, 1, 1);
    check(2, 1, 3);  // the line break ends line 1
    check(3, 2, 1);
    check(5, 2, 3);
    check(7, 3, 1);
    check(8, 4, 1);
    check(9, 4, 2);  // the end of the source
    CHECK(diagnostics.offset_of({0, 0}) == source.size());
    CHECK(diagnostics.offset_of({99, 1}) == source.size());
    CHECK(diagnostics.offset_of({4, 50}) == source.size());
    CHECK(diagnostics.source() == source);
    CHECK(diagnostics.file() == "f");
  }

  TEST_CASE("a long line is shown as the part around the column, cut with an ellipsis") {
    // 5 MB on one line, the problem in its middle: two lines of ~200 bytes, not 10 MB.
    std::string source = "key: " + std::string(2'500'000, 'a') + "XYZ" + std::string(2'500'000, 'b') + "\nnext: 1\n";
    Diagnostics diagnostics("f", source);
    diagnostics.error({1, 2'500'006}, "here");
    const std::string rendered = diagnostics.render();
    CHECK(rendered == "f:1:2500006: here\n"
                      "  …" + std::string(80, 'a') + "XYZ" + std::string(117, 'b') + "…\n"
                      "   " + std::string(80, ' ') + "^\n");
    CHECK(diagnostics.items()[0].source_line.size() == k_excerpt_bytes);  // only the shown part is kept
    // At the start of the line: cut at the end only; at its end: at the start only.
    Diagnostics at_start("f", source);
    at_start.error({1, 1}, "m");
    CHECK(at_start.render() == "f:1:1: m\n  key: " + std::string(195, 'a') + "…\n  ^\n");
    Diagnostics at_end("f", source);
    at_end.error({1, 5'000'009}, "m");
    CHECK(at_end.render() == "f:1:5000009: m\n  …" + std::string(80, 'b') + "\n   " + std::string(80, ' ') + "^\n");
  }

  TEST_CASE("a long line is cut between UTF-8 sequences, and the caret counts characters") {
    std::string source;
    for (int i = 0; i < 400; ++i) {
      source += "é";  // two bytes, one column
    }
    Diagnostics diagnostics("f", source);
    diagnostics.error({1, 401}, "m");  // byte 400: the 201st character
    const std::string rendered = diagnostics.render();
    std::string before;
    std::string after;
    for (int i = 0; i < 40; ++i) {
      before += "é";
    }
    for (int i = 0; i < 60; ++i) {
      after += "é";
    }
    CHECK(rendered == "f:1:401: m\n  …" + before + after + "…\n   " + std::string(40, ' ') + "^\n");
  }

  TEST_CASE("control characters and bytes that are not UTF-8 are written out, the caret under the right column") {
    const std::string source = std::string("run: \"a\x1b[2Jb\"\n");
    Diagnostics diagnostics("f", source);
    diagnostics.error({1, 8}, "control character");
    CHECK(diagnostics.render() == "f:1:8: control character\n"
                                  "  run: \"a\\x1b[2Jb\"\n"
                                  "         ^\n");
    CHECK(render_diagnostic({"f", {1, 3}, "bad \x07 byte \xff in \xc2\x9b message", std::string("a\x00z\xc3x", 5)}) ==
          "f:1:3: bad \\x07 byte \\xff in \\u009b message\n"
          "  a\\x00z\\xc3x\n"
          "       ^\n");
    CHECK(render_diagnostic({"f\x1b", {}, "m\r\n", ""}) == "f\\x1b: m\\x0d\\x0a\n");
  }

  TEST_CASE("a long message loses its middle, keeping its start and its end") {
    const std::string key(1'000'000, 'k');
    const std::string source = "a: 1\n";
    Diagnostics diagnostics("f", source);
    diagnostics.error({1, 1}, "unknown key '" + key + "'; check the spelling");
    const std::string& message = diagnostics.items()[0].message;
    CHECK(message.size() <= k_max_message_bytes + 3);
    CHECK(message.rfind("unknown key 'kkk", 0) == 0);
    CHECK(message.find("…") != std::string::npos);
    CHECK(message.substr(message.size() - 24) == "kkk'; check the spelling");
  }
}
