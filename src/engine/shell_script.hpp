#pragma once
// How a `run:` script reaches its shell: expressions are data, never code.
//
// Pasting `${{ inputs.x }}` into `bash -c` text lets a value holding `$(...)`,
// quotes or `;` run commands (the hole GitHub Actions documents). Instead each
// expression becomes a shell variable, AUTOMATA_EXPR_<n>, set in the step's
// environment to the rendered value, and the script refers to it with a
// reference quoted for the place it stands in:
//
//   unquoted               echo ${{ x }}        ->  echo "${AUTOMATA_EXPR_1}"
//   in "..." or <<EOF      "hello ${{ x }}"     ->  "hello ${AUTOMATA_EXPR_1}"
//   in '...'               'a ${{ x }} b'       ->  'a '"${AUTOMATA_EXPR_1}"' b'
//   in $'...'              $'a ${{ x }}'        ->  $'a '"${AUTOMATA_EXPR_1}"$''
//   in $(( )) or (( ))     $(( ${{ n }} + 1 ))  ->  $(( ${AUTOMATA_EXPR_1} + 1 )), and the
//                                                   value must be a number: arithmetic
//                                                   evaluates its text, which can run commands
//
// so the shell sees the value as one literal word whatever it holds. A script
// that really wants to run a value as a command says so: `eval "${{ x }}"`.
// Refused, with the offset of the expression: an expression in a quoted
// here-document (<<'EOF', which expands nothing), right after a backslash, or
// in the script of an interpreter that is not a POSIX shell (python3, node:
// pass the value through `env:` and read it from the environment there).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/expr.hpp"

namespace automata::engine {

struct ScriptSlot {
  std::shared_ptr<expr::Expression> expression;
  std::size_t offset = 0;  // of the expression's text in the run text
  std::string variable;    // AUTOMATA_EXPR_<n>
  bool numeric = false;    // inside arithmetic: the value must be a number
};

struct ShellScript {
  std::string text;  // what the shell runs: each ${{ }} replaced by its reference
  std::vector<ScriptSlot> slots;
};

struct ScriptProblem {
  std::size_t offset = 0;  // in the run text, of the expression's "${{"
  std::string message;
};

// bash, sh, dash, zsh, ksh, mksh, ash (by the first word's file name).
bool is_posix_shell(std::string_view shell);

std::variant<ShellScript, ScriptProblem> prepare_shell_script(std::string_view run_text, std::string_view shell);

}  // namespace automata::engine
