// Expressions are data, never shell code (shell_script.hpp): values from
// inputs, matrix values, step outputs and signal data reach a `run:` script
// as literal text, whatever they hold.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

const char* const k_flow = R"(version: 1
name: hostile
inputs:
  value: { type: string }
steps:
  input:
    run: |
      printf '%s' "${{ inputs.value }}" > input-quoted.txt
      printf '%s' ${{ inputs.value }} > input-bare.txt
      printf '%s' 'in single ${{ inputs.value }}' > input-single.txt
      printf '%s' "hello ${{ inputs.value }}" > input-greeting.txt
  produce:
    env: { V: "${{ inputs.value }}" }
    run: |
      d="END_$RANDOM$RANDOM$RANDOM"
      printf 'value<<%s\n%s\n%s\n' "$d" "$V" "$d" >> "$AUTOMATA_OUTPUT"
  consume:
    needs: [produce]
    run: printf '%s' "${{ steps.produce.outputs.value }}" > output.txt
  fan:
    matrix:
      v: ['$(touch PWNED)', '`touch PWNED`', '"; touch PWNED; echo "', "'; touch PWNED; echo '", 'a && touch PWNED']
    run: printf '%s\n' ${{ matrix.v }} >> matrix.txt
)";

const char* const k_signal_flow = R"(version: 1
name: hostile-signal
steps:
  gate:
    uses: wait
    with: { signal: go }
  use:
    needs: [gate]
    run: printf '%s' "${{ steps.gate.outputs.data.value }}" > signal.txt
)";

// What a model, a forge or an alert could send (no NUL: argv cannot hold one).
const std::vector<std::string> k_hostile = {
    "$(touch PWNED)",  "`touch PWNED`", "\"; touch PWNED; echo \"", "'; touch PWNED; echo '", "a && touch PWNED",
    "a; touch PWNED",  "*",             "line one\n$(touch PWNED)\nline three", "${HOME} $PATH",
    "}}; touch PWNED", "-n",            "END\ntouch PWNED",
};

std::vector<std::string> sorted_lines(const std::string& text) {
  auto lines = lines_of(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_SUITE("e2e expressions are data") {

TEST_CASE("hostile inputs, step outputs and matrix values reach run scripts as literal text") {
  for (const auto& value : k_hostile) {
    CAPTURE(value);
    Project p;
    p.write("hostile.yaml", k_flow);
    const auto outcome = p.run({"--output", "plain", "run", "hostile.yaml", "-i", "value=" + value});
    REQUIRE_MESSAGE(outcome.exit_code == 0, (outcome.out + outcome.err));
    CHECK(read_file(p.dir() / "input-quoted.txt") == value);
    CHECK(read_file(p.dir() / "input-bare.txt") == value);
    CHECK(read_file(p.dir() / "input-single.txt") == "in single " + value);
    CHECK(read_file(p.dir() / "input-greeting.txt") == "hello " + value);
    // $AUTOMATA_OUTPUT stores a value that parses as JSON as JSON ("\"x\"" is the string x).
    const Value typed = Value::parse(value, nullptr, false);
    CHECK(read_file(p.dir() / "output.txt") == (typed.is_string() ? typed.get<std::string>() : value));
    CHECK(sorted_lines(read_file(p.dir() / "matrix.txt")) ==
          sorted_lines("$(touch PWNED)\n`touch PWNED`\n\"; touch PWNED; echo \"\n'; touch PWNED; echo '\na && touch PWNED"));
    CHECK_FALSE(std::filesystem::exists(p.dir() / "PWNED"));
  }
}

TEST_CASE("hostile signal data reaches a run script as literal text; a NUL byte fails the step clearly") {
  Project p;
  p.write("signal.yaml", k_signal_flow);
  const auto paused = p.run({"--output", "plain", "run", "signal.yaml", "--run-id", "s"});
  REQUIRE(paused.exit_code == 4);
  const std::string value = "$(touch PWNED)\"; touch PWNED; '`touch PWNED`";
  const auto sent = p.run({"signal", "s", "go", "--data", Value{{"value", value}}.dump()});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
  const auto resumed = p.run({"--output", "plain", "resume", "s"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, (resumed.out + resumed.err));
  CHECK(read_file(p.dir() / "signal.txt") == value);
  CHECK_FALSE(std::filesystem::exists(p.dir() / "PWNED"));

  REQUIRE(p.run({"--output", "plain", "run", "signal.yaml", "--run-id", "nul"}).exit_code == 4);
  REQUIRE(p.run({"signal", "nul", "go", "--data", R"({"value": "a\u0000b"})"}).exit_code == 0);
  const auto failed = p.run({"--output", "plain", "resume", "nul"});
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find("run: the value of ${{ steps.gate.outputs.data.value }} holds a NUL byte, which no shell "
                        "variable can carry") != std::string::npos);
}

TEST_CASE("a value in arithmetic must be a number; eval runs a value as a command when a workflow says so") {
  Project p;
  p.write("math.yaml", R"yaml(version: 1
name: math
inputs:
  n: { type: string }
  command: { type: string, default: "echo from-eval > eval.txt" }
steps:
  add:
    run: echo "sum=$(( ${{ inputs.n }} + 1 ))" >> "$AUTOMATA_OUTPUT"
  command:
    run: eval "${{ inputs.command }}"
)yaml");
  const auto fine = p.run({"--output", "json", "run", "math.yaml", "-i", "n=41", "--run-id", "fine"});
  CHECK(fine.exit_code == 0);
  CHECK(p.run({"status", "fine", "--output", "json"}).json_lines().at(0)["steps"]["add"]["outputs"]["sum"] == 42);
  CHECK(read_file(p.dir() / "eval.txt") == "from-eval\n");
  const auto hostile = p.run({"--output", "plain", "run", "math.yaml", "-i", "n=a[$(touch PWNED)]", "--run-id", "bad"});
  CHECK(hostile.exit_code == 1);
  CHECK(hostile.out.find("run: ${{ inputs.n }} stands in arithmetic ($(( )) or (( ))), where the shell evaluates its "
                         "text and could run commands: it must be a whole number, got 'a[$(touch PWNED)]'") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(p.dir() / "PWNED"));
}

TEST_CASE("validate refuses what cannot reach a script as data, with its position") {
  Project p;
  p.write("bad.yaml", R"(version: 1
name: bad
inputs:
  x: { type: string }
steps:
  doc:
    run: |
      cat <<'EOF'
      ${{ inputs.x }}
      EOF
  py:
    shell: python3
    run: print("${{ inputs.x }}")
)");
  const auto outcome = p.run({"validate", "bad.yaml"});
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.err.find("bad.yaml:9:7: in 'run': an expression in a quoted here-document (<<'EOF') cannot reach "
                         "the script as data") != std::string::npos);
  CHECK(outcome.err.find("bad.yaml:13:17: in 'run': an expression cannot be passed safely into a 'python3' script: "
                         "map it in 'env:'") != std::string::npos);
}

TEST_CASE("matrix instances whose ids differ only in punctuation get their own logs and output files") {
  Project p;
  p.write("ids.yaml", R"(version: 1
name: ids
steps:
  t:
    matrix: { q: ["a b", "a:b", "a_b", "a%20b"] }
    run: |
      echo "log of ${{ matrix.q }}"
      sleep 0.2
      echo "q=${{ matrix.q }}" >> "$AUTOMATA_OUTPUT"
)");
  const auto r = p.run({"--output", "plain", "run", "ids.yaml", "--run-id", "ids"});
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  std::size_t logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(p.run_dir("ids") / "logs")) {
    (void)entry;
    ++logs;
  }
  CHECK(logs == 4);
  const auto status = p.run({"status", "ids", "--output", "json"});
  const Value steps = status.json_lines().at(0)["steps"];
  for (const std::string q : {"a b", "a:b", "a_b", "a%20b"}) {
    CAPTURE(q);
    const std::string id = "t[q=" + q + "]";
    REQUIRE(steps.contains(id));
    CHECK(steps[id]["outputs"]["q"] == q);
    const auto log = p.run({"logs", "ids", id});
    CHECK(log.out.find("\nlog of " + q + "\n") != std::string::npos);
    CHECK(count_of(log.out, "log of ") == 1);
  }
}

}  // TEST_SUITE
