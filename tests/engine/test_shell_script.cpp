#include "engine/shell_script.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/process.hpp"
#include "support/scratch.hpp"

namespace automata::engine {
namespace {

ShellScript prepared(std::string_view text, std::string_view shell = "bash") {
  auto result = prepare_shell_script(text, shell);
  if (auto* problem = std::get_if<ScriptProblem>(&result)) {
    FAIL_CHECK("unexpected problem at " << problem->offset << ": " << problem->message);
    return {};
  }
  return std::get<ShellScript>(std::move(result));
}

ScriptProblem problem_of(std::string_view text, std::string_view shell = "bash") {
  auto result = prepare_shell_script(text, shell);
  REQUIRE(std::holds_alternative<ScriptProblem>(result));
  return std::get<ScriptProblem>(result);
}

// Runs the prepared script with every slot set to `value`, in `cwd`.
std::string run_with(const std::string& shell, const ShellScript& script, const std::string& value,
                     const std::filesystem::path& cwd) {
  ProcessSpec spec;
  spec.argv = shell == "bash" ? std::vector<std::string>{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script.text}
                              : std::vector<std::string>{"sh", "-e", "-c", script.text};
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  for (const auto& slot : script.slots) {
    spec.env.push_back(slot.variable + "=" + value);
  }
  spec.cwd = cwd;
  std::string out;
  const CancelToken cancel;
  const auto outcome = PosixProcessLauncher().run(
      spec, [&](OutputStream stream, std::string_view chunk) {
        if (stream == OutputStream::out) {
          out.append(chunk);
        }
      },
      cancel);
  CHECK_MESSAGE(outcome.exit_code == 0, script.text);
  return out;
}

// Values a model, a forge or an alert could send: every one must reach the
// script as the literal text it is.
const std::vector<std::string> k_hostile = {
    "$(touch PWNED)",
    "`touch PWNED`",
    "\"; touch PWNED; echo \"",
    "'; touch PWNED; echo '",
    "a && touch PWNED",
    "a; touch PWNED",
    "a | touch PWNED",
    "*",
    "~/.ssh/*",
    "line one\nline two\n$(touch PWNED)",
    "${HOME}$PATH",
    "\\\"\\'\\\\",
    "-n",
    "  spaced   out  ",
    "'\"'\"'",
    "}}; touch PWNED; {{",
    "EOF\ntouch PWNED\nEOF",
    "!! !$ $? $$ $# $0",
    "",
};

}  // namespace

TEST_SUITE("shell script") {

TEST_CASE("each expression becomes a variable reference quoted for where it stands") {
  CHECK(prepared("echo ${{ inputs.who }}").text == "echo \"${AUTOMATA_EXPR_1}\"");
  CHECK(prepared("echo \"hello ${{ inputs.who }}!\"").text == "echo \"hello ${AUTOMATA_EXPR_1}!\"");
  CHECK(prepared("echo 'a ${{ x }} b'").text == "echo 'a '\"${AUTOMATA_EXPR_1}\"' b'");
  CHECK(prepared("echo $'a ${{ x }}'").text == "echo $'a '\"${AUTOMATA_EXPR_1}\"$''");
  CHECK(prepared("echo $(( ${{ n }} + 1 ))").text == "echo $(( ${AUTOMATA_EXPR_1} + 1 ))");
  CHECK(prepared("cat <<EOF\n${{ x }}\nEOF\necho ${{ y }}").text ==
        "cat <<EOF\n${AUTOMATA_EXPR_1}\nEOF\necho \"${AUTOMATA_EXPR_2}\"");
  CHECK(prepared("echo \"$(echo ${{ x }})\"").text == "echo \"$(echo \"${AUTOMATA_EXPR_1}\")\"");
  CHECK(prepared("echo ${A:-${{ x }}}").text == "echo ${A:-\"${AUTOMATA_EXPR_1}\"}");
  CHECK(prepared("echo \"${A:-${{ x }}}\"").text == "echo \"${A:-${AUTOMATA_EXPR_1}}\"");
  CHECK(prepared("# don't ${{ x }}\necho '${{ y }}'").text ==
        "# don't \"${AUTOMATA_EXPR_1}\"\necho ''\"${AUTOMATA_EXPR_2}\"''");
  const auto script = prepared("echo ${{ a }} $(( ${{ b }} ))");
  REQUIRE(script.slots.size() == 2);
  CHECK(script.slots[0].variable == "AUTOMATA_EXPR_1");
  CHECK_FALSE(script.slots[0].numeric);
  CHECK(script.slots[1].numeric);
  CHECK(script.slots[1].expression->source() == " b ");
  CHECK(prepared("echo plain").text == "echo plain");
  CHECK(prepared("echo plain").slots.empty());
}

TEST_CASE("a hostile value is literal text for bash and sh, inside and outside quotes, in every place") {
  test::ScratchDir dir;
  struct Case {
    std::string run;
    std::string expected_prefix;  // what the script prints before the value
    std::string expected_suffix;
  };
  const std::vector<Case> cases = {
      {"printf '%s|' ${{ x }}", "", "|"},
      {"printf '%s|' \"${{ x }}\"", "", "|"},
      {"printf '%s|' \"hello ${{ x }}\"", "hello ", "|"},
      {"printf '%s|' 'hello ${{ x }} there'", "hello ", " there|"},
      {"v=${{ x }}; printf '%s|' \"$v\"", "", "|"},
      {"cat <<EOF\n[${{ x }}]\nEOF", "[", "]\n"},
      {"printf '%s|' \"$(printf '%s' ${{ x }})\"", "", "|"},
      {"printf '%s|' ${UNSET:-${{ x }}}", "", "|"},
  };
  for (const std::string shell : {"bash", "sh"}) {
    for (const auto& c : cases) {
      const ShellScript script = prepared(c.run, shell);
      for (const auto& value : k_hostile) {
        CAPTURE(shell);
        CAPTURE(c.run);
        CAPTURE(value);
        const std::string out = run_with(shell, script, value, dir.path());
        CHECK(out == c.expected_prefix + value + c.expected_suffix);
        CHECK_FALSE(std::filesystem::exists(dir / "PWNED"));
      }
    }
  }
}

TEST_CASE("running a value as a command is said explicitly, with eval") {
  test::ScratchDir dir;
  const ShellScript script = prepared("eval \"${{ x }}\"");
  CHECK(run_with("bash", script, "echo from-eval", dir.path()) == "from-eval\n");
}

TEST_CASE("what cannot pass safely is refused with the expression's offset") {
  const auto heredoc = problem_of("cat <<'EOF'\n${{ x }}\nEOF");
  CHECK(heredoc.offset == 12);
  CHECK(heredoc.message ==
        "an expression in a quoted here-document (<<'EOF') cannot reach the script as data: use an unquoted "
        "delimiter (<<EOF), where it is not expanded further");
  CHECK(problem_of("echo \\${{ x }}").message ==
        "an expression right after a backslash: remove the backslash (the value is passed as literal text already)");
  const auto python = problem_of("print('${{ x }}')", "python3");
  CHECK(python.offset == 7);
  CHECK(python.message ==
        "an expression cannot be passed safely into a 'python3' script: map it in 'env:' (env: { VALUE: ${{ ... }} }) "
        "and read the variable from the environment there");
  CHECK(std::holds_alternative<ShellScript>(prepare_shell_script("print('plain')", "python3")));
}

TEST_CASE("POSIX shells are known by their first word's file name") {
  CHECK(is_posix_shell("bash"));
  CHECK(is_posix_shell("/usr/bin/zsh -x"));
  CHECK(is_posix_shell("sh"));
  CHECK_FALSE(is_posix_shell("python3"));
  CHECK_FALSE(is_posix_shell("pwsh -NoProfile"));
}

}  // TEST_SUITE
}  // namespace automata::engine
