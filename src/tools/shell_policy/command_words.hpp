#pragma once
// A shell command line split the way bash would split it, closely enough to
// check it against a blocklist: words with quotes removed and whitespace
// collapsed, simple commands grouped into pipelines, redirection targets kept
// apart, and the text of $(...), `...`, <(...) and >(...) set aside to be
// checked as commands of their own. Not an interpreter: no expansion of
// variables or globs, heredoc bodies read as commands (so a dangerous command
// in a heredoc is refused even when it would only be printed).
#include <string>
#include <string_view>
#include <vector>

namespace automata::tools::shell_policy {

struct SimpleCommand {
  std::vector<std::string> words;          // argv, quotes removed
  std::vector<std::string> redirects;      // targets of >, >>, >|, &>, N>
  std::vector<std::string> substitutions;  // inner text of those in this command's words
};

// Commands joined by | (or |&); pipelines are separated by ; & && || and newlines.
struct Pipeline {
  std::vector<SimpleCommand> commands;
};

struct CommandLine {
  std::vector<Pipeline> pipelines;
  std::vector<std::string> substitutions;  // inner text of $(...), `...`, <(...), >(...)
};

CommandLine split_command_line(std::string_view text);

}  // namespace automata::tools::shell_policy
