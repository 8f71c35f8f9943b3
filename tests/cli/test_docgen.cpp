// cli/docgen: what it reads from a CLI11 app, and what it writes for each shell
// and for man. A small app of its own keeps the expectations exact; the real
// app's output is checked end to end (tests/e2e/test_completions.cpp,
// test_docs_in_sync.cpp).
#include "cli/docgen.hpp"

#include <doctest/doctest.h>

namespace automata::cli {
namespace {

struct Fixture {
  CLI::App app{"tool: does things", "tool"};
  std::string output;
  int jobs = 0;
  int level = 0;
  std::string tag;
  bool quiet = false;
  std::string workflow;
  std::vector<std::string> inputs;
  std::vector<std::string> files;
  std::string run;

  Fixture() {
    app.add_option("--output", output, "Output mode")->check(CLI::IsMember({"auto", "json"}));
    app.add_option("-j,--jobs", jobs, "Steps at once");
    app.add_flag("-q,--quiet", quiet, "Say less");
    CLI::App* run_command = app.add_subcommand("run", "Run a workflow");
    run_command->add_option("workflow", workflow, "The workflow file")->required();
    run_command->add_option("-i,--input", inputs, "Set an input");
    run_command->add_option("--level", level, "How deep");
    run_command->add_option("--tag", tag, ".a tag \\ with a backslash");
    CLI::App* status = app.add_subcommand("status", "Show a run");
    status->add_option("run", run, "Run id");
    CLI::App* validate = app.add_subcommand("validate", "Check files");
    validate->add_option("files", files, "Files")->required();
    app.add_subcommand("__secret", "Not for people")->group("");
  }
};

const OptionDoc* named(const std::vector<OptionDoc>& options, const std::string& name) {
  for (const auto& option : options) {
    for (const auto& candidate : option.names) {
      if (candidate == name) {
        return &option;
      }
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("docgen: describe reads options, choices, value names and positionals from the app") {
  Fixture f;
  const AppDoc doc = describe(f.app);
  CHECK(doc.name == "tool");
  CHECK(doc.help == "tool: does things");

  const OptionDoc* output = named(doc.global_options, "--output");
  REQUIRE(output != nullptr);
  CHECK(output->metavar == "MODE");  // from the hint table
  CHECK(output->kind == ValueKind::choice);
  CHECK(output->choices == std::vector<std::string>{"auto", "json"});
  CHECK(output->closed_choices);
  const OptionDoc* jobs = named(doc.global_options, "--jobs");
  REQUIRE(jobs != nullptr);
  CHECK(jobs->names == std::vector<std::string>{"-j", "--jobs"});
  CHECK(jobs->metavar == "N");
  const OptionDoc* quiet = named(doc.global_options, "--quiet");
  REQUIRE(quiet != nullptr);
  CHECK(quiet->metavar == "");  // a flag
  CHECK(named(doc.global_options, "--help") != nullptr);

  // Hidden subcommands (no group) are left out.
  REQUIRE(doc.commands.size() == 3);
  CHECK(doc.commands[0].name == "run");
  CHECK(doc.commands[1].name == "status");
  CHECK(doc.commands[2].name == "validate");

  const CommandDoc& run = doc.commands[0];
  CHECK(run.help == "Run a workflow");
  CHECK(named(run.options, "--help") == nullptr);  // every command has it: listed once, globally
  REQUIRE(run.positionals.size() == 1);
  CHECK(run.positionals[0].positional == "workflow");
  CHECK(run.positionals[0].metavar == "WORKFLOW");
  CHECK(run.positionals[0].kind == ValueKind::file);
  CHECK(run.positionals[0].required);
  CHECK_FALSE(run.positionals[0].repeatable);
  const OptionDoc* input = named(run.options, "-i");
  REQUIRE(input != nullptr);
  CHECK(input->metavar == "KEY=VALUE");
  CHECK(input->repeatable);
  // Without a hint: a number is N, anything else VALUE.
  CHECK(named(run.options, "--level")->metavar == "N");
  CHECK(named(run.options, "--tag")->metavar == "VALUE");

  const CommandDoc& status = doc.commands[1];
  REQUIRE(status.positionals.size() == 1);
  CHECK(status.positionals[0].metavar == "RUN");
  CHECK(status.positionals[0].kind == ValueKind::run);
  CHECK_FALSE(status.positionals[0].required);

  const CommandDoc& validate = doc.commands[2];
  REQUIRE(validate.positionals.size() == 1);
  CHECK(validate.positionals[0].metavar == "FILE");
  CHECK(validate.positionals[0].kind == ValueKind::file);
  CHECK(validate.positionals[0].repeatable);
}

TEST_CASE("docgen: an unknown shell has no script") {
  Fixture f;
  CHECK_FALSE(completion_script(f.app, "tcsh").has_value());
  CHECK_FALSE(completion_script(f.app, "").has_value());
  for (const auto shell : k_completion_shells) {
    CHECK(completion_script(f.app, shell).has_value());
  }
}

TEST_CASE("docgen: bash knows which options take values, and what to offer") {
  Fixture f;
  const std::string script = completion_script(f.app, "bash").value();
  CHECK(script.find("        *:--output|*:-j|*:--jobs) return 0 ;;\n") != std::string::npos);
  CHECK(script.find("        run:-i|run:--input|run:--level|run:--tag) return 0 ;;\n") != std::string::npos);
  CHECK(script.find("            *:--output) _tool_reply_words \"auto json\" ;;\n") != std::string::npos);
  CHECK(script.find("        :*) _tool_reply_words \"run status validate\" ;;\n") != std::string::npos);
  CHECK(script.find("        run:0) _tool_reply_files ;;\n") != std::string::npos);
  CHECK(script.find("        status:0) _tool_reply_runs ;;\n") != std::string::npos);
  CHECK(script.find("        validate:*) _tool_reply_files ;;\n") != std::string::npos);
  CHECK(script.find("__secret") == std::string::npos);
  CHECK(script.substr(script.size() - 23) == "complete -F _tool tool\n");
}

TEST_CASE("docgen: zsh specs escape descriptions and repeat repeatable options") {
  Fixture f;
  const std::string script = completion_script(f.app, "zsh").value();
  CHECK(script.rfind("#compdef tool\n", 0) == 0);
  CHECK(script.find("    '--output=[Output mode]:MODE:(auto json)'\n") != std::string::npos);
  CHECK(script.find("    '(-j --jobs)'{-j+,--jobs=}'[Steps at once]:N: '\n") != std::string::npos);
  CHECK(script.find("    '(-q --quiet)'{-q,--quiet}'[Say less]'\n") != std::string::npos);
  CHECK(script.find("'*-i+[Set an input]:KEY=VALUE: ' '*--input=[Set an input]:KEY=VALUE: '") != std::string::npos);
  CHECK(script.find("'--tag=[.a tag \\\\ with a backslash]:VALUE: '") != std::string::npos);
  CHECK(script.find("'1:WORKFLOW:_files'") != std::string::npos);
  CHECK(script.find("'1::RUN:_tool_runs'") != std::string::npos);
  CHECK(script.find("'*:FILE:_files'") != std::string::npos);
  CHECK(script.find("        'run:Run a workflow'\n") != std::string::npos);
}

TEST_CASE("docgen: fish completes per command and per position") {
  Fixture f;
  const std::string script = completion_script(f.app, "fish").value();
  CHECK(script.find("complete -c tool -l output -r -f -a 'auto json' -d 'Output mode'\n") != std::string::npos);
  CHECK(script.find("complete -c tool -n '__tool_at \"\" 0' -a run -d 'Run a workflow'\n") != std::string::npos);
  CHECK(script.find("complete -c tool -n '__tool_at run \\'*\\'' -s i -l input -r -f -d 'Set an input'\n") !=
        std::string::npos);
  CHECK(script.find("complete -c tool -n '__tool_at run 0' -F -d 'WORKFLOW'\n") != std::string::npos);
  CHECK(script.find("complete -c tool -n '__tool_at status 0' -f -a '(__tool_runs)' -d 'RUN'\n") !=
        std::string::npos);
  CHECK(script.find("complete -c tool -n '__tool_at validate \\'*\\'' -F -d 'FILE'\n") != std::string::npos);
}

TEST_CASE("docgen: the man page lists each command with its options, escaped for roff") {
  Fixture f;
  const std::string page = man_page(f.app);
  CHECK(page.find("\n.TH TOOL 1 \"\" \"tool\" \"User Commands\"\n") != std::string::npos);
  CHECK(page.find("\n.SH NAME\ntool \\- does things\n") != std::string::npos);
  CHECK(page.find("\n.SS \"tool run [\\fIoptions\\fR] \\fIWORKFLOW\\fR\"\nRun a workflow.\n") != std::string::npos);
  CHECK(page.find("\n.SS \"tool status [\\fIRUN\\fR]\"\n") != std::string::npos);
  CHECK(page.find("\n.SS \"tool validate \\fIFILE\\fR...\"\n") != std::string::npos);
  CHECK(page.find("\n.TP\n\\fB\\-i\\fR, \\fB\\-\\-input\\fR \\fIKEY=VALUE\\fR\nSet an input.\n") != std::string::npos);
  // A help text starting with '.' must not read as a roff request; backslashes are escaped.
  CHECK(page.find("\n.TP\n\\fB\\-\\-tag\\fR \\fIVALUE\\fR\n\\&.a tag \\e with a backslash.\n") != std::string::npos);
  // Choices an IsMember check enforces are listed when the help does not name them.
  CHECK(page.find("\nOutput mode.\nOne of: \\fBauto\\fR, \\fBjson\\fR.\n") != std::string::npos);
  CHECK(page.find("__secret") == std::string::npos);
  for (const char* section : {"\n.SH SYNOPSIS\n", "\n.SH DESCRIPTION\n", "\n.SH COMMANDS\n", "\n.SH GLOBAL OPTIONS\n",
                              "\n.SH EXIT STATUS\n", "\n.SH ENVIRONMENT\n", "\n.SH FILES\n", "\n.SH EXAMPLES\n"}) {
    CHECK(page.find(section) != std::string::npos);
  }
}

}  // namespace automata::cli
