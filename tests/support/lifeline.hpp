#pragma once
// A lifeline for what a test suite starts outside its own process tree (the
// git test servers run in sessions of their own): a pipe whose write end only
// this process holds. Its read end reaches end-of-file the moment this
// process dies, however it dies, so a watchdog holding it never polls a pid.
#include <string>

namespace automata::test {

struct ShellRun {
  int status = -1;  // as waitpid gives it
  std::string out;  // stdout and stderr
};

// `sh -c COMMAND` with the lifeline's read end as file descriptor `fd` (and
// only there: both ends are close-on-exec everywhere else); output captured.
ShellRun run_with_lifeline(const std::string& command, int fd = 9);

}  // namespace automata::test
