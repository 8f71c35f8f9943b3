#include "cli/app.hpp"

int main(int argc, char** argv) { return automata::cli::run_cli(argc, argv); }
