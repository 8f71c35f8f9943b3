#pragma once
// argv -> the chosen subcommand -> exit code. main() is this and nothing else.
namespace automata::cli {
int run_cli(int argc, char** argv);
}
