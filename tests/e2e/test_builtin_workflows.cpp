// The built-in workflows are compiled into the binary: a copy of it in a
// directory of its own, run from an empty directory, lists them, prints them
// byte for byte and runs them; a bare built-in name never runs a file that
// happens to have that name (`./agent` does).
#include "e2e/e2e_support.hpp"
#include "engine/process.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

// If run, it leaves pwned.txt in the current directory.
constexpr std::string_view k_hostile = R"yaml(version: 1
name: hostile
steps:
  pwn: { run: "echo pwned > pwned.txt" }
)yaml";

constexpr std::string_view k_agent_description =
    "Plan, implement with a tool-calling agent, validate, commit and push a branch";

// A project whose automata is a copy of the built binary in bin/, with no
// workflows/ anywhere near it, run from the empty directory here/.
struct CopiedBinary {
  Project project;
  CopiedBinary() {
    const auto bin = project.dir() / "bin";
    std::filesystem::create_directories(bin);
    std::filesystem::create_directories(project.dir() / "here");
    std::filesystem::copy_file(binary_path(), bin / "automata");
    project.how().binary = (bin / "automata").string();
    project.how().cwd = project.dir() / "here";
  }
  std::filesystem::path here() const { return project.dir() / "here"; }
};

// cmake itself, with the test's environment.
int run_cmake(const std::vector<std::string>& args, std::string& output) {
  engine::ProcessSpec spec;
  spec.argv = {"cmake"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    spec.env.emplace_back(*e);
  }
  spec.timeout = std::chrono::milliseconds(60000);
  engine::PosixProcessLauncher launcher;
  engine::CancelToken never;
  return launcher.run(spec, [&](engine::OutputStream, std::string_view chunk) { output.append(chunk); }, never)
      .exit_code;
}

}  // namespace

TEST_SUITE("e2e built-in workflows") {

TEST_CASE("a copied automata lists its built-in workflows and prints one byte for byte") {
  CopiedBinary copied;
  Project& p = copied.project;
  auto listed = p.run({"workflows"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.err == "");
  CHECK(listed.out == fmt::format("agent  {}\n", k_agent_description));
  listed = p.run({"--output", "json", "workflows"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.json_lines() == std::vector<Value>{{{"name", "agent"}, {"description", k_agent_description}}});

  const auto printed = p.run({"workflows", "agent"});
  CHECK(printed.exit_code == 0);
  CHECK(printed.err == "");
  CHECK(printed.out == read_file(source_dir() / "workflows" / "agent.yaml"));
  CHECK(p.run({"--output", "json", "workflows", "agent"}).out == printed.out);

  const auto unknown = p.run({"workflows", "agnet"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out == "");
  CHECK(unknown.err ==
        "automata: error: no built-in workflow named 'agnet' (did you mean 'agent'?)\n"
        "automata: hint: the built-in workflows are agent (`automata workflows` lists them)\n");
}

TEST_CASE("a copied automata runs a built-in by name from an empty directory, and resumes it from its stored copy") {
  CopiedBinary copied;
  Project& p = copied.project;
  const auto graph = p.run({"graph", "agent"});
  CHECK(graph.exit_code == 0);
  CHECK(graph.out.find("  implement  <- ") != std::string::npos);

  // here/ is no repository: the built-in's first step says so and the run fails.
  const auto run = p.run({"--output", "plain", "run", "agent", "-i", "title=Greet", "--dry-run"});
  CHECK(run.exit_code == 1);
  const std::string id = p.only_run();
  const auto started = p.journal(id).front();
  CHECK(started["workflow"] == "agent");
  CHECK(started["file"] == "builtin:agent");
  CHECK(started["dry_run"] == true);
  CHECK(read_file(p.run_dir(id) / "workflow.yaml") == read_file(source_dir() / "workflows" / "agent.yaml"));
  CHECK(run.out.find("[find the repository] " + copied.here().string() + " is not inside a git repository") !=
        std::string::npos);

  // Resume takes the stored copy; a file named like the built-in is not read.
  p.write("here/builtin:agent", k_hostile);
  const auto resumed = p.run({"--output", "json", "resume", id});
  CHECK(resumed.exit_code == 1);
  CHECK(resumed.err.find("has changed") == std::string::npos);
  CHECK(trace(p.journal(id)).back() == "RunFailed");
  CHECK(count_of(fmt::format("{}", fmt::join(trace(p.journal(id)), "\n")), "RunResumed") == 1);
  CHECK_FALSE(std::filesystem::exists(copied.here() / "pwned.txt"));

  // A run started by another automata, whose built-in differed from this one's.
  const auto stored = p.run_dir(id) / "workflow.yaml";
  p.write(std::filesystem::relative(stored, p.dir().path()).string(), read_file(stored) + "# older\n");
  const auto changed = p.run({"resume", id});
  CHECK(changed.exit_code == 2);
  CHECK(changed.err == fmt::format("automata: error: the built-in workflow 'agent' of this automata differs from the "
                                   "one run {} started with\n"
                                   "automata: hint: resume with --use-current to continue with this version "
                                   "(completed steps are kept), or with the automata that started it\n",
                                   id));
}

TEST_CASE("run NAME: a built-in's bare name is the built-in whatever files are here; ./NAME and NAME.yaml are files") {
  CopiedBinary copied;
  Project& p = copied.project;
  p.write("here/agent", k_hostile);
  p.write("here/agent.yaml", k_hostile);
  p.write("here/mine", k_hostile);

  auto result = p.run({"run", "agent"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("input 'title'") != std::string::npos);
  CHECK(p.run_ids().empty());
  CHECK_FALSE(std::filesystem::exists(copied.here() / "pwned.txt"));

  for (const char* file : {"./agent", "agent.yaml", "mine"}) {
    INFO(file);
    result = p.run({"run", file});
    CHECK(result.exit_code == 0);
    CHECK(read_file(copied.here() / "pwned.txt") == "pwned\n");
    std::filesystem::remove(copied.here() / "pwned.txt");
  }

  result = p.run({"run", "agnet"});
  CHECK(result.exit_code == 2);
  CHECK(result.err ==
        "automata: error: no workflow file 'agnet' and no built-in workflow named 'agnet' (did you mean 'agent'?)\n"
        "automata: hint: the built-in workflows are agent; or give the path of a workflow file, e.g. "
        "workflows/examples/showcase.yaml\n");
  result = p.run({"run", "nothing.yaml"});
  CHECK(result.exit_code == 2);
  CHECK(result.err == "automata: error: cannot read the workflow file nothing.yaml: no such file\n");
}

TEST_CASE("cmake --install puts one binary, its man page and completions; no workflows directory") {
  const auto build_dir = std::filesystem::path(binary_path()).parent_path();
  ScratchDir prefix;
  std::string output;
  const int installed = run_cmake({"--install", build_dir.string(), "--prefix", prefix.path().string()}, output);
  if (installed == 127) {
    MESSAGE("skipped: cmake is not on PATH, so the install rule is not checked");
    return;
  }
  INFO(output);
  REQUIRE(installed == 0);
  CHECK(std::filesystem::is_regular_file(prefix / "bin" / "automata"));
  CHECK(std::filesystem::is_regular_file(prefix / "share" / "man" / "man1" / "automata.1"));
  CHECK_FALSE(std::filesystem::exists(prefix / "share" / "automata"));
  Invoke how;
  how.binary = (prefix / "bin" / "automata").string();
  how.cwd = prefix.path();
  const auto printed = run_automata({"workflows", "agent"}, how);
  CHECK(printed.exit_code == 0);
  CHECK(printed.out == read_file(source_dir() / "workflows" / "agent.yaml"));
}

}  // TEST_SUITE
