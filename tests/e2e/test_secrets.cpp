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

TEST_CASE("a secret reaches a step only where the step names it; the env context holds none") {
  Project p;
  p.write("scoped.yaml", R"(version: 1
name: scoped
secrets: [DEPLOY_TOKEN]
steps:
  unnamed:
    run: |
      echo "undeclared=[${OPENAI_API_KEY:-unset}] [${SERVICE_TOKEN:-unset}]"
      env | grep -c -e DEPLOY_TOKEN -e OPENAI_API_KEY -e SERVICE_TOKEN || true
      echo "plain=${{ env.PLAIN_SETTING }} $PLAIN_SETTING"
  named:
    run: echo "named=[$DEPLOY_TOKEN]"
  mapped:
    env: { T: "${{ secrets.DEPLOY_TOKEN }}" }
    run: echo "mapped=[$T]"; env | grep -c DEPLOY_TOKEN || true
)");
  p.how().env["DEPLOY_TOKEN"] = k_secret;
  p.how().env["OPENAI_API_KEY"] = "sk-undeclared-key-value";
  p.how().env["SERVICE_TOKEN"] = "service-token-value";
  p.how().env["PLAIN_SETTING"] = "hello";
  const auto r = p.run({"--output", "plain", "run", "scoped.yaml"});
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  CHECK(r.out.find("[unnamed] undeclared=[unset] [unset]") != std::string::npos);
  CHECK(r.out.find("[unnamed] 0") != std::string::npos);
  CHECK(r.out.find("[unnamed] plain=hello hello") != std::string::npos);
  CHECK(r.out.find("[named] named=[***]") != std::string::npos);
  CHECK(r.out.find("[mapped] mapped=[***]") != std::string::npos);
  CHECK(r.out.find("[mapped] 0") != std::string::npos);

  p.write("reads-env.yaml", R"(version: 1
name: reads-env
steps:
  show:
    env: { K: "${{ env.OPENAI_API_KEY }}" }
    run: echo "$K"
)");
  const auto refused = p.run({"validate", "reads-env.yaml"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("reads-env.yaml:5:20: env.OPENAI_API_KEY is a secret, and the env context holds no secrets: "
                         "declare it in 'secrets' and use ${{ secrets.OPENAI_API_KEY }}") == 0);
}

TEST_CASE("a multi-line secret printed across lines is masked line by line") {
  Project p;
  const std::string key =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n"
      "QyNTUxOQAAACDQk3LwW6hgV3Ljb2L4ODdeVzZGvKwbwx5IbnAh8nQx0AAAAJj\n-----END OPENSSH PRIVATE KEY-----";
  p.write("pem.yaml", R"(version: 1
name: pem
secrets: [DEPLOY_KEY]
steps:
  show:
    run: printf '%s\n' "$DEPLOY_KEY"
)");
  p.how().env["DEPLOY_KEY"] = key;
  const auto r = p.run({"--output", "plain", "run", "pem.yaml"});
  REQUIRE(r.exit_code == 0);
  for (const char* line : {"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
                           "QyNTUxOQAAACDQk3LwW6hgV3Ljb2L4ODdeVzZGvKwbwx5IbnAh8nQx0AAAAJj"}) {
    CHECK(r.out.find(line) == std::string::npos);
    for (const auto& [path, content] : all_files(p.home())) {
      INFO(path.string());
      CHECK(content.find(line) == std::string::npos);
    }
  }
  CHECK(count_of(r.out, "[show] ***") == 4);
}

TEST_CASE("the values behind token_env and AUTOMATA_LLM_API_KEY are masked") {
  Project p;
  p.write("named.yaml", R"(version: 1
name: named
steps:
  show:
    run: echo "[$PUSH_CRED]"
  push:
    if: ${{ false }}
    uses: git.push
    with: { repo: ., branch: main, token_env: PUSH_CRED }
)");
  p.how().env["PUSH_CRED"] = "push-credential-value";
  p.how().env["AUTOMATA_LLM_API_KEY"] = "llm-key-value-1234";
  const auto r = p.run({"--output", "plain", "run", "named.yaml", "--run-id", "n"});
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  CHECK(r.out.find("push-credential-value") == std::string::npos);
  CHECK(r.out.find("[show] [***]") != std::string::npos);
  p.write("llm.yaml", R"(version: 1
name: llm
steps:
  show:
    env: { K: "${{ inputs.k }}" }
    run: echo "[$K]"
inputs:
  k: { type: string }
)");
  const auto llm = p.run({"--output", "plain", "run", "llm.yaml", "-i", "k=llm-key-value-1234"});
  CHECK(llm.exit_code == 0);
  CHECK(llm.out.find("llm-key-value-1234") == std::string::npos);
  CHECK(llm.out.find("[show] [***]") != std::string::npos);
}

TEST_CASE("a token_env named by an expression is masked from the step that names it on") {
  Project p;
  // The variable's name is known only at run time, and PUSHER looks like
  // no credential: the value is masked because git.push is told it holds one.
  p.write("late.yaml", R"(version: 1
name: late
inputs:
  var: { type: string }
  shown: { type: string }
steps:
  push:
    uses: git.push
    continue_on_error: true
    with: { repo: ., branch: main, token_env: "${{ inputs.var }}" }
  show:
    needs: [push]
    env: { V: "${{ inputs.shown }}" }
    run: echo "[$V]"
)");
  p.how().env["PUSHER"] = "late-named-credential";
  const auto r = p.run({"--output", "plain", "run", "late.yaml", "-i", "var=PUSHER", "-i", "shown=late-named-credential"});
  REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
  CHECK(r.out.find("[show] [***]") != std::string::npos);
  CHECK(r.out.find("late-named-credential") == std::string::npos);
}

TEST_CASE("signal --data recorded while no process drives the run is masked") {
  Project p;
  p.write("gate.yaml", R"(version: 1
name: gate
secrets: [MY_TOKEN]
steps:
  gate: { uses: wait, with: { signal: go } }
)");
  p.how().env["MY_TOKEN"] = k_secret;
  REQUIRE(p.run({"--output", "plain", "run", "gate.yaml", "--run-id", "g"}).exit_code == 4);
  const auto sent = p.run({"signal", "g", "go", "--data", Value{{"note", "x" + k_secret}}.dump()});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.err);
  const std::string journal = read_file(p.run_dir("g") / "journal.jsonl");
  CHECK(journal.find(k_secret) == std::string::npos);
  CHECK(journal.find("\"note\":\"x***\"") != std::string::npos);
}

}  // TEST_SUITE
