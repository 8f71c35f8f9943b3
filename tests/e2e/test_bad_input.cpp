// Bad input end to end through the real binary: files that yaml-cpp would
// read wrongly, excerpts that must stay short and inert, the command line
// and the environment refused with one plain line and exit 2.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

TEST_SUITE("e2e bad input") {

TEST_CASE("an unclosed quote is an error at the quote: step b does not vanish, nothing runs") {
  Project p;
  p.write("wf.yaml", "steps:\n"
                     "  a:\n"
                     "    run: \"echo hi\n"
                     "  b:\n"
                     "    run: echo b\n");
  const auto validated = p.run({"validate", "wf.yaml"});
  CHECK(validated.exit_code == 2);
  CHECK(validated.out == "");
  CHECK(validated.err == "wf.yaml:3:10: YAML syntax error: this quoted string is not closed: it runs on into line 4 "
                         "('b:'), which is indented no more than its key; add the closing \"\n"
                         "      run: \"echo hi\n"
                         "           ^\n"
                         "automata: 1 problem found\n");
  const auto ran = p.run({"run", "wf.yaml"});
  CHECK(ran.exit_code == 2);
  CHECK(ran.err.find("automata: error: wf.yaml: 1 problem; nothing was run\n") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(p.home()));
}

TEST_CASE("a second YAML document is an error, not ignored") {
  Project p;
  p.write("wf.yaml", "steps:\n  a: {run: echo a}\n---\nsteps:\n  b: {run: echo b}\n");
  const auto validated = p.run({"validate", "wf.yaml"});
  CHECK(validated.exit_code == 2);
  CHECK(validated.err == "wf.yaml:3:1: a workflow file holds one YAML document, and a second one starts here; put "
                         "each workflow in a file of its own\n"
                         "  ---\n"
                         "  ^\n"
                         "automata: 1 problem found\n");
}

TEST_CASE("control characters in a file are refused with their position, and never reach the terminal") {
  Project p;
  p.write("wf.yaml", "steps:\n  a:\n    run: echo \x1b]0;pwned\x07 \x1b[2J\n");
  const auto validated = p.run({"validate", "wf.yaml"});
  CHECK(validated.exit_code == 2);
  CHECK(validated.err == "wf.yaml:3:15: a control character (ESC, \\x1b) is not allowed in a workflow file; in a "
                         "double-quoted string write it as an escape (\"\\x1b\") (2 more after it)\n"
                         "      run: echo \\x1b]0;pwned\\x07 \\x1b[2J\n"
                         "                ^\n"
                         "automata: 1 problem found\n");
}

TEST_CASE("an escape written in double quotes reaches a message written out, not as a raw byte") {
  Project p;
  p.write("wf.yaml", "steps:\n  a:\n    run: echo a\n    \"\\e[2Jbad\": 1\n");
  const auto validated = p.run({"validate", "wf.yaml"});
  CHECK(validated.exit_code == 2);
  CHECK(validated.err.find('\x1b') == std::string::npos);
  CHECK(validated.err.find("wf.yaml:4:5: unknown key '\\x1b[2Jbad' in step 'a'") == 0);
}

TEST_CASE("a 5 MB line gives an excerpt around the column, not 10 MB of output") {
  Project p;
  const std::string text(5'000'000, 'k');
  // In a message (the value quoted) and in the source line.
  p.write("value.yaml", "steps:\n  a:\n    run: echo a\n    timeout: " + text + "\n");
  const auto value = p.run({"validate", "value.yaml"});
  CHECK(value.exit_code == 2);
  CHECK(value.err.size() < 1000);
  auto lines = lines_of(value.err);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].rfind("value.yaml:4:14: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. "
                       "500ms, 90s, 10m, 1h30m; got 'kkk", 0) == 0);
  CHECK(lines[0].find("kkk…kkk") != std::string::npos);
  CHECK(lines[0].substr(lines[0].size() - 4) == "kkk'");
  CHECK(lines[1] == "      timeout: " + std::string(187, 'k') + "…");
  CHECK(lines[2] == "               ^");
  CHECK(lines[3] == "automata: 1 problem found");
  // The problem at the far end of the line: the excerpt ends there.
  p.write("key.yaml", "steps:\n  a:\n    run: echo a\n    " + text + ": 1\n");
  const auto key = p.run({"validate", "key.yaml"});
  CHECK(key.exit_code == 2);
  lines = lines_of(key.err);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "key.yaml:4:5000005: YAML syntax error: unexpected ':'; quote a value that contains ': ', or check "
                    "the indentation");
  CHECK(lines[1] == "  …" + std::string(80, 'k') + ": 1");
  CHECK(lines[2] == "   " + std::string(80, ' ') + "^");
}
}
