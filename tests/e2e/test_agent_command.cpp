// `automata agent` end to end through the real binary: a scripted model
// server (OpenAI wire protocol on 127.0.0.1), a real repository with a bare
// remote, the validation run by make. Checked with git, the result object,
// the journal and the requests the server received.
#include <csignal>

#include <doctest/doctest.h>

#include "e2e/e2e_support.hpp"
#include "support/llm_stub_server.hpp"
#include "tools/llm/recorded_payloads.hpp"
#include "tools/git/git_fixture.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;
namespace fixture = automata::test::git;

namespace {

// `make test` passes once greeting.txt says hello.
constexpr std::string_view k_makefile =
    "test:\n"
    "\t@grep -q hello greeting.txt && echo '1 passed in 0.01s' || { echo '1 failed in 0.01s'; exit 1; }\n";

// A bare remote (main: README.md and the Makefile) and a clone of it in work/.
void make_repositories(const Project& project) {
  const auto seed = project.dir() / "seed";
  std::filesystem::create_directories(seed);
  fixture::git(seed, "init -q -b main");
  project.write("seed/README.md", "# Greeter\n");
  project.write("seed/Makefile", k_makefile);
  fixture::git(seed, "add README.md Makefile");
  fixture::git(seed, "commit -q -m 'first commit'");
  fixture::git(project.dir().path(), "clone -q --bare seed remote.git");
  fixture::git(project.dir().path(), "clone -q remote.git work");
}

std::string remote_url(const Project& project) { return "file://" + (project.dir() / "remote.git").string(); }

void use_model(Project& project, const LlmStubServer& server) {
  project.how().env["AUTOMATA_LLM_BASE_URL"] = server.base_url();
  project.how().env["AUTOMATA_MODEL"] = "stub-model";
  project.how().env["GIT_CONFIG_GLOBAL"] = "/dev/null";
  project.how().env["GIT_CONFIG_NOSYSTEM"] = "1";
  project.how().unset = {"OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "AUTOMATA_LLM_API_KEY"};
}

// A repository with its remote, and a model server the binary is pointed at.
struct AgentSetup {
  Project project;
  LlmStubServer server{LlmProtocol::openai};
  AgentSetup() {
    make_repositories(project);
    use_model(project, server);
  }
};

ScriptedReply tool(std::string id, std::string name, Value arguments) {
  return ScriptedReply::call({{std::move(id), std::move(name), arguments.dump()}});
}

ScriptedReply plan_reply() {
  return ScriptedReply::say(Value{{"summary", "add a greeting file"},
                                  {"steps", {"write greeting.txt", "run make test"}},
                                  {"files_to_create", {"greeting.txt"}},
                                  {"files_to_modify", Value::array()},
                                  {"validation", {"make test passes"}}}
                                .dump());
}

ScriptedReply write_greeting(std::string id, std::string text) {
  return tool(std::move(id), "write_file", {{"path", "greeting.txt"}, {"content", std::move(text)}});
}

ScriptedReply finish(std::string id, std::string summary) {
  return tool(std::move(id), "finish", {{"summary", std::move(summary)}});
}

// The last message of request `index`, as the server received it.
Value last_message(const LlmStubServer& server, std::size_t index) {
  const Value body = server.body(index);
  return body.contains("messages") && !body["messages"].empty() ? body["messages"].back() : Value();
}

}  // namespace

TEST_SUITE("e2e agent") {
  TEST_CASE("automata agent: plan, agent, a failed validation fed back, a fix round, commit, push") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(plan_reply());
    server.enqueue(write_greeting("c1", "hi\n"));
    server.enqueue(finish("c2", "wrote greeting.txt"));
    server.enqueue(write_greeting("c3", "hello\n"));
    server.enqueue(finish("c4", "greeting.txt says hello"));
    project.how().cwd = project.dir() / "work";

    const auto result = project.run({"--output", "json", "agent", "--title", "Add a greeting", "--requirement",
                                     "greeting.txt says hello", "--instructions", "Keep it short."});
    INFO(result.out);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(lines_of(result.out).size() == 1);  // the result object alone
    const Value agent = Value::parse(result.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["success"] == true);
    CHECK(agent["status"] == "succeeded");
    Value broken = agent;
    broken["pushed"] = "yes";
    broken.erase("run");
    CHECK(schema_problems(broken, "agent-result") ==
          "$: 'run' is a required property\n$['pushed']: 'yes' is not of type 'boolean'\n");  // the check can fail
    const std::string branch = agent["branch"].get<std::string>();
    CHECK(branch.rfind("feat/", 0) == 0);
    CHECK(branch.find("-add-a-greeting") != std::string::npos);
    CHECK(agent["pushed"] == true);
    CHECK(agent["workspace"].is_null());  // the worktree is removed after success
    CHECK(agent["plan"]["files_to_create"] == Value{"greeting.txt"});
    CHECK(agent["steps_completed"] == Value{"locate", "branch", "worktree", "survey", "plan", "implement", "commit",
                                            "push", "cleanup"});
    CHECK(agent["agent"]["outcome"] == "finished");
    CHECK(agent["agent"]["summary"] == "greeting.txt says hello");
    CHECK(agent["agent"]["iterations"] == 4);
    CHECK(agent["agent"]["fix_rounds"] == 1);
    CHECK(agent["agent"]["files_changed"] == Value{"greeting.txt"});
    CHECK(agent["validation"]["passed"] == true);
    CHECK(agent["validation"]["commands"][0]["command"] == "make test");
    CHECK(agent["validation"]["tests_passed"] == 1);
    CHECK(agent["validation"]["tests_failed"] == 0);
    CHECK(agent["error"].is_null());
    CHECK(agent["llm_calls"] == 5);
    CHECK(agent["tokens"]["prompt"] == 60);
    CHECK(agent["tokens"]["completion"] == 35);
    CHECK(agent["tokens"]["total"] == 95);
    CHECK(agent["tokens"]["unpriced"] == Value{"stub-model"});  // no `prices` in the config

    // The branch is on the remote with the fixed file, committed by the fallback author.
    const auto remote = project.dir() / "remote.git";
    CHECK(fixture::git(remote, "rev-parse " + branch) == agent["commit"].get<std::string>());
    CHECK(fixture::git(remote, "show " + branch + ":greeting.txt") == "hello");
    CHECK(fixture::git(remote, "log --format=%s main.." + branch) == "Add a greeting");
    CHECK(fixture::git(remote, "log -1 --format='%an <%ae>' " + branch) == "automata <automata@localhost>");
    // The user's checkout is as it was: still on main, no new file, no worktree left.
    const auto work = project.dir() / "work";
    CHECK(fixture::git(work, "rev-parse --abbrev-ref HEAD") == "main");
    CHECK_FALSE(std::filesystem::exists(work / "greeting.txt"));
    CHECK(fixture::git(work, "status --porcelain") == "");
    CHECK(lines_of(fixture::git(work, "worktree list")).size() == 1);
    // A run store inside a repository ignores itself.
    CHECK(read_file(project.home() / "runs" / ".gitignore") == "# written by automata: runs are not source\n*\n");

    // What the model was sent: the plan and instructions in the agent's
    // system prompt, and the failed validation fed back after its finish.
    REQUIRE(server.requests().size() == 5);
    CHECK(server.body(0)["messages"][1]["content"].get<std::string>().find("Task: Add a greeting") != std::string::npos);
    const std::string system = server.body(1)["messages"][0]["content"].get<std::string>();
    CHECK(system.find("Keep it short.") != std::string::npos);
    CHECK(system.find("1. write greeting.txt\n2. run make test\n") != std::string::npos);
    CHECK(system.find("- greeting.txt says hello\n") != std::string::npos);
    const Value feedback = last_message(server, 3);
    CHECK(feedback["role"] == "tool");
    CHECK(feedback["tool_call_id"] == "c2");
    const std::string text = feedback["content"].get<std::string>();
    CHECK(text.find("Fix round 1 of 2.") != std::string::npos);
    CHECK(text.find("make test") != std::string::npos);
    CHECK(text.find("1 failed") != std::string::npos);
  }

  TEST_CASE("automata agent --repo clones; --no-push commits without pushing; the text result says so") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(write_greeting("c1", "hello\n"));
    server.enqueue(finish("c2", "done"));
    const auto result = project.run({"--output", "plain", "agent", "--title", "Greet", "--repo", remote_url(project),
                                     "--no-push", "--no-plan", "--validate", "test -f greeting.txt", "--branch",
                                     "agent/greet"});
    INFO(result.out);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("agent succeeded") != std::string::npos);
    CHECK(result.out.find("  branch      agent/greet (not pushed)\n") != std::string::npos);
    CHECK(result.out.find("  validation  passed: ✓ test -f greeting.txt\n") != std::string::npos);
    CHECK(fixture::git(project.dir() / "remote.git", "for-each-ref --format='%(refname)'") == "refs/heads/main");
    const Value status = Value::parse(project.run({"status", "last", "--output", "json"}).out);
    CHECK(status["steps"]["push"]["status"] == "skipped");
    CHECK(status["steps"]["plan"]["status"] == "skipped");
    const auto clone = project.run_dir(project.only_run()) / "work/repo";
    CHECK(fixture::git(clone, "show agent/greet:greeting.txt") == "hello");
  }

  TEST_CASE("automata agent: a validation still failing after the fix rounds is committed, not pushed; exit 1") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(write_greeting("c1", "hi\n"));
    server.enqueue(finish("c2", "first try"));
    server.enqueue(finish("c3", "second try"));
    project.how().cwd = project.dir() / "work";
    const auto result =
        project.run({"--output", "json", "agent", "--title", "Greet", "--no-plan", "--fix-rounds", "1"});
    INFO(result.err);
    CHECK(result.exit_code == 1);
    const Value agent = Value::parse(result.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["success"] == false);
    CHECK(agent["agent"]["outcome"] == "validation_failed");
    CHECK(agent["validation"]["passed"] == false);
    CHECK(agent["validation"]["tests_failed"] == 1);
    CHECK(agent["pushed"] == false);
    CHECK(agent["commit"].is_string());
    CHECK(agent["error"].get<std::string>().find("the validation still failed after 1 fix round: `make test` exited") !=
          std::string::npos);
    // The work stays in the worktree, on the branch, for a person to look at.
    const std::string workspace = agent["workspace"].get<std::string>();
    CHECK(std::filesystem::exists(std::filesystem::path(workspace) / "greeting.txt"));
    CHECK(fixture::git(project.dir() / "remote.git", "for-each-ref --format='%(refname)'") == "refs/heads/main");
    CHECK(fixture::git(project.dir() / "work", "branch --format='%(refname:short)'") ==
          agent["branch"].get<std::string>() + "\nmain");  // kept by the worktree's compensation
  }

  TEST_CASE("automata agent: the model unreachable leaves no branch and no worktree, said once, at once; resume works") {
    AgentSetup setup;
    Project& project = setup.project;
    setup.server.refuse_connections();
    const auto work = project.dir() / "work";
    project.how().cwd = work;
    const std::string before = fixture::git(work, "status --porcelain --branch");
    const auto started = std::chrono::steady_clock::now();
    const auto result = project.run({"--output", "plain", "agent", "--title", "Add a greeting"});
    INFO(result.out);
    INFO(result.err);
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    CHECK(result.exit_code == 1);
    // The URL posted to and the protocol spoken, once; never "openai" for a server of one's own.
    const std::string url = setup.server.base_url();
    const std::string error = "cannot reach the model server at " + url + " (OpenAI-compatible): connection refused "
                              "(POST " + url + "/chat/completions)";
    CHECK(count_of(result.out + result.err, error) == 1);
    CHECK(count_of(result.out + result.err, "openai") == 0);
    CHECK(count_of(result.out + result.err, "attempt") == 0);
    CHECK(result.out.find("✗ agent failed in ") != std::string::npos);
    CHECK(result.out.find("error       step 'plan' failed (its error is above)\n") != std::string::npos);
    // The user's checkout is as it was: no branch, no worktree, nothing changed.
    CHECK(fixture::git(work, "branch --format='%(refname:short)'") == "main");
    CHECK(fixture::git(work, "worktree list --porcelain").find("worktree " + work.string() + "\n") == 0);
    CHECK(count_of(fixture::git(work, "worktree list --porcelain"), "worktree ") == 1);
    CHECK(fixture::git(work, "status --porcelain --branch") == before);

    // With the server up, the run resumes: the worktree and its branch are made again.
    LlmStubServer live{LlmProtocol::openai};
    use_model(project, live);
    live.enqueue(plan_reply());
    live.enqueue(write_greeting("c1", "hello\n"));
    live.enqueue(finish("c2", "greeting.txt says hello"));
    const auto resumed = project.run({"--output", "json", "resume", "last"});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    const Value agent = Value::parse(resumed.out);
    CHECK(agent["pushed"] == true);
    CHECK(fixture::git(project.dir() / "remote.git", "for-each-ref --format='%(refname)'") ==
          "refs/heads/" + agent["branch"].get<std::string>() + "\nrefs/heads/main");
  }

  TEST_CASE("automata agent: a model that refuses the first request leaves the repository as it was") {
    AgentSetup setup;
    Project& project = setup.project;
    setup.server.enqueue(ScriptedReply::fail(401, "invalid api key"));
    const auto work = project.dir() / "work";
    project.how().cwd = work;
    const auto result = project.run({"--output", "json", "agent", "--title", "Add a greeting"});
    INFO(result.err);
    CHECK(result.exit_code == 1);
    const Value agent = Value::parse(result.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["branch"].is_null());
    CHECK(agent["workspace"].is_null());
    CHECK(agent["error"].get<std::string>().find("answered 401 (invalid api key)") != std::string::npos);
    CHECK(fixture::git(work, "branch --format='%(refname:short)'") == "main");
    CHECK(count_of(fixture::git(work, "worktree list --porcelain"), "worktree ") == 1);
    CHECK(setup.server.requests().size() == 1);
  }

  TEST_CASE("automata agent: a missing title, no model, or no repository is a usage error and nothing runs") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    project.how().cwd = project.dir() / "work";
    auto result = project.run({"agent", "--description", "no title"});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("automata: error: the task has no title") != std::string::npos);

    project.how().env.erase("AUTOMATA_LLM_BASE_URL");
    project.how().unset.push_back("AUTOMATA_LLM_BASE_URL");
    result = project.run({"agent", "--title", "x"});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("OPENROUTER_API_KEY") != std::string::npos);

    use_model(project, server);
    project.how().cwd = project.dir().path();
    result = project.run({"agent", "--title", "x"});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("is not inside a git repository") != std::string::npos);
    CHECK(project.run_ids().empty());
    CHECK(server.requests().empty());
  }

  TEST_CASE("automata agent --task-file: the task from YAML; an unknown key is named") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(finish("c1", "nothing to do"));
    project.write("task.yaml", "title: From a file\ndescription: Described\nrequirements: it works\nvalidate: 'true'\n");
    project.write("bad.yaml", "title: x\nrequirments: [a]\n");
    project.how().cwd = project.dir() / "work";
    auto result = project.run({"agent", "--task-file", (project.dir() / "bad.yaml").string()});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("unknown key 'requirments'") != std::string::npos);
    project.write("list-title.yaml", "title: [a, b]\nvalidate: {a: 1}\n");
    const std::string list_title = (project.dir() / "list-title.yaml").string();
    result = project.run({"agent", "--task-file", list_title});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "automata: error: " + list_title + ": title must be text, got [\"a\",\"b\"]\n");
    project.write("list-title.yaml", "title: t\nvalidate: {a: 1}\n");
    result = project.run({"agent", "--task-file", list_title});
    CHECK(result.exit_code == 2);
    CHECK(result.err.find(list_title + ": input 'validate' must be a list") != std::string::npos);
    result = project.run(
        {"--output", "json", "agent", "--task-file", (project.dir() / "task.yaml").string(), "--no-plan", "--no-push"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const Value agent = Value::parse(result.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["commit"].is_null());  // nothing changed: nothing committed
    const std::string system = server.body(0)["messages"][0]["content"].get<std::string>();
    CHECK(system.find("Title: From a file") != std::string::npos);
    CHECK(system.find("Described") != std::string::npos);
    CHECK(system.find("- it works") != std::string::npos);
  }

  TEST_CASE("a copied automata agent runs its built-in workflow, never the agent.yaml of the current directory") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(write_greeting("c1", "hello\n"));
    server.enqueue(finish("c2", "done"));
    const auto bin = project.dir() / "bin";
    std::filesystem::create_directories(bin);
    std::filesystem::copy_file(binary_path(), bin / "automata");
    project.how().binary = (bin / "automata").string();
    // If either ran, it would leave pwned.txt in work/.
    const std::string hostile = "version: 1\nname: agent\ninputs:\n  title: { type: string }\nsteps:\n"
                                "  pwn: { run: \"echo pwned > pwned.txt\" }\n";
    project.write("work/agent.yaml", hostile);
    project.write("work/agent", hostile);
    project.how().cwd = project.dir() / "work";
    const auto result = project.run({"--output", "json", "agent", "--title", "Greet", "--no-plan", "--no-push",
                                     "--validate", "test -f greeting.txt"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const Value agent = Value::parse(result.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["success"] == true);
    CHECK_FALSE(std::filesystem::exists(project.dir() / "work" / "pwned.txt"));
    const std::string id = project.only_run();
    CHECK(project.journal(id).front()["file"] == "builtin:agent");
    CHECK(read_file(project.run_dir(id) / "workflow.yaml") == read_file(source_dir() / "workflows" / "agent.yaml"));
  }

  TEST_CASE("automata agent --workflow FILE runs that copy with the same inputs; a missing file is a usage error") {
    AgentSetup setup;
    Project& project = setup.project;
    project.write("my-agent.yaml", R"yaml(version: 1
name: my-agent
inputs:
  title: { type: string }
  validate: { type: list, default: [] }
steps:
  note: { run: "echo '${{ inputs.title }}: ${{ join(inputs.validate, ' & ') }}' > copy.txt" }
)yaml");
    project.how().cwd = project.dir() / "work";
    const std::string copy = (project.dir() / "my-agent.yaml").string();
    auto result = project.run({"agent", "--workflow", copy, "--title", "Greet", "--validate", "make test",
                               "--validate", "make lint"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(read_file(project.dir() / "work" / "copy.txt") == "Greet: make test & make lint\n");
    CHECK(project.journal(project.only_run()).front()["file"] == copy);
    CHECK(setup.server.requests().empty());

    result = project.run({"agent", "--workflow", "nowhere.yaml", "--title", "Greet"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "automata: error: cannot read the workflow file nowhere.yaml: no such file\n");
  }

  TEST_CASE("SIGKILL in the middle of the agent loop, then resume: no completed turn is asked again") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(plan_reply());
    server.enqueue(write_greeting("c1", "hello\n"));
    server.enqueue(tool("c2", "run_shell_command", {{"command", "cat greeting.txt"}}));
    ScriptedReply held = finish("c3", "never delivered");
    held.hold = true;  // the model "thinks" while the run is killed
    server.enqueue(held);
    server.enqueue(finish("c4", "greeting.txt says hello"));
    project.how().cwd = project.dir() / "work";

    auto process = project.spawn({"--output", "plain", "agent", "--title", "Add a greeting"});
    REQUIRE(eventually([&] { return server.requests().size() == 4; }, 60s));
    const std::string id = project.wait_for_run();
    ::killpg(process->pid(), SIGKILL);
    CHECK(process->wait() == 128 + SIGKILL);
    server.release_held();
    const auto before = project.journal(id);
    int checkpoints = 0;
    for (const auto& record : before) {
      checkpoints += record.value("type", "") == "StepCheckpoint" && record.value("step", "") == "implement";
    }
    CHECK(checkpoints == 2);  // turns 1 and 2 completed before the kill

    const auto resumed = project.run({"--output", "json", "resume", id});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    const Value agent = Value::parse(resumed.out);
    CHECK(schema_problems(agent, "agent-result") == "");
    CHECK(agent["success"] == true);
    CHECK(agent["agent"]["iterations"] == 3);
    CHECK(agent["llm_calls"] == 4);  // plan + 3 turns: the killed request is not counted twice

    // Five requests in all: the plan and turns 1-2 were never asked again;
    // only the turn the kill interrupted was, with the very same body.
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    CHECK(requests[4].body == requests[3].body);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(requests[i].body != requests[4].body);
    }
    CHECK(fixture::git(project.dir() / "remote.git", "show " + agent["branch"].get<std::string>() + ":greeting.txt") ==
          "hello");
  }

  TEST_CASE("Gemini's thought signatures are journaled: the turn a resume asks again sends them back as sent") {
    AgentSetup setup;
    Project& project = setup.project;
    LlmStubServer& server = setup.server;
    server.enqueue(plan_reply());
    server.enqueue(ScriptedReply::replay(payloads::gemini_call(
        "function-call-1", "write_file", {{"path", "greeting.txt"}, {"content", "hello\n"}}, "c2lnbmF0dXJlIG9uZQ==")));
    server.enqueue(ScriptedReply::replay(
        payloads::gemini_call("function-call-2", "run_shell_command", {{"command", "cat greeting.txt"}}, "c2lnIHR3bw==")));
    ScriptedReply held = ScriptedReply::replay(
        payloads::gemini_call("function-call-3", "finish", {{"summary", "never delivered"}}, "c2lnIHRocmVl"));
    held.hold = true;
    server.enqueue(held);
    server.enqueue(ScriptedReply::replay(
        payloads::gemini_call("function-call-4", "finish", {{"summary", "greeting.txt says hello"}}, "c2lnIGZvdXI=")));
    project.how().cwd = project.dir() / "work";

    auto process = project.spawn({"--output", "plain", "agent", "--title", "Add a greeting"});
    REQUIRE(eventually([&] { return server.requests().size() == 4; }, 60s));
    const std::string id = project.wait_for_run();
    ::killpg(process->pid(), SIGKILL);
    CHECK(process->wait() == 128 + SIGKILL);
    server.release_held();
    std::vector<Value> extras;
    for (const auto& record : project.journal(id)) {
      if (record.value("type", "") == "StepCheckpoint" && record.value("step", "") == "implement") {
        extras.push_back(record["data"]["reply"]["tool_calls"][0]["extra"]);
      }
    }
    CHECK(extras == std::vector<Value>{{{"extra_content", {{"google", {{"thought_signature", "c2lnbmF0dXJlIG9uZQ=="}}}}}},
                                       {{"extra_content", {{"google", {{"thought_signature", "c2lnIHR3bw=="}}}}}}});

    const auto resumed = project.run({"--output", "json", "resume", id});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    CHECK(requests[4].body == requests[3].body);
    const Value messages = server.body(4)["messages"];
    REQUIRE(messages.size() == 6);
    CHECK(messages[2]["tool_calls"][0]["extra_content"]["google"]["thought_signature"] == "c2lnbmF0dXJlIG9uZQ==");
    CHECK(messages[4]["tool_calls"][0]["extra_content"]["google"]["thought_signature"] == "c2lnIHR3bw==");
  }
}
