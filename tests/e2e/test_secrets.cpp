// Secrets (dsl.md `secrets:`): masked as *** in everything printed, logged or
// journaled, including step output that echoes them.
#include "e2e/e2e_support.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

const std::string k_secret = "s3cr3t-Value-9f2c";

const char* const k_leaky = R"(version: 1
name: leaky
secrets: [MY_TOKEN]
steps:
  echo:
    run: |
      echo "token is $MY_TOKEN"
      echo "stderr token $MY_TOKEN" >&2
      echo "tok=$MY_TOKEN" >> "$AUTOMATA_OUTPUT"
  via-env:
    needs: [echo]
    env: { T: "${{ secrets.MY_TOKEN }}" }
    run: |
      echo "again $T"
      echo "seen=${{ steps.echo.outputs.tok }}"
      exit 7
outputs:
  leaked: ${{ steps.echo.outputs.tok }}
)";

// Every file under `dir`, with its content.
std::vector<std::pair<std::filesystem::path, std::string>> all_files(const std::filesystem::path& dir) {
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files.emplace_back(entry.path(), read_file(entry.path()));
    }
  }
  return files;
}

}  // namespace

TEST_SUITE("e2e secrets") {

TEST_CASE("a declared secret echoed by a step is *** in stdout, stderr, logs, journal, run.json and status") {
  Project p;
  p.write("leaky.yaml", k_leaky);
  p.how().env["MY_TOKEN"] = k_secret;
  const auto plain = p.run({"--output", "plain", "run", "leaky.yaml", "--run-id", "plain"});
  CHECK(plain.exit_code == 1);
  CHECK(plain.out.find("[echo] token is ***") != std::string::npos);
  CHECK(plain.out.find("[echo] stderr token ***") != std::string::npos);
  CHECK(plain.out.find("[via-env] again ***") != std::string::npos);
  CHECK(plain.out.find("[via-env] seen=***") != std::string::npos);
  const auto json = p.run({"--output", "json", "run", "leaky.yaml", "--run-id", "json"});
  CHECK(json.exit_code == 1);
  CHECK(json.json_lines().size() > 5);
  for (const auto& outcome : {plain, json}) {
    CHECK(outcome.out.find(k_secret) == std::string::npos);
    CHECK(outcome.err.find(k_secret) == std::string::npos);
  }
  for (const char* id : {"plain", "json"}) {
    const auto status = p.run({"status", id, "--output", "json"});
    CHECK(status.out.find(k_secret) == std::string::npos);
    CHECK(status.json_lines()[0]["steps"]["echo"]["outputs"]["tok"] == "***");
    const auto logs = p.run({"logs", id, "echo"});
    CHECK(logs.out.find("token is ***") != std::string::npos);
    CHECK(logs.out.find(k_secret) == std::string::npos);
    const auto history = p.run({"logs", id});
    CHECK(history.out.find(k_secret) == std::string::npos);
  }
  std::size_t checked = 0;
  for (const auto& [path, content] : all_files(p.home())) {
    INFO(path.string());
    CHECK(content.find(k_secret) == std::string::npos);
    ++checked;
  }
  CHECK(checked >= 10);  // two runs: journal, run.json, workflow.yaml, logs...
  CHECK(read_file(p.run_dir("plain") / "logs" / "echo.log").find("stderr token ***") != std::string::npos);
}

TEST_CASE("a secret given as an input value is masked in the journal and run.json") {
  Project p;
  p.write("input.yaml", R"(version: 1
name: input
secrets: [MY_TOKEN]
inputs:
  note: { type: string }
steps:
  show: { run: "echo note=${{ inputs.note }}" }
)");
  p.how().env["MY_TOKEN"] = k_secret;
  const auto r = p.run({"--output", "plain", "run", "input.yaml", "-i", "note=x" + k_secret + "y"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("note=x***y") != std::string::npos);
  for (const auto& [path, content] : all_files(p.home())) {
    INFO(path.string());
    CHECK(content.find(k_secret) == std::string::npos);
  }
  const auto status = p.run({"status", "last", "--output", "json"});
  CHECK(status.out.find(k_secret) == std::string::npos);
}

TEST_CASE("a secret in run: text is refused at validation, nothing runs") {
  Project p;
  p.write("bad.yaml", R"(version: 1
name: bad
secrets: [MY_TOKEN]
steps:
  leak: { run: "echo ${{ secrets.MY_TOKEN }}" }
)");
  p.how().env["MY_TOKEN"] = k_secret;
  const auto r = p.run({"run", "bad.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.yaml:5:") == 0);
  CHECK(r.err.find(k_secret) == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(p.home() / "runs"));
}

}  // TEST_SUITE
