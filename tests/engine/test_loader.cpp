// The loader and the whole-file checks: every diagnostic they can emit, with
// the exact rendered text (message, source line, caret), and the model a
// valid file loads into.
#include "engine/loader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "engine/hash.hpp"
#include "engine/workflow_checks.hpp"
#include "engine/yaml_value.hpp"
#include "support/scratch.hpp"
#include "tools/registry.hpp"

using namespace automata;
using namespace automata::engine;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

const StepKindRegistry& kinds() {
  static const StepKindRegistry k_kinds = tools::builtin_step_kinds();
  return k_kinds;
}

LoadOutcome load(std::string_view yaml, const std::string& file = "wf.yaml") {
  return load_workflow(file, std::string(yaml), kinds());
}

// The whole rendered text, every diagnostic sorted by position.
void check_diagnostics(std::string_view yaml, std::string_view expected) {
  const LoadOutcome outcome = load(yaml);
  INFO("workflow:\n" << yaml);
  CHECK_FALSE(outcome.ok());
  CHECK(outcome.rendered == expected);
}

const Workflow& load_ok(std::string_view yaml) {
  static LoadOutcome outcome;
  outcome = load(yaml);
  INFO("workflow:\n" << yaml);
  REQUIRE_MESSAGE(outcome.ok(), outcome.rendered);
  CHECK(outcome.diagnostics.empty());
  CHECK(outcome.rendered.empty());
  return *outcome.workflow;
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("an empty file and a file that is not a map") {
    check_diagnostics("",
                      R"(wf.yaml:1:1: the workflow file is empty: it needs at least 'steps', a map of step ids to steps, e.g. steps: { hello: { run: echo hello } }
)");
    check_diagnostics(R"(# only a comment
)",
                      R"(wf.yaml:1:1: the workflow file is empty: it needs at least 'steps', a map of step ids to steps, e.g. steps: { hello: { run: echo hello } }
  # only a comment
  ^
)");
    check_diagnostics(R"(- a
- b
)",
                      R"(wf.yaml:1:1: a workflow file must be a map with keys such as 'name' and 'steps', got a list
  - a
  ^
)");
    check_diagnostics(R"(just text
)",
                      R"(wf.yaml:1:1: a workflow file must be a map with keys such as 'name' and 'steps', got 'just text'
  just text
  ^
)");
  }

  TEST_CASE("YAML syntax errors point at the problem and say what to change") {
    check_diagnostics("steps:\n"
                      "\ta: {run: x}\n",
                      "wf.yaml:2:1: YAML syntax error: a tab is used for indentation; YAML indents with spaces only\n"
                      "  \ta: {run: x}\n"
                      "  ^\n");
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: x\n"
                      "  \tneeds: b\n",
                      "wf.yaml:4:3: YAML syntax error: a tab is used for indentation; YAML indents with spaces only\n"
                      "    \tneeds: b\n"
                      "    ^\n");
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "\trun: x\n",
                      "wf.yaml:3:1: YAML syntax error: a tab is used for indentation; YAML indents with spaces only\n"
                      "  \trun: x\n"
                      "  ^\n");
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: |\n"
                      "\t  x\n",
                      "wf.yaml:4:1: YAML syntax error: a tab is used for indentation; YAML indents with spaces only\n"
                      "  \t  x\n"
                      "  ^\n");
    check_diagnostics(R"(steps:
  a: {run: x
)",
                      R"(wf.yaml:3:1: YAML syntax error: a '{' map is not closed with '}' (reached the end of the file)
)");
    check_diagnostics(R"(steps:
  a: {run: [x}
)",
                      R"(wf.yaml:2:14: YAML syntax error: a closing '}' or ']' does not match the bracket it closes
    a: {run: [x}
               ^
)");
    check_diagnostics(R"(steps:
  a:
    run: x
   needs: b
)",
                      R"(wf.yaml:4:4: YAML syntax error: this line's indentation does not match the lines above it
     needs: b
     ^
)");
    check_diagnostics(R"(steps:
  a:
    run: x: y
)",
                      R"(wf.yaml:3:11: YAML syntax error: unexpected ':'; quote a value that contains ': ', or check the indentation
      run: x: y
            ^
)");
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: \"a\\qb\"\n",
                      "wf.yaml:3:14: YAML syntax error: unknown escape character: q; in double quotes write \\\\ for a backslash, or use single quotes\n"
                      "      run: \"a\\qb\"\n"
                      "               ^\n");
    check_diagnostics(R"(steps:
  a:
    run: *x
)",
                      R"(wf.yaml:3:10: YAML syntax error: the referenced anchor is not defined
      run: *x
           ^
)");
    check_diagnostics(R"(steps:
  a: {run: [x, y
)",
                      R"(wf.yaml:3:1: YAML syntax error: a '[' list is not closed with ']' (reached the end of the file)
)");
    check_diagnostics(R"(steps:
  a:
    run: x
  - b
)",
                      R"(wf.yaml:4:3: YAML syntax error: this line's indentation does not match the lines above it
    - b
    ^
)");
    check_diagnostics(R"(steps:
  a: {run: echo ${{ inputs.x }}}
)",
                      R"(wf.yaml:2:17: YAML syntax error: inside { } or [ ], a value with ${{ }} must be quoted: "${{ ... }}"
    a: {run: echo ${{ inputs.x }}}
                  ^
)");
    check_diagnostics(R"(steps:
  a:
    run: x
    env: [${{ inputs.x }}]
)",
                      R"(wf.yaml:4:11: YAML syntax error: inside { } or [ ], a value with ${{ }} must be quoted: "${{ ... }}"
      env: [${{ inputs.x }}]
            ^
)");
  }

  TEST_CASE("an unclosed quoted string is reported at its quote, not swallowing the lines after it") {
    // yaml-cpp takes this one to the end of the file, and step b with it.
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: \"echo hi\n"
                      "  b:\n"
                      "    run: echo b\n",
                      "wf.yaml:3:10: YAML syntax error: this quoted string is not closed: it runs on into line 4 "
                      "('b:'), which is indented no more than its key; add the closing \"\n"
                      "      run: \"echo hi\n"
                      "           ^\n");
    // A quote further down closes it, and yaml-cpp fails two lines later.
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: 'echo hi\n"
                      "  b:\n"
                      "    run: 'echo b'\n",
                      "wf.yaml:3:10: YAML syntax error: this quoted string is not closed: it runs on into line 4 "
                      "('b:'), which is indented no more than its key; add the closing '\n"
                      "      run: 'echo hi\n"
                      "           ^\n");
    check_diagnostics("steps:\n"
                      "  a: {run: \"x}\n",
                      "wf.yaml:2:12: YAML syntax error: this quoted string is not closed before the end of the file; "
                      "add the closing \"\n"
                      "    a: {run: \"x}\n"
                      "             ^\n");
    check_diagnostics("steps:\n"
                      "  a: {run: \"x \\\" y}\n",
                      "wf.yaml:2:12: YAML syntax error: this quoted string is not closed before the end of the file; "
                      "add the closing \"\n"
                      "    a: {run: \"x \\\" y}\n"
                      "             ^\n");
  }

  TEST_CASE("a quoted string over several lines, indented more than its key, is valid") {
    const Workflow& wf = load_ok("steps:\n"
                                 "  a:\n"
                                 "    run: \"echo one\n"
                                 "\n"
                                 "      two\"\n"
                                 "  b: {run: 'it''s\n"
                                 "      fine'}\n");
    REQUIRE(wf.steps.size() == 2);
    CHECK(wf.steps[0].run->text == "echo one\ntwo");
    CHECK(wf.steps[1].run->text == "it's fine");
  }

  TEST_CASE("a file with a second YAML document is refused at its start, not read as its first") {
    const std::string second = "a workflow file holds one YAML document, and a second one starts here; put each "
                               "workflow in a file of its own";
    check_diagnostics("steps:\n"
                      "  a: {run: x}\n"
                      "---\n"
                      "steps:\n"
                      "  b: {run: y}\n",
                      "wf.yaml:3:1: " + second + "\n  ---\n  ^\n");
    check_diagnostics("---\n"
                      "steps: {a: {run: x}}\n"
                      "...\n"
                      "--- # another\n",
                      "wf.yaml:4:1: " + second + "\n  --- # another\n  ^\n");
    // One document, started and ended explicitly, is one.
    CHECK(load_ok("---\nsteps: {a: {run: x}}\n...\n").steps.size() == 1);
  }

  TEST_CASE("control characters in the file are refused at their line and column, written out") {
    check_diagnostics("steps:\n"
                      "  a:\n"
                      "    run: \"echo \x1b[31m hi\"\n",
                      "wf.yaml:3:16: a control character (ESC, \\x1b) is not allowed in a workflow file; in a "
                      "double-quoted string write it as an escape (\"\\x1b\")\n"
                      "      run: \"echo \\x1b[31m hi\"\n"
                      "                 ^\n");
    check_diagnostics("steps:\n  a: {run: x}\0\n  b: {run: \x07}\x7f\n"s,
                      "wf.yaml:2:14: a control character (NUL, \\x00) is not allowed in a workflow file; in a "
                      "double-quoted string write it as an escape (\"\\x00\") (2 more after it)\n"
                      "    a: {run: x}\\x00\n"
                      "               ^\n");
    // Tabs, carriage returns and escapes written in double quotes are fine.
    const Workflow& wf = load_ok("steps:\r\n  a: {run: \"printf '\\e[1m\\tbold'\"}\r\n");
    CHECK(wf.steps[0].run->text == "printf '\x1b[1m\tbold'");
  }

  TEST_CASE("an empty value is reported at its key, not at the next line") {
    check_diagnostics(R"(steps:
  a:
    run:
    needs: [b]
  b:
    run: x
    timeout:   # none yet

  c: {run: ~}
)",
                      R"(wf.yaml:3:9: 'run' must be a string, got nothing
      run:
          ^
wf.yaml:7:13: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got nothing
      timeout:   # none yet
              ^
wf.yaml:9:12: 'run' must be a string, got nothing
    c: {run: ~}
             ^
)");
  }

  TEST_CASE("unknown keys at every level, with did-you-mean") {
    check_diagnostics(R"(verison: 1
steps:
  a:
    run: x
    need: [b]
    retry: {max_atempts: 2, initial: 1s}
    compensate: {run: y, needs: [a], timout: 1s}
  b: {run: x}
defaults: {timout: 1s, retry: {backof: 2}}
inputs:
  x: {type: string, defualt: a, color: red}
)",
                      R"(wf.yaml:1:1: unknown key 'verison' at the top level (did you mean 'version'?)
  verison: 1
  ^
wf.yaml:5:5: unknown key 'need' in step 'a' (did you mean 'needs'?)
      need: [b]
      ^
wf.yaml:6:13: unknown key 'max_atempts' in 'retry' (did you mean 'max_attempts'?)
      retry: {max_atempts: 2, initial: 1s}
              ^
wf.yaml:6:29: unknown key 'initial' in 'retry'
      retry: {max_atempts: 2, initial: 1s}
                              ^
wf.yaml:7:26: unknown key 'needs' in the compensation of step 'a': compensations run newest completed step first; they have no 'needs'
      compensate: {run: y, needs: [a], timout: 1s}
                           ^
wf.yaml:7:38: unknown key 'timout' in the compensation of step 'a' (did you mean 'timeout'?)
      compensate: {run: y, needs: [a], timout: 1s}
                                       ^
wf.yaml:9:12: unknown key 'timout' in 'defaults' (did you mean 'timeout'?)
  defaults: {timout: 1s, retry: {backof: 2}}
             ^
wf.yaml:9:32: unknown key 'backof' in 'retry' (did you mean 'backoff'?)
  defaults: {timout: 1s, retry: {backof: 2}}
                                 ^
wf.yaml:11:21: unknown key 'defualt' in input 'x' (did you mean 'default'?)
    x: {type: string, defualt: a, color: red}
                      ^
wf.yaml:11:33: unknown key 'color' in input 'x'
    x: {type: string, defualt: a, color: red}
                                  ^
)");
  }

  TEST_CASE("duplicate keys are reported (yaml-cpp keeps both)") {
    check_diagnostics(R"(name: a
name: b
steps:
  a:
    run: x
    run: y
    retry: {max_attempts: 2, max_attempts: 3}
  b:
    uses: sleep
    with: {duration: 1s, duration: 2s}
    env: {A: 1, A: 2}
    outputs: {o: x, o: y}
    compensate: {run: x, run: y}
  c:
    run: x
    matrix: {x: [1], x: [2]}
defaults: {shell: sh, shell: bash}
inputs:
  i: {type: string, type: number}
  i: {type: string}
)",
                      R"(wf.yaml:2:1: duplicate key 'name' at the top level (first given at 1:1); remove one of them
  name: b
  ^
wf.yaml:6:5: duplicate key 'run' in step 'a' (first given at 5:5); remove one of them
      run: y
      ^
wf.yaml:7:30: duplicate key 'max_attempts' in 'retry' (first given at 7:13); remove one of them
      retry: {max_attempts: 2, max_attempts: 3}
                               ^
wf.yaml:10:26: duplicate key 'duration' in 'with' (first given at 10:12); remove one of them
      with: {duration: 1s, duration: 2s}
                           ^
wf.yaml:11:17: duplicate key 'A' in 'env' (first given at 11:11); remove one of them
      env: {A: 1, A: 2}
                  ^
wf.yaml:12:21: duplicate key 'o' in 'outputs' (first given at 12:15); remove one of them
      outputs: {o: x, o: y}
                      ^
wf.yaml:13:26: duplicate key 'run' in the compensation of step 'b' (first given at 13:18); remove one of them
      compensate: {run: x, run: y}
                           ^
wf.yaml:16:22: duplicate key 'x' in 'matrix' (first given at 16:14); remove one of them
      matrix: {x: [1], x: [2]}
                       ^
wf.yaml:17:23: duplicate key 'shell' in 'defaults' (first given at 17:12); remove one of them
  defaults: {shell: sh, shell: bash}
                        ^
wf.yaml:19:21: duplicate key 'type' in input 'i' (first given at 19:7); remove one of them
    i: {type: string, type: number}
                      ^
wf.yaml:20:3: duplicate input 'i' (first defined at line 19); rename or remove one
    i: {type: string}
    ^
)");
    check_diagnostics(R"(steps:
  a: {run: x}
  a: {run: y}
finally:
  a: {run: z}
)",
                      R"(wf.yaml:3:3: duplicate step id 'a' (first defined at line 2); ids must be unique across steps, on_failure and finally
    a: {run: y}
    ^
wf.yaml:5:3: duplicate step id 'a' (first defined at line 2); ids must be unique across steps, on_failure and finally
    a: {run: z}
    ^
)");
  }

  TEST_CASE("wrong types at the top level") {
    check_diagnostics(R"(version: one
name: [x]
description: {a: b}
inputs: [a]
secrets: TOKEN
env: [A]
defaults: 3
concurrency: two
steps:
  a: {run: x}
on_failure: [x]
finally: y
outputs: [a]
)",
                      R"(wf.yaml:1:10: 'version' must be a whole number, got 'one'
  version: one
           ^
wf.yaml:2:7: 'name' must be a string, got a list
  name: [x]
        ^
wf.yaml:3:14: 'description' must be a string, got a map
  description: {a: b}
               ^
wf.yaml:4:9: 'inputs' must be a map, got a list
  inputs: [a]
          ^
wf.yaml:5:10: 'secrets' must be a list of environment variable names, got 'TOKEN'
  secrets: TOKEN
           ^
wf.yaml:6:6: 'env' must be a map, got a list
  env: [A]
       ^
wf.yaml:7:11: 'defaults' must be a map, got '3'
  defaults: 3
            ^
wf.yaml:8:14: 'concurrency' must be a whole number, got 'two'
  concurrency: two
               ^
wf.yaml:11:13: 'on_failure' must be a map of step ids to steps, got a list
  on_failure: [x]
              ^
wf.yaml:12:10: 'finally' must be a map of step ids to steps, got 'y'
  finally: y
           ^
wf.yaml:13:10: 'outputs' must be a map, got a list
  outputs: [a]
           ^
)");
    check_diagnostics(R"(steps:
)",
                      R"(wf.yaml:1:7: 'steps' must be a map of step ids to steps, got nothing
  steps:
        ^
)");
    check_diagnostics(R"(steps: [a, b]
)",
                      R"(wf.yaml:1:8: 'steps' must be a map of step ids to steps, got a list
  steps: [a, b]
         ^
)");
    check_diagnostics(R"(steps: {}
)",
                      R"(wf.yaml:1:8: 'steps' is empty: a workflow needs at least one step
  steps: {}
         ^
)");
    check_diagnostics(R"(name: x
)",
                      R"(wf.yaml:1:1: a workflow needs 'steps': a map of step ids to steps
  name: x
  ^
)");
  }

  TEST_CASE("wrong types in a step") {
    check_diagnostics(R"(steps:
  s1:
    name: [x]
    run: [x]
    needs: {a: 1}
    if: [x]
    matrix: 3
    max_parallel: x
    fail_fast: maybe
    env: [a]
    working_directory: {a: b}
    shell: [bash]
    timeout: [10s]
    retry: 3
    continue_on_error: "yes"
    compensate: x
    outputs: [a]
  s2:
    uses: [sleep]
    with: [a]
    needs: [{a: 1}]
    env: {A: [1], B: {c: d}}
    outputs: {o: [1]}
)",
                      R"(wf.yaml:3:11: 'name' must be a string, got a list
      name: [x]
            ^
wf.yaml:4:10: 'run' must be a string, got a list
      run: [x]
           ^
wf.yaml:5:12: 'needs' must be a step id or a list of step ids, got a map
      needs: {a: 1}
             ^
wf.yaml:6:9: 'if' must be an expression, got a list
      if: [x]
          ^
wf.yaml:7:13: 'matrix' must be a map of axes to lists (e.g. { os: [a, b] }) or one ${{ }} expression giving a list, got '3'
      matrix: 3
              ^
wf.yaml:8:19: 'max_parallel' must be a whole number, got 'x'
      max_parallel: x
                    ^
wf.yaml:9:16: 'fail_fast' must be true or false, got 'maybe'
      fail_fast: maybe
                 ^
wf.yaml:10:10: 'env' must be a map, got a list
      env: [a]
           ^
wf.yaml:11:24: 'working_directory' must be a string, got a map
      working_directory: {a: b}
                         ^
wf.yaml:12:12: 'shell' must be a string, got a list
      shell: [bash]
             ^
wf.yaml:13:14: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got a list
      timeout: [10s]
               ^
wf.yaml:14:12: 'retry' must be a map, got '3'
      retry: 3
             ^
wf.yaml:15:24: 'continue_on_error' must be true or false, got 'yes'
      continue_on_error: "yes"
                         ^
wf.yaml:16:17: the compensation of step 's1' must be a map (e.g. { run: make }), got 'x'
      compensate: x
                  ^
wf.yaml:17:14: 'outputs' must be a map, got a list
      outputs: [a]
               ^
wf.yaml:19:11: 'uses' must be a string, got a list
      uses: [sleep]
            ^
wf.yaml:20:11: 'with' must be a map, got a list
      with: [a]
            ^
wf.yaml:21:13: each entry of 'needs' must be a step id, got a map
      needs: [{a: 1}]
              ^
wf.yaml:22:14: 'env.A' must be a string, got a list
      env: {A: [1], B: {c: d}}
               ^
wf.yaml:22:22: 'env.B' must be a string, got a map
      env: {A: [1], B: {c: d}}
                       ^
wf.yaml:23:18: 'outputs.o' must be a string, got a list
      outputs: {o: [1]}
                   ^
)");
  }

  TEST_CASE("wrong types and ranges in retry and defaults") {
    check_diagnostics(R"(defaults:
  timeout: soon
  shell: [sh]
  working_directory: [x]
  retry: {max_attempts: 0}
steps:
  a:
    run: x
    retry:
      max_attempts: many
      initial_interval: 1
      backoff: fast
      max_interval: forever
      jitter: lots
      non_retryable_exit_codes: 2
      when: [x]
  b:
    run: x
    retry:
      max_attempts: 1001
      backoff: 0.5
      jitter: 1.5
      non_retryable_exit_codes: [2, x]
)",
                      R"(wf.yaml:2:12: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got 'soon'
    timeout: soon
             ^
wf.yaml:3:10: 'shell' must be a string, got a list
    shell: [sh]
           ^
wf.yaml:4:22: 'working_directory' must be a string, got a list
    working_directory: [x]
                       ^
wf.yaml:5:25: 'max_attempts' must be between 1 and 1000, got 0
    retry: {max_attempts: 0}
                          ^
wf.yaml:10:21: 'max_attempts' must be a whole number, got 'many'
        max_attempts: many
                      ^
wf.yaml:11:25: 'initial_interval' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '1' (did you mean '1s'?)
        initial_interval: 1
                          ^
wf.yaml:12:16: 'backoff' must be a number, got 'fast'
        backoff: fast
                 ^
wf.yaml:13:21: 'max_interval' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got 'forever'
        max_interval: forever
                      ^
wf.yaml:14:15: 'jitter' must be a number, got 'lots'
        jitter: lots
                ^
wf.yaml:15:33: 'non_retryable_exit_codes' must be a list of exit codes, e.g. [2, 3], got '2'
        non_retryable_exit_codes: 2
                                  ^
wf.yaml:16:13: 'when' must be a string, got a list
        when: [x]
              ^
wf.yaml:20:21: 'max_attempts' must be between 1 and 1000, got 1001
        max_attempts: 1001
                      ^
wf.yaml:21:16: 'backoff' must be at least 1.0, got 0.5
        backoff: 0.5
                 ^
wf.yaml:22:15: 'jitter' must be between 0 and 1, got 1.5
        jitter: 1.5
                ^
wf.yaml:23:37: 'non_retryable_exit_codes' must be a whole number, got 'x'
        non_retryable_exit_codes: [2, x]
                                      ^
)");
  }

  TEST_CASE("values out of range and names with bad characters") {
    check_diagnostics(R"(version: 2
name: my flow
concurrency: 0
inputs:
  my input: {type: string, default: x}
steps:
  build step: {run: x}
  a:
    run: x
    max_parallel: 0
    timeout: 0s
    matrix: {"os name": [a]}
)",
                      R"(wf.yaml:1:10: unsupported version 2 (this automata reads version 1)
  version: 2
           ^
wf.yaml:2:7: workflow name 'my flow' may contain only letters, digits, '-' and '_'
  name: my flow
        ^
wf.yaml:3:14: 'concurrency' must be at least 1, got 0
  concurrency: 0
               ^
wf.yaml:5:3: input name 'my input' may contain only letters, digits, '-' and '_'
    my input: {type: string, default: x}
    ^
wf.yaml:7:3: step id 'build step' may contain only letters, digits, '-' and '_'
    build step: {run: x}
    ^
wf.yaml:10:19: 'max_parallel' must be at least 1, got 0
      max_parallel: 0
                    ^
wf.yaml:11:14: 'timeout' must be longer than 0s; leave it out for no timeout
      timeout: 0s
               ^
wf.yaml:12:14: matrix axis 'os name' may contain only letters, digits, '-' and '_'
      matrix: {"os name": [a]}
               ^
)");
  }

  TEST_CASE("bad durations name the field and show the accepted forms") {
    check_diagnostics(R"(defaults: {timeout: 10}
steps:
  a:
    run: x
    timeout: 10x
    retry: {initial_interval: 1 s, max_interval: -1s}
)",
                      R"(wf.yaml:1:21: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '10' (did you mean '10s'?)
  defaults: {timeout: 10}
                      ^
wf.yaml:5:14: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '10x'
      timeout: 10x
               ^
wf.yaml:6:31: 'initial_interval' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '1 s'
      retry: {initial_interval: 1 s, max_interval: -1s}
                                ^
wf.yaml:6:50: 'max_interval' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '-1s'
      retry: {initial_interval: 1 s, max_interval: -1s}
                                                   ^
)");
  }

  TEST_CASE("run, uses and with") {
    check_diagnostics(R"(steps:
  both: {run: x, uses: sleep}
  neither: {name: nothing}
  kind: {uses: slep}
  far: {uses: frobnicate}
  shell: {uses: shell}
  with_run: {run: x, with: {a: 1}}
  comp:
    run: x
    compensate: {name: undo}
)",
                      R"(wf.yaml:2:24: step 'both' has both 'run' and 'uses': it is either a shell command or a step kind; remove one
    both: {run: x, uses: sleep}
                         ^
wf.yaml:3:3: step 'neither' has neither 'run' (a shell command) nor 'uses' (a step kind)
    neither: {name: nothing}
    ^
wf.yaml:4:16: unknown step kind 'slep' (did you mean 'sleep'?)
    kind: {uses: slep}
                 ^
wf.yaml:5:15: unknown step kind 'frobnicate'; the step kinds are agent.run, forge.comment, forge.issue, forge.merge, forge.pr, forge.status, fs.patch, fs.read, fs.write, git.branch, git.clone, git.commit, git.delete_branch, git.diff, git.push, git.reset, git.worktree, http.request, llm.chat, sleep, wait, workflow
    far: {uses: frobnicate}
                ^
wf.yaml:6:17: a shell step is written with 'run: COMMAND', not 'uses: shell'
    shell: {uses: shell}
                  ^
wf.yaml:7:28: 'with' gives parameters to a step kind, but step 'with_run' has no 'uses'; a shell step takes 'env' instead
    with_run: {run: x, with: {a: 1}}
                             ^
wf.yaml:10:17: the compensation of step 'comp' has neither 'run' (a shell command) nor 'uses' (a step kind)
      compensate: {name: undo}
                  ^
)");
  }

  TEST_CASE("compensations are checked like steps") {
    check_diagnostics(R"(steps:
  a:
    run: x
    compensate:
      run: undo
      uses: sleep
  b:
    run: x
    compensate:
      uses: sleep
      with: {duration: 1x, extra: 2}
      retry: {max_attempts: 2, when: attempt.exit_cod == 1}
      timeout: 0s
  c:
    run: x
    outputs: {id: "${{ steps.c.outputs.x }}"}
    compensate:
      run: undo ${{ steps.c.outputs.id }} ${{ steps.a.status }}
)",
                      R"(wf.yaml:6:13: the compensation of step 'a' has both 'run' and 'uses': it is either a shell command or a step kind; remove one
        uses: sleep
              ^
wf.yaml:11:14: parameter 'duration' of the compensation of step 'b' must be a duration such as 90s, 10m or 1h30m, got '1x'
        with: {duration: 1x, extra: 2}
               ^
wf.yaml:11:28: unknown parameter 'extra' for step kind 'sleep'; it takes duration
        with: {duration: 1x, extra: 2}
                             ^
wf.yaml:12:7: unknown key 'retry' in the compensation of step 'b': a compensation runs once and is not retried
        retry: {max_attempts: 2, when: attempt.exit_cod == 1}
        ^
wf.yaml:13:16: 'timeout' must be longer than 0s; leave it out for no timeout
        timeout: 0s
                 ^
wf.yaml:18:47: step 'c' reads steps.a but does not depend on it: add 'a' to its needs
        run: undo ${{ steps.c.outputs.id }} ${{ steps.a.status }}
                                                ^
)");
  }

  TEST_CASE("budget: max_tokens_total and max_cost, checked") {
  const Workflow& wf = load_ok(R"(
version: 1
name: b
budget: { max_tokens_total: 200000, max_cost: 2.5 }
steps:
  a: { run: x }
)");
  CHECK(wf.max_tokens_total == 200000);
  CHECK(wf.max_cost == 2.5);
  check_diagnostics(R"(
version: 1
name: b
budget: { max_tokens: 5, max_tokens_total: 0, max_cost: free }
steps:
  a: { run: x }
)",
                    R"(wf.yaml:4:11: unknown key 'max_tokens' in 'budget'
  budget: { max_tokens: 5, max_tokens_total: 0, max_cost: free }
            ^
wf.yaml:4:44: 'max_tokens_total' must be at least 1, got 0
  budget: { max_tokens: 5, max_tokens_total: 0, max_cost: free }
                                             ^
wf.yaml:4:57: 'max_cost' must be a number, got 'free'
  budget: { max_tokens: 5, max_tokens_total: 0, max_cost: free }
                                                          ^
)");
}

TEST_CASE("parameters of the sleep, wait and workflow kinds") {
    check_diagnostics(R"(steps:
  s1:
    uses: sleep
    with: {duraton: 1s}
  s2:
    uses: sleep
    with: {duration: 5}
  s3:
    uses: sleep
    with: {duration: soon, extra: 1}
  w1:
    uses: wait
    with: {signal: [x], timeout: 5}
  w2:
    uses: wait
    with: {timeout: 1m}
  c1:
    uses: workflow
    with: {file: child.yaml, inputs: [1], input: {}}
  c2:
    uses: workflow
  ok:
    uses: sleep
    with: {duration: "${{ inputs.d }}"}
inputs:
  d: {type: string, default: 1s}
)",
                      R"(wf.yaml:3:11: step kind 'sleep' needs parameter 'duration' in 'with': how long, e.g. 30s, 5m, 1h
      uses: sleep
            ^
wf.yaml:4:12: unknown parameter 'duraton' for step kind 'sleep' (did you mean 'duration'?); it takes duration
      with: {duraton: 1s}
             ^
wf.yaml:7:12: parameter 'duration' of step 's2' must be a duration such as 90s, 10m or 1h30m, got 5
      with: {duration: 5}
             ^
wf.yaml:10:12: parameter 'duration' of step 's3' must be a duration such as 90s, 10m or 1h30m, got 'soon'
      with: {duration: soon, extra: 1}
             ^
wf.yaml:10:28: unknown parameter 'extra' for step kind 'sleep'; it takes duration
      with: {duration: soon, extra: 1}
                             ^
wf.yaml:13:12: parameter 'signal' of step 'w1' must be a string, got ["x"]
      with: {signal: [x], timeout: 5}
             ^
wf.yaml:13:25: parameter 'timeout' of step 'w1' must be a duration such as 90s, 10m or 1h30m, got 5
      with: {signal: [x], timeout: 5}
                          ^
wf.yaml:15:11: step kind 'wait' needs parameter 'signal' in 'with': the signal's name
      uses: wait
            ^
wf.yaml:19:12: child workflow child.yaml: no such file
      with: {file: child.yaml, inputs: [1], input: {}}
             ^
wf.yaml:19:30: parameter 'inputs' of step 'c1' must be a map, got [1]
      with: {file: child.yaml, inputs: [1], input: {}}
                               ^
wf.yaml:19:43: unknown parameter 'input' for step kind 'workflow' (did you mean 'inputs'?); it takes file, inputs
      with: {file: child.yaml, inputs: [1], input: {}}
                                            ^
wf.yaml:21:11: step kind 'workflow' needs parameter 'file' in 'with': the child workflow's file, relative to this workflow file's directory (in a built-in workflow, a built-in's name)
      uses: workflow
            ^
)");
  }

  TEST_CASE("needs: unknown ids, itself, across sections, listed twice") {
    check_diagnostics(R"(steps:
  build: {run: x}
  test: {run: x, needs: [buld, build, build]}
  self: {run: x, needs: self}
  deploy: {run: x, needs: [report, zzz]}
on_failure:
  notify: {run: x, needs: build}
finally:
  report: {run: x, needs: [notify]}
)",
                      R"(wf.yaml:3:26: step 'test' needs unknown step 'buld' (did you mean 'build'?)
    test: {run: x, needs: [buld, build, build]}
                           ^
wf.yaml:3:39: 'build' is listed twice in the needs of step 'test'
    test: {run: x, needs: [buld, build, build]}
                                        ^
wf.yaml:4:25: step 'self' needs itself; remove 'self' from its needs
    self: {run: x, needs: self}
                          ^
wf.yaml:5:28: step 'deploy' cannot need 'report', which is in 'finally': needs stay within one section, and 'finally' runs after 'steps'
    deploy: {run: x, needs: [report, zzz]}
                             ^
wf.yaml:5:36: step 'deploy' needs unknown step 'zzz'
    deploy: {run: x, needs: [report, zzz]}
                                     ^
wf.yaml:7:27: step 'notify' cannot need 'build', which is in 'steps': needs stay within one section; 'steps' has finished before 'on_failure' starts, so remove it
    notify: {run: x, needs: build}
                            ^
wf.yaml:9:28: step 'report' cannot need 'notify', which is in 'on_failure': needs stay within one section; 'on_failure' has finished before 'finally' starts, so remove it
    report: {run: x, needs: [notify]}
                             ^
)");
  }

  TEST_CASE("cycles are printed in dependency order") {
    check_diagnostics(R"(steps:
  a: {run: x, needs: [c]}
  b: {run: x, needs: [a]}
  c: {run: x, needs: [b]}
)",
                      R"(wf.yaml:3:23: dependency cycle: b needs a, a needs c, c needs b; remove one of these needs
    b: {run: x, needs: [a]}
                        ^
)");
    check_diagnostics(R"(steps:
  a: {run: x, needs: b}
  b: {run: x, needs: a}
  c: {run: x, needs: d}
  d: {run: x, needs: c}
)",
                      R"(wf.yaml:3:22: dependency cycle: b needs a, a needs b; remove one of these needs
    b: {run: x, needs: a}
                       ^
wf.yaml:5:22: dependency cycle: d needs c, c needs d; remove one of these needs
    d: {run: x, needs: c}
                       ^
)");
  }

  TEST_CASE("input declarations") {
    check_diagnostics(R"(inputs:
  a: {type: numbr}
  b: {type: choice}
  c: {type: choice, options: []}
  d: {type: choice, options: x}
  e: {type: string, options: [x, y]}
  f: {options: [x, y]}
  g: {type: number, default: abc}
  h: {type: boolean, default: "true"}
  i: {type: list, default: a,b}
  j: {type: choice, options: [x, y], default: z}
  k: string
  l: {type: [string]}
  m: {type: numbr, default: [x]}
  n: {type: string, description: [x], default: {a: 1}}
steps:
  s: {run: x}
)",
                      R"(wf.yaml:2:13: unknown input type 'numbr' (did you mean 'number'?); the types are string, number, boolean, list and choice
    a: {type: numbr}
              ^
wf.yaml:3:3: input 'b' is a choice but has no 'options': add e.g. options: [a, b]
    b: {type: choice}
    ^
wf.yaml:4:30: 'options' of input 'c' must be a non-empty list, got an empty list
    c: {type: choice, options: []}
                               ^
wf.yaml:5:30: 'options' of input 'd' must be a non-empty list, got 'x'
    d: {type: choice, options: x}
                               ^
wf.yaml:6:30: input 'e' has 'options' but is not a choice: set type: choice
    e: {type: string, options: [x, y]}
                               ^
wf.yaml:7:16: input 'f' has 'options' but is not a choice: set type: choice
    f: {options: [x, y]}
                 ^
wf.yaml:8:30: default of input 'g': must be a number, got 'abc'
    g: {type: number, default: abc}
                               ^
wf.yaml:9:31: default of input 'h': must be true or false, got 'true' (a quoted value is a string: remove the quotes)
    h: {type: boolean, default: "true"}
                                ^
wf.yaml:10:28: default of input 'i': must be a list, got 'a'
    i: {type: list, default: a,b}
                             ^
wf.yaml:10:30: unknown key 'b' in input 'i'
    i: {type: list, default: a,b}
                               ^
wf.yaml:11:47: default of input 'j': must be one of x, y, got 'z'
    j: {type: choice, options: [x, y], default: z}
                                                ^
wf.yaml:12:6: input 'k' must be a map like { type: string, default: x }, got 'string'
    k: string
       ^
wf.yaml:13:13: the type of input 'l' must be a name, got a list; the types are string, number, boolean, list and choice
    l: {type: [string]}
              ^
wf.yaml:14:13: unknown input type 'numbr' (did you mean 'number'?); the types are string, number, boolean, list and choice
    m: {type: numbr, default: [x]}
              ^
wf.yaml:15:34: 'description' must be a string, got a list
    n: {type: string, description: [x], default: {a: 1}}
                                   ^
wf.yaml:15:48: default of input 'n': must be a string, got {"a":1}
    n: {type: string, description: [x], default: {a: 1}}
                                                 ^
)");
  }

  TEST_CASE("secrets: declaration, refused in run text, allowed in env") {
    check_diagnostics(R"(secrets: [TOKEN, "b c", 1X, {x: 1}, TOKEN]
env: {T: "${{ secrets.TOKEN }}"}
steps:
  a:
    run: curl -H "${{ secrets.TOKEN }}" x
    env: {T: "${{ secrets.TOKEN }}", U: "${{ secrets.TOKN }}", V: "${{ secrets.OTHER }}"}
    outputs: {o: "${{ secrets.TOKEN }}"}
    compensate:
      run: echo ${{ secrets.TOKEN }}
      env: {T: "${{ secrets.TOKEN }}"}
outputs:
  s: ${{ secrets.TOKEN }}
)",
                      R"(wf.yaml:1:18: a secret is named by an environment variable (letters, digits and '_', not starting with a digit), got 'b c'
  secrets: [TOKEN, "b c", 1X, {x: 1}, TOKEN]
                   ^
wf.yaml:1:25: a secret is named by an environment variable (letters, digits and '_', not starting with a digit), got '1X'
  secrets: [TOKEN, "b c", 1X, {x: 1}, TOKEN]
                          ^
wf.yaml:1:29: a secret is named by an environment variable (letters, digits and '_', not starting with a digit), got a map
  secrets: [TOKEN, "b c", 1X, {x: 1}, TOKEN]
                              ^
wf.yaml:1:37: secret 'TOKEN' is listed twice in 'secrets'
  secrets: [TOKEN, "b c", 1X, {x: 1}, TOKEN]
                                      ^
wf.yaml:5:23: secrets cannot be used in 'run' text, where they would be shown and stored; pass the secret as an environment variable: set env: { TOKEN: ${{ secrets.TOKEN }} } and use $TOKEN in the command
      run: curl -H "${{ secrets.TOKEN }}" x
                        ^
wf.yaml:6:46: unknown secret 'TOKN' (did you mean 'TOKEN'?)
      env: {T: "${{ secrets.TOKEN }}", U: "${{ secrets.TOKN }}", V: "${{ secrets.OTHER }}"}
                                               ^
wf.yaml:6:72: unknown secret 'OTHER': declare it in 'secrets'
      env: {T: "${{ secrets.TOKEN }}", U: "${{ secrets.TOKN }}", V: "${{ secrets.OTHER }}"}
                                                                         ^
wf.yaml:7:23: secrets cannot be used in 'outputs': step outputs are stored in the journal
      outputs: {o: "${{ secrets.TOKEN }}"}
                        ^
wf.yaml:9:21: secrets cannot be used in 'run' text, where they would be shown and stored; pass the secret as an environment variable: set env: { TOKEN: ${{ secrets.TOKEN }} } and use $TOKEN in the command
        run: echo ${{ secrets.TOKEN }}
                      ^
wf.yaml:12:10: secrets cannot be used in 'outputs': workflow outputs are stored with the run
    s: ${{ secrets.TOKEN }}
           ^
)");
    check_diagnostics(R"(steps:
  a: {run: "echo ${{ secrets }}"}
)",
                      R"(wf.yaml:2:22: secrets cannot be used in 'run' text, where they would be shown and stored; pass the secret as an environment variable: set env: { NAME: ${{ secrets.NAME }} } and use $NAME in the command
    a: {run: "echo ${{ secrets }}"}
                       ^
)");
  }

  TEST_CASE("expressions that do not parse, unknown contexts and functions") {
    check_diagnostics(R"(steps:
  a:
    run: echo ${{ 1 + }}
  b:
    run: echo ${{ lenght(inputs.x) }}
  c:
    run: echo ${{ input.x }} ${{ foo }}
  d:
    run: echo ${{ inputs.x
  e:
    run: echo ${{ 'abc }}
  f:
    run: echo ${{ toJSON(steps) }} ${{ frobnicate(1) }}
inputs:
  x: {type: string, default: ""}
)",
                      R"(wf.yaml:3:21: invalid expression in 'run': unexpected '+'
      run: echo ${{ 1 + }}
                      ^
wf.yaml:5:19: invalid expression in 'run': unknown function 'lenght' (did you mean 'length'?)
      run: echo ${{ lenght(inputs.x) }}
                    ^
wf.yaml:7:19: unknown context 'input' (did you mean 'inputs'?); contexts are inputs, env, secrets, steps, matrix, run, attempt
      run: echo ${{ input.x }} ${{ foo }}
                    ^
wf.yaml:7:34: unknown context 'foo'; contexts are inputs, env, secrets, steps, matrix, run, attempt
      run: echo ${{ input.x }} ${{ foo }}
                                   ^
wf.yaml:9:15: invalid expression in 'run': unterminated expression: missing '}}'
      run: echo ${{ inputs.x
                ^
wf.yaml:11:19: invalid expression in 'run': unterminated string literal
      run: echo ${{ 'abc }}
                    ^
wf.yaml:13:40: invalid expression in 'run': unknown function 'frobnicate'
      run: echo ${{ toJSON(steps) }} ${{ frobnicate(1) }}
                                         ^
)");
  }

  TEST_CASE("names in expressions are case-insensitive, as in GitHub Actions") {
    load_ok(R"(secrets: [DEPLOY_TOKEN]
inputs:
  Branch: {type: string, default: main}
steps:
  build:
    run: echo ${{ INPUTS.branch }} ${{ Run.ID }} ${{ toJson(inputs) }}
  test:
    needs: build
    matrix: {os: [a, b]}
    if: Steps.BUILD.Status == 'SUCCEEDED' && startswith(matrix.OS, 'A')
    run: echo ${{ steps.Build.OUTPUTS.x }} ${{ MATRIX.os }}
    env: {T: "${{ Secrets.deploy_token }}"}
    retry: {max_attempts: 2, when: "${{ ATTEMPT.Exit_Code == 1 }}"}
)");
    check_diagnostics(R"(secrets: [DEPLOY_TOKEN]
steps:
  build: {run: x}
  test:
    run: echo ${{ steps.BUILD.outputs.x }} ${{ Steps.build.OUTPUT }}
    env: {T: "${{ SECRETS.deploy_tokn }}", U: "${{ TOJSN(1) }}", V: "${{ ENV.x }} ${{ Inputs.BRANCH }}"}
  deploy:
    run: x
    env: {T: "${{ env.deploy_token }}"}
inputs:
  branch: {type: string, default: main}
)",
                      R"(wf.yaml:5:19: step 'test' reads steps.BUILD but does not depend on it: add 'build' to its needs
      run: echo ${{ steps.BUILD.outputs.x }} ${{ Steps.build.OUTPUT }}
                    ^
wf.yaml:5:48: unknown step field 'OUTPUT' in steps.build.OUTPUT (did you mean 'outputs'?)
      run: echo ${{ steps.BUILD.outputs.x }} ${{ Steps.build.OUTPUT }}
                                                 ^
wf.yaml:6:19: unknown secret 'deploy_tokn' (did you mean 'DEPLOY_TOKEN'?)
      env: {T: "${{ SECRETS.deploy_tokn }}", U: "${{ TOJSN(1) }}", V: "${{ ENV.x }} ${{ Inputs.BRANCH }}"}
                    ^
wf.yaml:6:52: invalid expression in 'env': unknown function 'TOJSN' (did you mean 'toJSON'?)
      env: {T: "${{ SECRETS.deploy_tokn }}", U: "${{ TOJSN(1) }}", V: "${{ ENV.x }} ${{ Inputs.BRANCH }}"}
                                                     ^
wf.yaml:9:19: env.deploy_token is a secret, and the env context holds no secrets: use ${{ secrets.deploy_token }}
      env: {T: "${{ env.deploy_token }}"}
                    ^
)");
  }

  TEST_CASE("if and retry.when with and without ${{ }}") {
    check_diagnostics(R"(steps:
  a:
    run: x
    if: inputs.x == 'y' && ${{ true }}
  b:
    run: x
    if: inputs.y == 1
  c:
    run: x
    if: "${{ success() }} && inputs.x"
  d:
    run: x
    if: ${{ inputs.x == 'y' }}
    retry: {max_attempts: 2, when: attempt.exit_code == 1 && attempt.eror}
  e:
    run: x
    if: ((
  f:
    run: x
    retry: {max_attempts: 2, when: "${{ attempt.exit_code }} == 2"}
defaults:
  retry: {when: attempt.timed_out || atempt.error}
inputs:
  x: {type: string, default: ""}
)",
                      R"(wf.yaml:4:9: 'if' mixes text with ${{ }}: the result would be a string, which is always true; write the whole condition inside one ${{ }}, or without ${{ }}
      if: inputs.x == 'y' && ${{ true }}
          ^
wf.yaml:7:9: unknown input 'y' in inputs.y; known: x
      if: inputs.y == 1
          ^
wf.yaml:10:9: 'if' mixes text with ${{ }}: the result would be a string, which is always true; write the whole condition inside one ${{ }}, or without ${{ }}
      if: "${{ success() }} && inputs.x"
          ^
wf.yaml:14:62: unknown attempt field 'eror' in attempt.eror (did you mean 'error'?)
      retry: {max_attempts: 2, when: attempt.exit_code == 1 && attempt.eror}
                                                               ^
wf.yaml:17:9: invalid expression in 'if': unexpected end of expression
      if: ((
          ^
wf.yaml:20:36: 'retry.when' mixes text with ${{ }}: the result would be a string, which is always true; write the whole condition inside one ${{ }}, or without ${{ }}
      retry: {max_attempts: 2, when: "${{ attempt.exit_code }} == 2"}
                                     ^
wf.yaml:22:38: unknown context 'atempt' (did you mean 'attempt'?); contexts are inputs, env, secrets, steps, matrix, run, attempt
    retry: {when: attempt.timed_out || atempt.error}
                                       ^
)");
  }

  TEST_CASE("attempt only in retry.when, run fields") {
    check_diagnostics(R"(steps:
  a:
    run: echo ${{ attempt.number }} ${{ run.id }} ${{ run.dir }} ${{ run.attempt }} ${{ run.workflow }} ${{ run.failed_step }} ${{ run.idd }} ${{ run.foo }}
    retry: {when: "${{ attempt.number < 3 && attempt.exit_code != 2 && !attempt.timed_out && attempt.error == '' && attempt.nmber }}"}
)",
                      R"(wf.yaml:3:19: 'attempt' is only available in retry.when, not in 'run'
      run: echo ${{ attempt.number }} ${{ run.id }} ${{ run.dir }} ${{ run.attempt }} ${{ run.workflow }} ${{ run.failed_step }} ${{ run.idd }} ${{ run.foo }}
                    ^
wf.yaml:3:132: unknown run field 'idd' in run.idd (did you mean 'id'?)
      run: echo ${{ attempt.number }} ${{ run.id }} ${{ run.dir }} ${{ run.attempt }} ${{ run.workflow }} ${{ run.failed_step }} ${{ run.idd }} ${{ run.foo }}
                                                                                                                                     ^
wf.yaml:3:147: unknown run field 'foo' in run.foo; known: id, dir, attempt, workflow, failed_step
      run: echo ${{ attempt.number }} ${{ run.id }} ${{ run.dir }} ${{ run.attempt }} ${{ run.workflow }} ${{ run.failed_step }} ${{ run.idd }} ${{ run.foo }}
                                                                                                                                                    ^
wf.yaml:4:117: unknown attempt field 'nmber' in attempt.nmber (did you mean 'number'?)
      retry: {when: "${{ attempt.number < 3 && attempt.exit_code != 2 && !attempt.timed_out && attempt.error == '' && attempt.nmber }}"}
                                                                                                                      ^
)");
  }

  TEST_CASE("steps references: unknown, fields, upstream, own, sections") {
    check_diagnostics(R"(env:
  A: ${{ steps.a.outputs.x }}
steps:
  a: {run: x}
  b:
    run: echo ${{ steps.a.outputs.x }} ${{ steps.c.status }} ${{ steps.zz.status }} ${{ steps.a.output }} ${{ steps.a.foo }}
    needs: [a]
    env: {X: "${{ steps.b.outputs.y }}"}
    outputs: {y: "${{ steps.b.stdout }}"}
    compensate: {run: "echo ${{ steps.b.outputs.y }}"}
  c:
    run: echo ${{ steps.b.outputs.y }} ${{ steps.report.status }}
    needs: a
  d:
    run: echo ${{ steps.a.exit_code }} ${{ steps.a.stdout }} ${{ steps.a.attempts }} ${{ steps.a.duration_ms }} ${{ steps.a.error }} ${{ steps['a'].status }}
    needs: [b]
on_failure:
  tell:
    run: echo ${{ steps.a.status }} ${{ steps.report.status }}
finally:
  report:
    run: echo ${{ steps.tell.status }} ${{ steps.d.outputs }}
outputs:
  x: ${{ steps.d.outputs.x }}
  y: ${{ steps.nope.outputs.x }}
)",
                      R"(wf.yaml:2:10: 'steps' is not available in workflow-level 'env': no step has run yet
    A: ${{ steps.a.outputs.x }}
           ^
wf.yaml:6:44: step 'b' reads steps.c but does not depend on it: add 'c' to its needs
      run: echo ${{ steps.a.outputs.x }} ${{ steps.c.status }} ${{ steps.zz.status }} ${{ steps.a.output }} ${{ steps.a.foo }}
                                             ^
wf.yaml:6:66: unknown step 'zz' in steps.zz
      run: echo ${{ steps.a.outputs.x }} ${{ steps.c.status }} ${{ steps.zz.status }} ${{ steps.a.output }} ${{ steps.a.foo }}
                                                                   ^
wf.yaml:6:89: unknown step field 'output' in steps.a.output (did you mean 'outputs'?)
      run: echo ${{ steps.a.outputs.x }} ${{ steps.c.status }} ${{ steps.zz.status }} ${{ steps.a.output }} ${{ steps.a.foo }}
                                                                                          ^
wf.yaml:6:111: unknown step field 'foo' in steps.a.foo; known: outputs, status, exit_code, stdout, attempts, duration_ms, error
      run: echo ${{ steps.a.outputs.x }} ${{ steps.c.status }} ${{ steps.zz.status }} ${{ steps.a.output }} ${{ steps.a.foo }}
                                                                                                                ^
wf.yaml:8:19: step 'b' reads its own steps.b in 'env': it has not finished yet; use it in 'outputs' or 'compensate'
      env: {X: "${{ steps.b.outputs.y }}"}
                    ^
wf.yaml:12:19: step 'c' reads steps.b but does not depend on it: add 'b' to its needs
      run: echo ${{ steps.b.outputs.y }} ${{ steps.report.status }}
                    ^
wf.yaml:12:44: step 'c' reads steps.report, but 'report' is in 'finally', which runs after 'steps'
      run: echo ${{ steps.b.outputs.y }} ${{ steps.report.status }}
                                             ^
wf.yaml:19:41: step 'tell' reads steps.report, but 'report' is in 'finally', which runs after 'on_failure'
      run: echo ${{ steps.a.status }} ${{ steps.report.status }}
                                          ^
wf.yaml:25:10: unknown step 'nope' in steps.nope
    y: ${{ steps.nope.outputs.x }}
           ^
)");
  }

  TEST_CASE("matrix: axes, include, exclude, availability") {
    check_diagnostics(R"(steps:
  a:
    run: echo ${{ matrix.os }} ${{ matrix.arch }} ${{ matrix.extra }} ${{ matrix.oss }}
    matrix:
      os: [linux, mac]
      arch: [x64]
      include: [{os: linux, extra: 1}]
      exclude: [{os: mac}]
  b:
    run: echo ${{ matrix.os }}
  c:
    run: x
    matrix: {include: {os: a}, exclude: [x], os: [], arch: x}
  d:
    run: x
    matrix: {}
  e:
    run: echo ${{ matrix.value }} ${{ matrix.anything }}
    matrix: ${{ fromJSON(inputs.list) }}
  f:
    run: x
    matrix: "list: ${{ inputs.list }}"
  g:
    run: echo ${{ matrix.n }} ${{ matrix.m }}
    matrix: {n: "${{ fromJSON(inputs.list) }}", m: "${{ matrix.n }}"}
  h:
    run: x
    matrix: [a, b]
env:
  M: ${{ matrix.os }}
inputs:
  list: {type: string, default: "[1]"}
)",
                      R"(wf.yaml:3:75: unknown matrix axis 'oss' in matrix.oss (did you mean 'os'?)
      run: echo ${{ matrix.os }} ${{ matrix.arch }} ${{ matrix.extra }} ${{ matrix.oss }}
                                                                            ^
wf.yaml:10:19: 'matrix' is not available in 'run' of step 'b': the step has no 'matrix'
      run: echo ${{ matrix.os }}
                    ^
wf.yaml:13:23: matrix 'include' must be a list of maps, e.g. [{ os: a }], got a map
      matrix: {include: {os: a}, exclude: [x], os: [], arch: x}
                        ^
wf.yaml:13:42: each matrix 'exclude' entry must be a map, got 'x'
      matrix: {include: {os: a}, exclude: [x], os: [], arch: x}
                                           ^
wf.yaml:13:50: matrix axis 'os' must be a non-empty list or an expression giving one, got an empty list
      matrix: {include: {os: a}, exclude: [x], os: [], arch: x}
                                                   ^
wf.yaml:13:60: matrix axis 'arch' must be a non-empty list or an expression giving one, got 'x'
      matrix: {include: {os: a}, exclude: [x], os: [], arch: x}
                                                             ^
wf.yaml:16:13: 'matrix' has no axes: give at least one list, e.g. { os: [a, b] }
      matrix: {}
              ^
wf.yaml:22:13: 'matrix' must be a map of axes to lists (e.g. { os: [a, b] }) or one ${{ }} expression giving a list, got 'list: ${{ inputs.list }}'
      matrix: "list: ${{ inputs.list }}"
              ^
wf.yaml:25:57: 'matrix' cannot be used in the 'matrix' of step 'g' itself: an axis is known only once the matrix is expanded
      matrix: {n: "${{ fromJSON(inputs.list) }}", m: "${{ matrix.n }}"}
                                                          ^
wf.yaml:28:13: 'matrix' must be a map of axes to lists (e.g. { os: [a, b] }) or one ${{ }} expression giving a list, got a list
      matrix: [a, b]
              ^
wf.yaml:30:10: 'matrix' is not available in workflow-level 'env': only a step with a 'matrix' has it
    M: ${{ matrix.os }}
           ^
)");
  }

  TEST_CASE("carets land on the expression in plain, quoted and block scalars") {
    check_diagnostics("steps:\n"
                      "  plain:\n"
                      "    run: echo ${{ inputs.p }} and ${{ inputs.p }}\n"
                      "  double:\n"
                      "    run: \"echo \\\"${{ inputs.d }}\\\" and ${{ inputs.d }}\"\n"
                      "  single:\n"
                      "    run: 'echo ''${{ inputs.s }}'' and ${{ format(''{0}'', inputs.s) }}'\n"
                      "  literal:\n"
                      "    run: |\n"
                      "      echo first\n"
                      "      echo ${{ inputs.l }} ${{ inputs.l }}\n"
                      "  folded:\n"
                      "    run: >\n"
                      "      echo ${{ inputs.f }}\n"
                      "      ${{ inputs.f }}\n"
                      "  prefix:\n"
                      "    run: echo ${{ inputs.ab }} ${{ inputs.a }}\n"
                      "inputs:\n"
                      "  z: {type: string, default: \"\"}\n",
                      "wf.yaml:3:19: unknown input 'p' in inputs.p; known: z\n"
                      "      run: echo ${{ inputs.p }} and ${{ inputs.p }}\n"
                      "                    ^\n"
                      "wf.yaml:3:39: unknown input 'p' in inputs.p; known: z\n"
                      "      run: echo ${{ inputs.p }} and ${{ inputs.p }}\n"
                      "                                        ^\n"
                      "wf.yaml:5:22: unknown input 'd' in inputs.d; known: z\n"
                      "      run: \"echo \\\"${{ inputs.d }}\\\" and ${{ inputs.d }}\"\n"
                      "                       ^\n"
                      "wf.yaml:5:44: unknown input 'd' in inputs.d; known: z\n"
                      "      run: \"echo \\\"${{ inputs.d }}\\\" and ${{ inputs.d }}\"\n"
                      "                                             ^\n"
                      "wf.yaml:7:22: unknown input 's' in inputs.s; known: z\n"
                      "      run: 'echo ''${{ inputs.s }}'' and ${{ format(''{0}'', inputs.s) }}'\n"
                      "                       ^\n"
                      "wf.yaml:7:60: unknown input 's' in inputs.s; known: z\n"
                      "      run: 'echo ''${{ inputs.s }}'' and ${{ format(''{0}'', inputs.s) }}'\n"
                      "                                                             ^\n"
                      "wf.yaml:11:16: unknown input 'l' in inputs.l; known: z\n"
                      "        echo ${{ inputs.l }} ${{ inputs.l }}\n"
                      "                 ^\n"
                      "wf.yaml:11:32: unknown input 'l' in inputs.l; known: z\n"
                      "        echo ${{ inputs.l }} ${{ inputs.l }}\n"
                      "                                 ^\n"
                      "wf.yaml:14:16: unknown input 'f' in inputs.f; known: z\n"
                      "        echo ${{ inputs.f }}\n"
                      "                 ^\n"
                      "wf.yaml:15:11: unknown input 'f' in inputs.f; known: z\n"
                      "        ${{ inputs.f }}\n"
                      "            ^\n"
                      "wf.yaml:17:19: unknown input 'ab' in inputs.ab; known: z\n"
                      "      run: echo ${{ inputs.ab }} ${{ inputs.a }}\n"
                      "                    ^\n"
                      "wf.yaml:17:36: unknown input 'a' in inputs.a; known: z\n"
                      "      run: echo ${{ inputs.ab }} ${{ inputs.a }}\n"
                      "                                     ^\n");
  }

  TEST_CASE("every problem of a file at once, sorted by position") {
    check_diagnostics(R"(version: 1
name: demo
inputs:
  count: {type: numbr, default: 3}
secrets: [TOKEN]
steps:
  fetch:
    run: 'curl -H "Authorization: ${{ secrets.TOKEN }}" https://example.com'
    timeout: 10x
  build:
    run: make ${{ inputs.cuont }}
    needs: [fetch, tests]
    retry: {max_atempts: 3}
  test:
    uses: slep
    needs: [package]
  package:
    run: tar
    needs: test
    if: ${{ lenght(inputs.count) }}
  build:
    run: again
)",
                      R"(wf.yaml:4:17: unknown input type 'numbr' (did you mean 'number'?); the types are string, number, boolean, list and choice
    count: {type: numbr, default: 3}
                  ^
wf.yaml:8:39: secrets cannot be used in 'run' text, where they would be shown and stored; pass the secret as an environment variable: set env: { TOKEN: ${{ secrets.TOKEN }} } and use $TOKEN in the command
      run: 'curl -H "Authorization: ${{ secrets.TOKEN }}" https://example.com'
                                        ^
wf.yaml:9:14: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '10x'
      timeout: 10x
               ^
wf.yaml:11:19: unknown input 'cuont' in inputs.cuont (did you mean 'count'?)
      run: make ${{ inputs.cuont }}
                    ^
wf.yaml:12:20: step 'build' needs unknown step 'tests' (did you mean 'test'?)
      needs: [fetch, tests]
                     ^
wf.yaml:13:13: unknown key 'max_atempts' in 'retry' (did you mean 'max_attempts'?)
      retry: {max_atempts: 3}
              ^
wf.yaml:15:11: unknown step kind 'slep' (did you mean 'sleep'?)
      uses: slep
            ^
wf.yaml:19:12: dependency cycle: package needs test, test needs package; remove one of these needs
      needs: test
             ^
wf.yaml:20:13: invalid expression in 'if': unknown function 'lenght' (did you mean 'length'?)
      if: ${{ lenght(inputs.count) }}
              ^
wf.yaml:21:3: duplicate step id 'build' (first defined at line 10); ids must be unique across steps, on_failure and finally
    build:
    ^
)");
  }

  TEST_CASE("tabs after the indentation are fine") {
    const Workflow& wf = load_ok("steps:\n  a:\t{run: x}\n  b: {run: y}\t# a comment\n");
    REQUIRE(wf.steps.size() == 2);
    CHECK(wf.steps[0].run->text == "x");
    CHECK(wf.steps[1].run->text == "y");
  }

  TEST_CASE("secrets in env and expressions in if without ${{ }} are accepted") {
    const Workflow& wf = load_ok(R"(secrets: [TOKEN]
inputs:
  n: {type: number, default: 2}
steps:
  a:
    run: 'curl -H "Authorization: $TOKEN" https://example.com'
    env: {TOKEN: "${{ secrets.TOKEN }}"}
    if: inputs.n > 1 && !cancelled()
    retry: {max_attempts: 3, when: "attempt.exit_code != 2 || attempt.timed_out"}
)");
    REQUIRE(wf.steps.size() == 1);
    CHECK(wf.steps[0].if_expr->text == "inputs.n > 1 && !cancelled()");
    CHECK(wf.steps[0].if_expr->pos.line == 8);
    CHECK(wf.steps[0].if_expr->pos.column == 9);
    CHECK(wf.steps[0].retry.when->text == "attempt.exit_code != 2 || attempt.timed_out");
  }

  TEST_CASE("a valid file loads into the model") {
    const std::string source = R"(version: 1
name: quality-gate
description: Run the checks
inputs:
  branch: { type: string, default: main }
  required: { type: number, default: 85, description: minimum score }
  auto_fix: { type: boolean, default: true }
  checks: { type: list, default: [tests, lint] }
  level: { type: choice, options: [quick, full], default: quick }
  target: { type: string }
secrets: [GITHUB_TOKEN]
env: { CI: "true", BRANCH: "${{ inputs.branch }}" }
defaults:
  timeout: 10m
  retry: { max_attempts: 2, initial_interval: 500ms }
  shell: sh
  working_directory: src
concurrency: 4
steps:
  test:
    run: make test
    timeout: 15m
    retry:
      max_attempts: 3
      initial_interval: 1s
      backoff: 1.5
      max_interval: 1m
      jitter: 0
      non_retryable_exit_codes: [2, 3]
      when: ${{ attempt.exit_code != 2 }}
  lint:
    name: Lint the code
    matrix: { tool: [clang-tidy, cppcheck], include: [{ tool: cppcheck, strict: true }], exclude: [{ tool: none }] }
    max_parallel: 2
    fail_fast: false
    run: ${{ matrix.tool }} src/
    continue_on_error: true
    shell: bash
    working_directory: ${{ inputs.branch }}
    env: { LEVEL: "${{ inputs.level }}" }
  wait:
    needs: [test, lint]
    uses: sleep
    with: { duration: 1s }
  deploy:
    needs: wait
    if: ${{ steps.lint.status == 'succeeded' }}
    run: ./deploy.sh
    outputs: { url: "${{ steps.deploy.outputs.url }}" }
    compensate:
      run: ./rollback.sh ${{ steps.deploy.outputs.url }}
      timeout: 30s
on_failure:
  tell:
    uses: wait
    with: { signal: ack, timeout: 1h }
finally:
  report:
    run: echo done
outputs:
  url: ${{ steps.deploy.outputs.url }}
)";
    const Workflow& wf = load_ok(source);
    CHECK(wf.file == "wf.yaml");
    CHECK(wf.source == source);
    CHECK(wf.source_hash == sha256_hex(source));
    CHECK(wf.version == 1);
    CHECK(wf.name == "quality-gate");
    CHECK(wf.description == "Run the checks");
    REQUIRE(wf.inputs.size() == 6);
    CHECK(wf.inputs[0].name == "branch");
    CHECK(wf.inputs[0].type == InputType::string);
    CHECK(*wf.inputs[0].default_value == Value("main"));
    CHECK(wf.inputs[1].type == InputType::number);
    CHECK(*wf.inputs[1].default_value == Value(85));
    CHECK(wf.inputs[1].description == "minimum score");
    CHECK(*wf.inputs[2].default_value == Value(true));
    CHECK(*wf.inputs[3].default_value == Value::parse(R"(["tests","lint"])"));
    CHECK(wf.inputs[4].type == InputType::choice);
    CHECK(Value(wf.inputs[4].options) == Value::parse(R"(["quick","full"])"));
    CHECK(*wf.inputs[4].default_value == Value("quick"));
    CHECK_FALSE(wf.inputs[5].default_value.has_value());
    CHECK(wf.inputs[5].pos.line == 10);
    CHECK(wf.inputs[5].pos.column == 3);
    CHECK(wf.secrets == std::vector<std::string>{"GITHUB_TOKEN"});
    REQUIRE(wf.env.size() == 2);
    CHECK(wf.env[1].first == "BRANCH");
    CHECK(wf.env[1].second.text == "${{ inputs.branch }}");
    CHECK(*wf.default_timeout == 10min);
    CHECK(wf.default_retry.max_attempts == 2);
    CHECK(wf.default_retry.initial_interval == 500ms);
    CHECK(wf.default_shell == "sh");
    CHECK(wf.default_working_directory->text == "src");
    CHECK(wf.concurrency == 4);
    CHECK(wf.outputs.size() == 1);

    REQUIRE(wf.steps.size() == 6);
    const StepDef& test = wf.steps[0];
    CHECK(test.id == "test");
    CHECK(test.name.empty());
    CHECK(test.pos.line == 20);
    CHECK(test.pos.column == 3);
    CHECK(test.phase == Phase::main);
    CHECK(test.uses == "shell");
    CHECK(test.run->text == "make test");
    CHECK(*test.timeout == 15min);
    CHECK(test.retry.max_attempts == 3);
    CHECK(test.retry.initial_interval == 1s);
    CHECK(test.retry.backoff == 1.5);
    CHECK(test.retry.max_interval == 1min);
    CHECK(test.retry.jitter == 0.0);
    CHECK(test.retry.non_retryable_exit_codes == std::vector<int>{2, 3});
    CHECK(test.retry.when->text == "${{ attempt.exit_code != 2 }}");
    CHECK(test.shell.empty());

    const StepDef& lint = wf.steps[1];
    CHECK(lint.name == "Lint the code");
    REQUIRE(lint.matrix.has_value());
    CHECK(lint.matrix->axes == Value::parse(R"({"tool":["clang-tidy","cppcheck"]})"));
    CHECK(Value(lint.matrix->include) == Value::parse(R"([{"tool":"cppcheck","strict":true}])"));
    CHECK(Value(lint.matrix->exclude) == Value::parse(R"([{"tool":"none"}])"));
    CHECK_FALSE(lint.matrix->from.has_value());
    CHECK(lint.max_parallel == 2);
    CHECK_FALSE(lint.fail_fast);
    CHECK(lint.continue_on_error);
    CHECK(lint.shell == "bash");
    CHECK(lint.working_directory->text == "${{ inputs.branch }}");
    CHECK(lint.env.size() == 1);
    // Steps without their own timeout and retry take the defaults.
    CHECK(*lint.timeout == 10min);
    CHECK(lint.retry.max_attempts == 2);
    CHECK(lint.retry.initial_interval == 500ms);

    const StepDef& wait = wf.steps[2];
    CHECK(wait.uses == "sleep");
    CHECK(wait.with == Value::parse(R"({"duration":"1s"})"));
    CHECK(wait.needs == std::vector<std::string>{"test", "lint"});
    REQUIRE(wait.needs_pos.size() == 2);
    CHECK(wait.needs_pos[1].line == 42);
    CHECK(wait.needs_pos[1].column == 19);

    const StepDef& deploy = wf.steps[3];
    CHECK(deploy.needs == std::vector<std::string>{"wait"});
    CHECK(deploy.outputs.size() == 1);
    REQUIRE(deploy.compensate != nullptr);
    CHECK(deploy.compensate->id == "deploy");
    CHECK(deploy.compensate->uses == "shell");
    CHECK(deploy.compensate->run->text == "./rollback.sh ${{ steps.deploy.outputs.url }}");
    CHECK(*deploy.compensate->timeout == 30s);

    CHECK(wf.steps[4].id == "tell");
    CHECK(wf.steps[4].phase == Phase::on_failure);
    CHECK(wf.steps[4].uses == "wait");
    CHECK(wf.steps[5].id == "report");
    CHECK(wf.steps[5].phase == Phase::finally);
    CHECK(wf.find_step("report") == &wf.steps[5]);
    CHECK(wf.find_step("nope") == nullptr);
  }

  TEST_CASE("the model's defaults when a file gives only steps") {
    const auto outcome = load("steps:\n  a: {run: x}\n  b: {run: y, needs: a}\n", "dir/my-flow.yaml");
    REQUIRE(outcome.ok());
    const Workflow& wf = *outcome.workflow;
    CHECK(wf.name == "my-flow");  // the file's stem
    CHECK(wf.version == 1);
    CHECK(wf.default_shell == "bash");
    CHECK_FALSE(wf.default_timeout.has_value());
    CHECK(wf.concurrency == 0);
    const StepDef& a = wf.steps[0];
    CHECK_FALSE(a.timeout.has_value());
    CHECK(a.retry.max_attempts == 1);
    CHECK(a.retry.initial_interval == 1s);
    CHECK(a.retry.backoff == 2.0);
    CHECK(a.retry.max_interval == 1min);
    CHECK(a.retry.jitter == 0.2);
    CHECK(a.retry.non_retryable_exit_codes.empty());
    CHECK(a.fail_fast);
    CHECK_FALSE(a.continue_on_error);
    CHECK(a.max_parallel == 0);
    CHECK(wf.steps[1].needs == std::vector<std::string>{"a"});
  }

  TEST_CASE("a matrix from an expression, and axes given as expressions") {
    const Workflow& wf = load_ok(R"(inputs:
  list: {type: list, default: [1, 2]}
steps:
  a:
    run: echo ${{ matrix.value }}
    matrix: ${{ inputs.list }}
  b:
    run: echo ${{ matrix.n }} ${{ matrix.os }}
    matrix: {n: "${{ inputs.list }}", os: [linux]}
)");
    REQUIRE(wf.steps[0].matrix->from.has_value());
    CHECK(wf.steps[0].matrix->from->text == "${{ inputs.list }}");
    CHECK(wf.steps[0].matrix->axes.empty());
    const MatrixDef& b = *wf.steps[1].matrix;
    CHECK(b.axes == Value::parse(R"({"n":"${{ inputs.list }}","os":["linux"]})"));
    REQUIRE(b.axis_positions.size() == 1);
    CHECK(b.axis_positions[0].first == "n");
    CHECK(b.axis_positions[0].second.line == 9);
    CHECK(b.axis_positions[0].second.column == 17);
  }

  TEST_CASE("an unreadable file is one diagnostic without a position") {
    test::ScratchDir dir;
    const std::string file = (dir / "missing.yaml").string();
    const LoadOutcome outcome = load_workflow_file(file, kinds());
    CHECK_FALSE(outcome.ok());
    REQUIRE(outcome.diagnostics.size() == 1);
    CHECK(outcome.diagnostics[0].pos.line == 0);
    CHECK(outcome.rendered == file + ": cannot read the workflow file: No such file or directory\n");
  }

  TEST_CASE("load_workflow_file reads the file") {
    test::ScratchDir dir;
    const auto file = dir.write("flow.yaml", "steps:\n  a: {run: x, timeout: 1x}\n");
    const LoadOutcome outcome = load_workflow_file(file.string(), kinds());
    CHECK(outcome.rendered == file.string() + R"(:2:24: 'timeout' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, 90s, 10m, 1h30m; got '1x'
    a: {run: x, timeout: 1x}
                         ^
)");
  }

  TEST_CASE("diagnostics are data: file, position, message, source line") {
    const LoadOutcome outcome = load("steps:\n  b: {run: x, needs: [zz]}\n  a: {uses: slep}\n");
    REQUIRE(outcome.diagnostics.size() == 2);
    // In the order found (reading, then the whole-file checks); `rendered`
    // sorts them by position.
    const Diagnostic& first = outcome.diagnostics[0];
    CHECK(first.file == "wf.yaml");
    CHECK(first.pos.line == 3);
    CHECK(first.pos.column == 13);
    CHECK(first.message == "unknown step kind 'slep' (did you mean 'sleep'?)");
    CHECK(first.source_line == "  a: {uses: slep}");
    const Diagnostic& second = outcome.diagnostics[1];
    CHECK(second.pos.line == 2);
    CHECK(second.pos.column == 23);
    CHECK(second.message == "step 'b' needs unknown step 'zz'");
    CHECK(outcome.rendered == R"(wf.yaml:2:23: step 'b' needs unknown step 'zz'
    b: {run: x, needs: [zz]}
                        ^
wf.yaml:3:13: unknown step kind 'slep' (did you mean 'sleep'?)
    a: {uses: slep}
              ^
)");
  }

  TEST_CASE("topological_order places needs first, per section") {
    const Workflow& wf = load_ok(R"(steps:
  d: {run: x, needs: [b, c]}
  c: {run: x, needs: a}
  b: {run: x, needs: a}
  a: {run: x}
  e: {run: x}
finally:
  g: {run: x, needs: f}
  f: {run: x}
)");
    std::vector<std::string> main;
    for (const StepDef* step : topological_order(wf, Phase::main)) {
      main.push_back(step->id);
    }
    CHECK(main == std::vector<std::string>{"a", "b", "c", "d", "e"});
    std::vector<std::string> last;
    for (const StepDef* step : topological_order(wf, Phase::finally)) {
      last.push_back(step->id);
    }
    CHECK(last == std::vector<std::string>{"f", "g"});
    CHECK(topological_order(wf, Phase::on_failure).empty());
  }
}

TEST_SUITE("durations") {
  TEST_CASE("parse_duration: numbers with units, summed") {
    const std::vector<std::pair<std::string, Duration>> good = {
        {"0s", 0ms},          {"0ms", 0ms},        {"500ms", 500ms},    {"1s", 1s},          {"90s", 90s},
        {"10m", 10min},       {"2h", 2h},          {"1d", 24h},         {"1h30m", 90min},    {"1m30s", 90s},
        {"1.5s", 1500ms},     {"0.25m", 15s},      {"1s500ms", 1500ms}, {"1.0005s", 1001ms}, {"2h2h", 4h},
        {"007s", 7s},         {"0.0004s", 0ms},    {"1d2h3m4s5ms", 93784005ms},
    };
    for (const auto& [text, expected] : good) {
      INFO(text);
      const auto parsed = parse_duration(text);
      REQUIRE(parsed.has_value());
      CHECK(parsed->count() == expected.count());
    }
  }

  TEST_CASE("parse_duration refuses anything else") {
    for (const char* text : {"", "10", "s", "ms", "10x", "1 s", " 1s", "1s ", "-1s", "+1s", "1S", "1H", "1.s5",
                             "1.2.3s", "1sec", "1min", "1hour", "1w", "1y", "1e3s", "1,5s", ".", "1h 30m"}) {
      INFO(text);
      CHECK_FALSE(parse_duration(text).has_value());
    }
  }

  TEST_CASE("format_duration_spec writes the largest whole unit") {
    const std::vector<std::pair<Duration, std::string>> table = {
        {0ms, "0s"},       {1ms, "1ms"},     {999ms, "999ms"}, {1000ms, "1s"},  {1500ms, "1500ms"},
        {59s, "59s"},      {60s, "1m"},      {90s, "90s"},     {10min, "10m"},  {90min, "90m"},
        {1h, "1h"},        {48h, "48h"},     {3601s, "3601s"}, {61min, "61m"},
    };
    for (const auto& [duration, text] : table) {
      INFO(text);
      CHECK(format_duration_spec(duration) == text);
      // What it writes reads back as the same duration.
      CHECK(parse_duration(format_duration_spec(duration))->count() == duration.count());
    }
  }
}

TEST_SUITE("yaml values") {
  TEST_CASE("plain scalars are typed, quoted ones are strings") {
    const YAML::Node root = YAML::Load(R"(
nulls: [~, null, Null, NULL, ]
empty:
bools: [true, True, TRUE, false, False, FALSE]
ints: [0, 12, -3, +7, 9223372036854775807]
floats: [1.5, -0.25, .5, 1e3, +2.5]
texts: [yes, no, on, inf, nan, -inf, .inf, +-1, 0x10, 1_000, 12a, "12", '1.5', "true", "null", 1.2.3]
nested: {a: [1, {b: ~}], c: text}
)");
    CHECK(yaml_to_value(root["nulls"]).dump() == "[null,null,null,null]");
    CHECK(yaml_to_value(root["empty"]).is_null());
    CHECK(yaml_to_value(root["bools"]).dump() == "[true,true,true,false,false,false]");
    CHECK(yaml_to_value(root["ints"]).dump() == "[0,12,-3,7,9223372036854775807]");
    const Value floats = yaml_to_value(root["floats"]);
    CHECK(floats.dump() == "[1.5,-0.25,0.5,1000.0,2.5]");
    CHECK(floats[3].is_number_float());
    CHECK(yaml_to_value(root["texts"]).dump() ==
          R"(["yes","no","on","inf","nan","-inf",".inf","+-1","0x10","1_000","12a","12","1.5","true","null","1.2.3"])");
    CHECK(yaml_to_value(root["nested"]).dump() == R"({"a":[1,{"b":null}],"c":"text"})");
    // Keys keep the file's order.
    CHECK(yaml_to_value(YAML::Load("{z: 1, a: 2, m: 3}")).dump() == R"({"z":1,"a":2,"m":3})");
  }

  TEST_CASE("position_of is 1-based") {
    const YAML::Node root = YAML::Load("a:\n  b: [x, y]\n");
    CHECK(position_of(root["a"]["b"][1]).line == 2);
    CHECK(position_of(root["a"]["b"][1]).column == 10);
    CHECK(is_plain_scalar(root["a"]["b"][0]));
    CHECK_FALSE(is_plain_scalar(YAML::Load("'x'")));
  }
}
