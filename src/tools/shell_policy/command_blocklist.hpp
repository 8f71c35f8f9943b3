#pragma once
// Destructive commands a model may choose, refused before they run
// (agents-protocols-forges.md §6.1). Checked on the words of each simple
// command (command_words.hpp), after wrappers such as sudo, env, nice, xargs
// and `bash -c "..."`/eval, whose scripts are checked in turn; the text of
// $(...) and backticks is checked as well.
//
// Quoted text given to a command that does not run it is data and allowed:
// `echo "rm -rf /"` and `git commit -m "fix rm -rf / guard"` pass, while
// `bash -c "rm -rf /"` is refused. Two places where text is refused although
// it might only be printed: heredoc bodies, and a fork bomb anywhere in the
// line (`echo ':(){ :|:& };:'`). This list is a guard against accidents,
// not a sandbox: `$X` is not expanded, so the sandbox remains the second layer.
#include <optional>
#include <string>
#include <string_view>

namespace automata::tools::shell_policy {

struct BlocklistOptions {
  // Force-pushing (--force, -f, --force-with-lease, a +refspec) or deleting
  // this branch is refused; empty: every force push is refused.
  std::string base_branch;
};

// Why the command is refused ("deletes the root filesystem"), or nullopt.
std::optional<std::string> dangerous_command_reason(std::string_view command, const BlocklistOptions& options = {});

}  // namespace automata::tools::shell_policy
