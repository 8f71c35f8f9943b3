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

TEST_CASE("automata help COMMAND is COMMAND --help; help alone is --help; an unknown COMMAND is an error") {
  Project p;
  for (const std::string command : {"run", "agent", "graph", "help"}) {
    INFO(command);
    const auto help = p.run({"help", command});
    const auto flag = p.run({command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(flag.exit_code == 0);
    CHECK(help.err == "");
    CHECK(help.out == flag.out);
    CHECK(help.out.find("Usage: automata " + command + " ") != std::string::npos);
  }
  const auto help = p.run({"help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out == p.run({"--help"}).out);
  CHECK(help.out.rfind("automata: durable coding-automation workflows from YAML\nUsage: automata [OPTIONS] SUBCOMMAND\n",
                       0) == 0);
  const auto unknown = p.run({"help", "valdate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out == "");
  CHECK(unknown.err == "automata: no such command 'valdate' (did you mean 'validate'?)\n"
                       "automata: hint: run `automata help` for the list of commands\n");
}

TEST_CASE("an unknown command is named, with a did-you-mean, exit 2") {
  Project p;
  const std::string hint = "automata: hint: run `automata help` for the list of commands\n";
  auto outcome = p.run({"rn", "wf.yaml"});
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.err == "automata: no such command 'rn' (did you mean 'run'?)\n" + hint);
  // After global options and their values, and with nothing close to it.
  outcome = p.run({"--output", "json", "-j", "2", "frobnicate"});
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.out == "");
  CHECK(outcome.err == "automata: no such command 'frobnicate'\n" + hint);
  outcome = p.run({});
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.err == "automata: error: no command given\n" + hint);
}

TEST_CASE("a value an option does not take is said plainly, not in CLI11's words") {
  Project p;
  const std::string global = "automata: hint: run `automata help` for usage\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-j", "0", "validate", "x.yaml"}, "automata: error: --jobs must be at least 1, got 0\n" + global},
      {{"--jobs", "abc", "validate", "x.yaml"}, "automata: error: --jobs must be a whole number, got 'abc'\n" + global},
      {{"--jobs=99999999999999999999", "validate", "x.yaml"},
       "automata: error: --jobs must be at most 4096, got 99999999999999999999\n" + global},
      {{"--output", "jsn", "validate", "x.yaml"},
       "automata: error: --output must be auto, tty, plain or json, got 'jsn' (did you mean 'json'?)\n" + global},
      {{"--durability", "paranoid", "validate", "x.yaml"},
       "automata: error: --durability must be grouped or strict, got 'paranoid'\n" + global},
      {{"runs", "--limit", "-1"},
       "automata: error: --limit must be at least 0, got -1\nautomata: hint: run `automata help runs` for usage\n"},
      {{"agent", "--title", "t", "--fix-rounds", "101"},
       "automata: error: --fix-rounds must be at most 100, got 101\nautomata: hint: run `automata help agent` for "
       "usage\n"},
      {{"graph", "x.yaml", "--format", "svg"},
       "automata: error: --format must be dot, mermaid or text, got 'svg'\nautomata: hint: run `automata help graph` "
       "for usage\n"},
  };
  for (const auto& [args, expected] : cases) {
    INFO(fmt::format("{}", fmt::join(args, " ")));
    const auto outcome = run_automata(args, p.how());
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.out == "");
    CHECK(outcome.err == expected);
  }
}

TEST_CASE("every AUTOMATA_* variable is checked as its flag is, naming the variable") {
  Project p;
  p.write("wf.yaml", "steps:\n  a: {run: echo a}\n");
  const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
      {{"AUTOMATA_DURABILITY", "paranoid"}, "AUTOMATA_DURABILITY must be grouped or strict, got 'paranoid'"},
      {{"AUTOMATA_JOBS", "0"}, "AUTOMATA_JOBS must be at least 1, got 0"},
      {{"AUTOMATA_JOBS", "4x"}, "AUTOMATA_JOBS must be a whole number, got '4x'"},
      {{"AUTOMATA_JOBS", "100000"}, "AUTOMATA_JOBS must be at most 4096, got 100000"},
      {{"AUTOMATA_OUTPUT_MODE", "fancy"}, "AUTOMATA_OUTPUT_MODE must be auto, tty, plain or json, got 'fancy'"},
  };
  for (const auto& [variable, message] : cases) {
    INFO(variable.first << "=" << variable.second);
    Invoke how = p.how();
    how.env[variable.first] = variable.second;
    const auto outcome = run_automata({"validate", "wf.yaml"}, how);
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.out == "");
    CHECK(outcome.err == "automata: error: " + message + "\n");
  }
  // A flag given wins over its variable, which is then not read.
  Invoke how = p.how();
  how.env["AUTOMATA_DURABILITY"] = "paranoid";
  CHECK(run_automata({"--durability", "strict", "validate", "wf.yaml"}, how).exit_code == 2);
  how.env["AUTOMATA_DURABILITY"] = "strict";
  CHECK(run_automata({"validate", "wf.yaml"}, how).exit_code == 0);
}

TEST_CASE("a config file's values are checked as the flags are, with the file's line:column") {
  Project p;
  p.write("wf.yaml", "steps:\n  a: {run: echo a}\n");
  p.write("jobs.yaml", "output: plain\njobs: 0\n");
  auto outcome = run_automata({"--config", "jobs.yaml", "validate", "wf.yaml"}, p.how());
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.err == "automata: error: jobs.yaml:2:1: jobs must be at least 1, got 0\n");
  p.write("durability.yaml", "durability: paranoid\n");
  outcome = run_automata({"--config", "durability.yaml", "validate", "wf.yaml"}, p.how());
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.err == "automata: error: durability.yaml:1:1: durability must be grouped or strict, got 'paranoid'\n");
}

TEST_CASE("precedence: flag over environment over config file over default (home and output)") {
  Project p;
  p.write("wf.yaml", "steps:\n  a: {run: echo a}\n");
  p.write("config.yaml", "home: config-home\noutput: json\n");
  const auto runs_in = [&p](const std::string& home) {
    std::error_code ec;
    return std::filesystem::is_directory(p.dir() / home / "runs", ec);
  };
  Invoke how = p.how();
  how.unset = {"AUTOMATA_HOME", "AUTOMATA_OUTPUT_MODE"};
  // The config file over the default.
  auto outcome = run_automata({"--config", "config.yaml", "run", "wf.yaml"}, how);
  CHECK(outcome.exit_code == 0);
  CHECK(runs_in("config-home"));
  CHECK_FALSE(outcome.json_lines().empty());
  // The environment over the config file.
  how.env["AUTOMATA_HOME"] = (p.dir() / "env-home").string();
  how.env["AUTOMATA_OUTPUT_MODE"] = "plain";
  outcome = run_automata({"--config", "config.yaml", "run", "wf.yaml"}, how);
  CHECK(outcome.exit_code == 0);
  CHECK(runs_in("env-home"));
  CHECK(outcome.json_lines().empty());
  CHECK(outcome.out.find("✓ a ") != std::string::npos);
  // The flag over the environment.
  outcome = run_automata({"--config", "config.yaml", "--home", "flag-home", "--output", "json", "run", "wf.yaml"}, how);
  CHECK(outcome.exit_code == 0);
  CHECK(runs_in("flag-home"));
  CHECK_FALSE(outcome.json_lines().empty());
  CHECK(std::filesystem::directory_iterator(p.dir() / "env-home" / "runs") != std::filesystem::directory_iterator());
}

}
