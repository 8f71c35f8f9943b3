// The agent's tools: schemas, behaviour, and every failure coming back as a
// result (is_error) rather than an exception or an action.
#include "tools/agent/toolbox.hpp"

#include <doctest/doctest.h>

#include "support/scratch.hpp"
#include "tools/agent/truncate.hpp"

using namespace automata;
using namespace automata::tools;
using automata::test::read_file;
using automata::test::ScratchDir;

namespace {

llm::ToolCall make_call(std::string name, std::string raw) {
  llm::ToolCall call;
  call.id = "c1";
  call.name = std::move(name);
  call.raw_arguments = std::move(raw);
  Value parsed = Value::parse(call.raw_arguments, nullptr, false);
  call.arguments = parsed.is_object() ? parsed : Value(nullptr);
  return call;
}

struct Fixture {
  ScratchDir dir;
  engine::PosixProcessLauncher launcher;
  engine::CancelToken cancel;
  std::unique_ptr<agent::AgentToolbox> toolbox;

  explicit Fixture(agent::ToolboxOptions options = {}) {
    std::filesystem::create_directories(dir / "ws");
    options.shell.environment = {"PATH=/usr/bin:/bin", "HOME=/tmp"};
    options.shell.timeout = std::chrono::milliseconds(10'000);
    toolbox = std::make_unique<agent::AgentToolbox>(agent_workspace(), options, launcher);
  }
  fs::Workspace agent_workspace() { return std::move(fs::Workspace::open(dir / "ws").value()); }
  agent::ToolResult run(std::string name, const Value& args) { return toolbox->execute(make_call(name, args.dump()), cancel); }
  std::filesystem::path ws(std::string_view name) const { return dir / "ws" / name; }
};

}  // namespace

TEST_SUITE("agent toolbox") {

TEST_CASE("seven tools, each with an object schema naming its required arguments") {
  const auto& specs = agent::AgentToolbox::specs();
  std::vector<std::string> names;
  for (const auto& spec : specs) {
    names.push_back(spec.name);
    CHECK(spec.parameters["type"] == "object");
    CHECK(spec.parameters["additionalProperties"] == false);
    CHECK(!spec.description.empty());
  }
  CHECK(names == std::vector<std::string>{"run_shell_command", "read_file", "write_file", "list_directory",
                                          "search_files", "apply_patch", "finish"});
  CHECK(specs[0].parameters["required"] == Value{"command"});
  CHECK(specs[0].parameters["properties"]["timeout_seconds"]["type"] == "integer");
  CHECK(specs[2].parameters["required"] == Value{"path", "content"});
  CHECK(specs[5].parameters["properties"]["blocks"]["items"]["required"] == Value{"search", "replace"});
  CHECK(specs[6].parameters["required"] == Value{"summary"});
}

TEST_CASE("read_file: whole, a range with a header, and the errors") {
  Fixture f;
  f.dir.write("ws/a.txt", "one\ntwo\nthree\n");
  auto whole = f.run("read_file", {{"path", "a.txt"}});
  CHECK_FALSE(whole.is_error);
  CHECK(whole.content == "one\ntwo\nthree\n");
  auto range = f.run("read_file", {{"path", "a.txt"}, {"start_line", 2}, {"end_line", 2}});
  CHECK(range.content == "[lines 2-2 of 3]\ntwo\n");
  auto missing = f.run("read_file", {{"path", "nope.txt"}});
  CHECK(missing.is_error);
  CHECK_FALSE(missing.format_error);
  CHECK(missing.content.find("nope.txt") != std::string::npos);
  auto past = f.run("read_file", {{"path", "a.txt"}, {"start_line", 9}});
  CHECK(past.is_error);
}

TEST_CASE("read_file and write_file refuse paths that leave the workspace") {
  Fixture f;
  f.dir.write("secret.txt", "outside");
  auto read = f.run("read_file", {{"path", "../secret.txt"}});
  CHECK(read.is_error);
  CHECK(read.content.find("refused") != std::string::npos);
  CHECK(read.content.find("outside") == std::string::npos);
  auto write = f.run("write_file", {{"path", "../escaped.txt"}, {"content", "x"}});
  CHECK(write.is_error);
  CHECK_FALSE(std::filesystem::exists(f.dir / "escaped.txt"));
  auto absolute = f.run("write_file", {{"path", (f.dir / "abs.txt").string()}, {"content", "x"}});
  CHECK(absolute.is_error);
  CHECK_FALSE(std::filesystem::exists(f.dir / "abs.txt"));
  std::filesystem::create_directories(f.ws(".git"));
  auto git = f.run("write_file", {{"path", ".git/config"}, {"content", "x"}});
  CHECK(git.is_error);
  CHECK_FALSE(std::filesystem::exists(f.ws(".git/config")));
}

TEST_CASE("write_file creates parents and reports the file as changed") {
  Fixture f;
  auto result = f.run("write_file", {{"path", "src/new.txt"}, {"content", "hello\n"}});
  CHECK_FALSE(result.is_error);
  CHECK(result.content == "created src/new.txt (6 bytes)");
  CHECK(result.files_changed == std::vector<std::string>{"src/new.txt"});
  CHECK(read_file(f.ws("src/new.txt")) == "hello\n");
}

TEST_CASE("write_file refuses content over the size limit") {
  agent::ToolboxOptions options;
  options.max_file_bytes = 10;
  Fixture f(options);
  auto result = f.run("write_file", {{"path", "big.txt"}, {"content", std::string(11, 'x')}});
  CHECK(result.is_error);
  CHECK_FALSE(std::filesystem::exists(f.ws("big.txt")));
}

TEST_CASE("list_directory: sorted, directories marked, .git skipped, depth honoured") {
  Fixture f;
  f.dir.write("ws/b.txt", "");
  f.dir.write("ws/a/x.txt", "");
  f.dir.write("ws/a/deep/y.txt", "");
  f.dir.write("ws/.git/HEAD", "");
  auto result = f.run("list_directory", Value::object());
  CHECK(result.content == "a/\na/deep/\na/x.txt\nb.txt\n");
  auto shallow = f.run("list_directory", {{"depth", 1}});
  CHECK(shallow.content == "a/\nb.txt\n");
  auto sub = f.run("list_directory", {{"path", "a"}, {"depth", 5}});
  CHECK(sub.content == "a/deep/\na/deep/y.txt\na/x.txt\n");
  CHECK(f.run("list_directory", {{"path", "../"}}).is_error);
  CHECK(f.run("list_directory", {{"path", "b.txt"}}).is_error);
}

TEST_CASE("search_files: regex matches as path:line: text, glob filter, bad regex reported") {
  Fixture f;
  f.dir.write("ws/a.cpp", "int main() {\n  return 0;\n}\n");
  f.dir.write("ws/b.h", "int helper();\n");
  f.dir.write("ws/.git/x", "int git;\n");
  auto all = f.run("search_files", {{"pattern", "^int \\w+"}});
  CHECK(all.content == "a.cpp:1: int main() {\nb.h:1: int helper();\n");
  auto globbed = f.run("search_files", {{"pattern", "int"}, {"glob", "*.h"}});
  CHECK(globbed.content == "b.h:1: int helper();\n");
  CHECK(f.run("search_files", {{"pattern", "nothing here"}}).content == "no matches\n");
  auto bad = f.run("search_files", {{"pattern", "(unclosed"}});
  CHECK(bad.is_error);
  CHECK(bad.content.find("invalid regular expression") != std::string::npos);
  CHECK(f.run("search_files", {{"pattern", "x"}, {"path", "../.."}}).is_error);
}

TEST_CASE("search_files caps the number of matches") {
  Fixture f;
  std::string many;
  for (int i = 0; i < 300; ++i) {
    many += "match\n";
  }
  f.dir.write("ws/many.txt", many);
  auto result = f.run("search_files", {{"pattern", "match"}});
  CHECK(result.content.find("many.txt:200: match") != std::string::npos);
  CHECK(result.content.find("many.txt:201:") == std::string::npos);
  CHECK(result.content.find("[stopped after 200 matches") != std::string::npos);
}

TEST_CASE("apply_patch: search/replace, blocks, a unified diff, and a failed match leaves the file") {
  Fixture f;
  f.dir.write("ws/a.txt", "alpha\nbeta\ngamma\n");
  auto single = f.run("apply_patch", {{"path", "a.txt"}, {"search", "beta"}, {"replace", "BETA"}});
  CHECK_FALSE(single.is_error);
  CHECK(single.files_changed == std::vector<std::string>{"a.txt"});
  auto blocks = f.run("apply_patch", {{"path", "a.txt"},
                                      {"blocks", Value::array({{{"search", "alpha"}, {"replace", "A"}},
                                                               {{"search", "gamma"}, {"replace", "G"}}})}});
  CHECK_FALSE(blocks.is_error);
  CHECK(read_file(f.ws("a.txt")) == "A\nBETA\nG\n");
  auto diff = f.run("apply_patch", {{"diff", "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n A\n-BETA\n+beta\n G\n"}});
  CHECK_FALSE(diff.is_error);
  CHECK(read_file(f.ws("a.txt")) == "A\nbeta\nG\n");
  auto missing = f.run("apply_patch", {{"path", "a.txt"}, {"search", "zeta"}, {"replace", "x"}});
  CHECK(missing.is_error);
  CHECK(read_file(f.ws("a.txt")) == "A\nbeta\nG\n");
  CHECK(f.run("apply_patch", {{"path", "a.txt"}}).is_error);
  CHECK(f.run("apply_patch", {{"search", "A"}, {"replace", "B"}}).is_error);
}

TEST_CASE("run_shell_command: exit code and output; a failing command is an error result") {
  Fixture f;
  auto ok = f.run("run_shell_command", {{"command", "echo hi; echo oops >&2"}});
  CHECK_FALSE(ok.is_error);
  CHECK(ok.content == "exit code 0\n--- stdout ---\nhi\n\n--- stderr ---\noops\n");
  auto failed = f.run("run_shell_command", {{"command", "exit 3"}});
  CHECK(failed.is_error);
  CHECK(failed.content == "exit code 3");
  CHECK_FALSE(f.run("run_shell_command", {{"command", "touch made-here"}}).is_error);
  CHECK(std::filesystem::exists(f.ws("made-here")));
}

TEST_CASE("run_shell_command: a blocklisted command is refused and not run") {
  Fixture f;
  auto result = f.run("run_shell_command", {{"command", "touch marker; rm -rf /"}});
  CHECK(result.is_error);
  CHECK(result.content.rfind("not run: shell: refused", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(f.ws("marker")));
}

TEST_CASE("run_shell_command: timeout_seconds shortens the limit") {
  Fixture f;
  auto result = f.run("run_shell_command", {{"command", "sleep 5"}, {"timeout_seconds", 1}});
  CHECK(result.is_error);
  CHECK(result.content.find("timed out") != std::string::npos);
}

TEST_CASE("malformed arguments, unknown tools and schema violations are format errors") {
  Fixture f;
  auto malformed = f.toolbox->execute(make_call("read_file", "{\"path\": "), f.cancel);
  CHECK(malformed.is_error);
  CHECK(malformed.format_error);
  CHECK(malformed.content.find("not a JSON object") != std::string::npos);
  auto unknown = f.run("delete_everything", Value::object());
  CHECK(unknown.format_error);
  CHECK(unknown.content.find("run_shell_command, read_file") != std::string::npos);
  auto missing = f.run("write_file", {{"path", "a"}});
  CHECK(missing.format_error);
  CHECK(missing.content == "write_file: missing required argument \"content\"");
  auto wrong_type = f.run("read_file", {{"path", 3}});
  CHECK(wrong_type.format_error);
  auto extra = f.run("finish", {{"summary", "s"}, {"status", "ok"}});
  CHECK(extra.format_error);
  CHECK_FALSE(std::filesystem::exists(f.ws("a")));
}

TEST_CASE("finish carries its summary") {
  Fixture f;
  auto result = f.run("finish", {{"summary", "fixed it"}});
  CHECK(result.finish);
  CHECK(result.summary == "fixed it");
  CHECK_FALSE(result.is_error);
}

TEST_CASE("large results are cut in the middle with a note") {
  agent::ToolboxOptions options;
  options.max_output_bytes = 100;
  Fixture f(options);
  f.dir.write("ws/big.txt", std::string(500, 'a') + std::string(500, 'z'));
  auto result = f.run("read_file", {{"path", "big.txt"}});
  CHECK(result.content.size() < 150);
  CHECK(result.content.rfind("[lines 1-1 of 1: too long to show whole", 0) == 0);
  CHECK(result.content.find("bytes cut ...]") != std::string::npos);
  CHECK(result.content.substr(result.content.size() - 4) == "zzzz");
  CHECK(agent::truncate_middle("short", 100) == "short");
  CHECK(agent::truncate_middle(std::string(50, 'a') + std::string(50, 'z'), 20) ==
        std::string(10, 'a') + "\n[... 80 bytes cut ...]\n" + std::string(10, 'z'));
  CHECK(agent::with_thousands(12345) == "12,345");
}

}  // TEST_SUITE
