#include "engine/run_state.hpp"

#include "engine/journal.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace automata;
using namespace automata::engine;

namespace {

// Records as the driver writes them: seq, ts and type first.
class Records {
 public:
  Records& add(const std::string& type, Value fields = Value::object()) {
    Value record = Value::object();
    record["seq"] = static_cast<std::uint64_t>(m_records.size() + 1);
    record["ts"] = "2026-11-21T15:30:" + two_digits(m_records.size()) + ".000Z";
    record["type"] = type;
    for (auto& [key, value] : fields.items()) {
      record[key] = value;
    }
    record["crc"] = "00000000";
    m_records.push_back(std::move(record));
    return *this;
  }
  const std::vector<Value>& all() const { return m_records; }
  RunState fold() const { return fold_records(m_records); }

 private:
  static std::string two_digits(std::size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }
  std::vector<Value> m_records;
};

Value started() {
  return {{"journal_version", 1}, {"run", "20261121T153000Z-abc123"}, {"workflow", "demo"},
          {"file", "/work/demo.yaml"}, {"source_hash", "aaaa"}, {"inputs", {{"n", 1}}},
          {"automata_version", "0.1.0"}, {"cwd", "/work"}, {"steps", {"build", "lint", "test", "deploy"}}};
}

// build fails once and is retried; lint is a matrix with one instance failing
// (continue_on_error); a pause signal stops the run, which is resumed; test is
// skipped; deploy succeeds.
Records happy_run() {
  Records r;
  r.add("RunStarted", started())
      .add("StepScheduled", {{"step", "build"}, {"name", "Build it"}, {"attempt", 1}})
      .add("StepStarted", {{"step", "build"}, {"attempt", 1}, {"worker", "local:42"}})
      .add("StepHeartbeat", {{"step", "build"}, {"attempt", 1}, {"message", "compiling"}})
      .add("StepFailed", {{"step", "build"}, {"attempt", 1}, {"error", "exit code 1"}, {"exit_code", 1},
                          {"retryable", true}, {"duration_ms", 30}})
      .add("StepRetryScheduled", {{"step", "build"}, {"next_attempt", 2}, {"delay_ms", 1000}, {"max_attempts", 3}})
      .add("StepStarted", {{"step", "build"}, {"attempt", 2}, {"worker", "local:42"}})
      .add("StepCompleted", {{"step", "build"}, {"attempt", 2}, {"outputs", {{"version", "1.0"}}},
                             {"duration_ms", 120}, {"exit_code", 0}})
      .add("StepScheduled", {{"step", "lint[tool=tidy]"}, {"instance", {{"tool", "tidy"}}}, {"matrix_of", "lint"},
                             {"attempt", 1}})
      .add("StepStarted", {{"step", "lint[tool=tidy]"}, {"attempt", 1}, {"worker", "local:42"}})
      .add("StepScheduled", {{"step", "lint[tool=cppcheck]"}, {"instance", {{"tool", "cppcheck"}}},
                             {"matrix_of", "lint"}, {"attempt", 1}})
      .add("StepStarted", {{"step", "lint[tool=cppcheck]"}, {"attempt", 1}, {"worker", "local:42"}})
      .add("SignalReceived", {{"name", "pause"}, {"data", nullptr}})
      .add("StepCompleted", {{"step", "lint[tool=tidy]"}, {"attempt", 1}, {"outputs", Value::object()},
                             {"duration_ms", 50}, {"exit_code", 0}})
      .add("StepFailed", {{"step", "lint[tool=cppcheck]"}, {"attempt", 1}, {"error", "exit code 2"},
                          {"exit_code", 2}, {"retryable", false}, {"duration_ms", 60}, {"continue_on_error", true}})
      .add("RunPaused", {{"reason", "paused by signal"}})
      .add("RunResumed", {{"by", "resume"}, {"use_current", false}, {"source_hash", "aaaa"}})
      .add("StepSkipped", {{"step", "test"}, {"reason", "if: inputs.n > 1 was false"}})
      .add("StepScheduled", {{"step", "deploy"}, {"attempt", 1}})
      .add("StepStarted", {{"step", "deploy"}, {"attempt", 1}, {"worker", "local:43"}})
      .add("StepCompleted", {{"step", "deploy"}, {"attempt", 1}, {"outputs", {{"url", "https://x"}}},
                             {"duration_ms", 10}, {"exit_code", 0}})
      .add("RunCompleted", {{"duration_ms", 5000}, {"outputs", {{"url", "https://x"}}}});
  return r;
}

}  // namespace

TEST_SUITE("run_state") {
  TEST_CASE("a realistic run folds to the status JSON of cli.md") {
    const RunState state = happy_run().fold();
    CHECK(state.to_json(true).dump() ==
          R"({"run":"20261121T153000Z-abc123","workflow":"demo","status":"succeeded",)"
          R"("started":"2026-11-21T15:30:00.000Z","finished":"2026-11-21T15:30:21.000Z",)"
          R"("duration_ms":20000,"elapsed_ms":21000,)"
          R"("steps":{)"
          R"("build":{"status":"succeeded","attempts":2,"outputs":{"version":"1.0"},"exit_code":0,"duration_ms":120},)"
          R"("lint[tool=tidy]":{"status":"succeeded","attempts":1,"outputs":{},"exit_code":0,"duration_ms":50},)"
          R"("lint[tool=cppcheck]":{"status":"failed","attempts":1,"outputs":{},"exit_code":2,"duration_ms":60,)"
          R"("error":"exit code 2"},)"
          R"("test":{"status":"skipped","attempts":0,"outputs":{},"exit_code":null,"duration_ms":0,)"
          R"("reason":"if: inputs.n > 1 was false"},)"
          R"("deploy":{"status":"succeeded","attempts":1,"outputs":{"url":"https://x"},"exit_code":0,)"
          R"("duration_ms":10}},)"
          R"("outputs":{"url":"https://x"},"tokens":{"prompt":0,"completion":0,"calls":0}})");
    // `runs` leaves the steps out.
    CHECK(state.to_json(false).dump() ==
          R"({"run":"20261121T153000Z-abc123","workflow":"demo","status":"succeeded",)"
          R"("started":"2026-11-21T15:30:00.000Z","finished":"2026-11-21T15:30:21.000Z",)"
          R"("duration_ms":20000,"elapsed_ms":21000,)"
          R"("outputs":{"url":"https://x"},"tokens":{"prompt":0,"completion":0,"calls":0}})");
  }

  TEST_CASE("running time is the sum of the drives; elapsed time counts from the first start") {
    // Drive 1: 0s..15s (RunPaused); drive 2: 16s..21s. The 1s between them is not running time.
    const RunState state = happy_run().fold();
    CHECK(state.running_ms() == 20000);
    CHECK(state.elapsed_ms() == 21000);
    // A drive killed without its end record ends at its last record; a signal
    // recorded while no process drives the run is not running time.
    Records killed;
    killed.add("RunStarted", started())                                        // :00
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}})              // :01
        .add("StepHeartbeat", {{"step", "build"}, {"attempt", 1}})            // :02, then SIGKILL
        .add("SignalReceived", {{"name", "approve"}, {"data", nullptr}})      // :03, offline
        .add("RunResumed", {{"by", "resume"}})                                // :04
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}});             // :05, still running
    const RunState live = killed.fold();
    CHECK(live.running_ms() == 3000);
    CHECK(live.elapsed_ms() == 5000);
    const SystemTime at_10s = *parse_timestamp("2026-11-21T15:30:10.000Z");
    CHECK(live.running_ms(at_10s) == 8000);
    CHECK(live.elapsed_ms(at_10s) == 10000);
    const Value json = live.to_json(false, at_10s);
    CHECK(json["duration_ms"] == 8000);
    CHECK(json["elapsed_ms"] == 10000);
  }

  TEST_CASE("a rolled-back step shows as compensated, a failed compensation as compensation_failed") {
    Records r;
    r.add("RunStarted", started())
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 5}})
        .add("StepCompleted", {{"step", "lint"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 6}})
        .add("StepFailed", {{"step", "test"}, {"attempt", 1}, {"error", "exit code 1"}, {"exit_code", 1}})
        .add("CompensationStarted", {{"step", "lint"}})
        .add("CompensationFailed", {{"step", "lint"}, {"error", "exit code 3"}})
        .add("CompensationStarted", {{"step", "build"}})
        .add("CompensationCompleted", {{"step", "build"}, {"duration_ms", 2}})
        .add("RunFailed", {{"error", "step 'test' failed: exit code 1"}});
    const Value json = r.fold().to_json(true);
    CHECK(json["steps"]["build"]["status"] == "compensated");
    CHECK(json["steps"]["lint"]["status"] == "compensation_failed");
    CHECK(json["steps"]["lint"]["compensation_error"] == "exit code 3");
    CHECK(json["steps"]["test"]["status"] == "failed");
    CHECK(json["compensated"] == Value::array({"build"}));
    CHECK(json["compensation_failed"] == Value::array({"lint"}));
    // A resume re-runs compensated steps: they are pending again, then succeed.
    Records resumed = r;
    resumed.add("RunResumed", {{"by", "resume"}, {"reset", {"build", "lint"}}})
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 5}});
    const Value after = resumed.fold().to_json(true);
    CHECK(after["steps"]["build"]["status"] == "succeeded");
    CHECK(after["steps"]["lint"]["status"] == "pending");
    CHECK_FALSE(after.contains("compensated"));
  }

  TEST_CASE("a paused run says what it waits for and the commands that continue it") {
    Records r;
    r.add("RunStarted", started())
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}})
        .add("RunPaused", {{"reason", "waiting for signal 'approve'"},
                           {"waiting_for", {{{"signal", "approve"}, {"command", "automata signal R approve"}}}},
                           {"resume_command", "automata resume R"}});
    const std::string id = "20261121T153000Z-abc123";
    Value json = r.fold().to_json(false);
    CHECK(json["status"] == "paused");
    CHECK(json["paused_reason"] == "waiting for signal 'approve'");
    CHECK(json["waiting_for"] ==
          Value::array({Value{{"signal", "approve"}, {"command", "automata signal " + id + " approve"}}}));
    CHECK(json["resume_command"] == "automata resume " + id);
    // Once the signal is recorded, only the resume is left.
    r.add("SignalReceived", {{"name", "approve"}, {"data", nullptr}});
    json = r.fold().to_json(false);
    CHECK(json["paused_reason"] == "the signals it waited for have been received");
    CHECK_FALSE(json.contains("waiting_for"));
    CHECK(json["resume_command"] == "automata resume " + id);
    // Paused by a `pause` signal, its process still drives it: a `resume` signal continues it.
    Records by_signal;
    by_signal.add("RunStarted", started()).add("SignalReceived", {{"name", "pause"}, {"data", nullptr}});
    json = by_signal.fold().to_json(false);
    CHECK(json["paused_reason"] == "paused by signal");
    CHECK(json["waiting_for"] ==
          Value::array({Value{{"signal", "resume"}, {"command", "automata signal " + id + " resume"}}}));
    CHECK_FALSE(json.contains("resume_command"));
  }

  TEST_CASE("folding by value (records consumed) gives the same state as folding by reference") {
    std::vector<Value> records = happy_run().all();
    const Value by_reference = fold_records(records).to_json(true);
    CHECK(fold_records(std::move(records)).to_json(true) == by_reference);
  }

  TEST_CASE("the fold keeps what resume and the renderers need") {
    const RunState state = happy_run().fold();
    CHECK(state.run_id == "20261121T153000Z-abc123");
    CHECK(state.file == "/work/demo.yaml");
    CHECK(state.source_hash == "aaaa");
    CHECK(state.inputs == Value({{"n", 1}}));
    CHECK(state.planned_steps == std::vector<std::string>{"build", "lint", "test", "deploy"});
    CHECK(state.order == std::vector<std::string>{"build", "lint[tool=tidy]", "lint[tool=cppcheck]", "test", "deploy"});
    CHECK(state.completion_order == std::vector<std::string>{"build", "lint[tool=tidy]", "deploy"});
    CHECK(state.last_seq == 22);
    CHECK(state.duration_ms == 5000);
    const StepState& build = state.steps.at("build");
    CHECK(build.name == "Build it");
    CHECK(build.first_started == "2026-11-21T15:30:02.000Z");
    CHECK(build.error.empty());  // cleared by the successful retry
    const StepState& cppcheck = state.steps.at("lint[tool=cppcheck]");
    CHECK(cppcheck.matrix_of == "lint");
    CHECK(cppcheck.instance == Value({{"tool", "cppcheck"}}));
    CHECK(cppcheck.continue_on_error);
    REQUIRE(state.signals.size() == 1);
    CHECK(state.signals[0].name == "pause");
    CHECK_FALSE(state.pause_requested);  // RunResumed continues the run
  }

  TEST_CASE("status after each record: retrying, paused, resumed") {
    const Records run = happy_run();
    const auto& records = run.all();
    RunState state;
    std::vector<std::string> run_status;
    std::vector<std::string> build_status;
    for (const auto& record : records) {
      state.apply(record);
      run_status.push_back(state.status);
      build_status.push_back(state.steps.count("build") != 0 ? state.steps.at("build").status : "-");
    }
    CHECK(build_status == std::vector<std::string>{"-", "pending", "running", "running", "failed", "retrying",
                                                   "running", "succeeded", "succeeded", "succeeded", "succeeded",
                                                   "succeeded", "succeeded", "succeeded", "succeeded", "succeeded",
                                                   "succeeded", "succeeded", "succeeded", "succeeded", "succeeded",
                                                   "succeeded"});
    CHECK(run_status == std::vector<std::string>{"running", "running", "running", "running", "running", "running",
                                                 "running", "running", "running", "running", "running", "running",
                                                 "paused", "paused", "paused", "paused", "running", "running",
                                                 "running", "running", "running", "succeeded"});
    CHECK(state.paused_reason.empty());
  }

  TEST_CASE("before any step, planned steps are pending; instances replace their matrix step") {
    Records r;
    r.add("RunStarted", started())
        .add("StepScheduled", {{"step", "lint[tool=a]"}, {"instance", {{"tool", "a"}}}, {"matrix_of", "lint"}})
        .add("StepStarted", {{"step", "lint[tool=a]"}, {"attempt", 1}});
    const Value json = r.fold().to_json(true);
    CHECK(json["status"] == "running");
    CHECK(json["finished"].is_null());
    CHECK(json["steps"].dump() ==
          R"({"build":{"status":"pending","attempts":0,"outputs":{},"exit_code":null,"duration_ms":0},)"
          R"("lint[tool=a]":{"status":"running","attempts":1,"outputs":{},"exit_code":null,"duration_ms":0},)"
          R"("test":{"status":"pending","attempts":0,"outputs":{},"exit_code":null,"duration_ms":0},)"
          R"("deploy":{"status":"pending","attempts":0,"outputs":{},"exit_code":null,"duration_ms":0}})");
  }

  TEST_CASE("a failed run: cancelled step, compensations, on_failure steps after the planned ones") {
    Records r;
    r.add("RunStarted", started())
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}})
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 5}})
        .add("StepStarted", {{"step", "lint"}, {"attempt", 1}})
        .add("StepStarted", {{"step", "test"}, {"attempt", 1}})
        .add("StepFailed", {{"step", "test"}, {"attempt", 1}, {"error", "timed out after 1s"}, {"exit_code", 124},
                            {"retryable", false}, {"timed_out", true}, {"duration_ms", 1000}})
        .add("StepFailed", {{"step", "lint"}, {"attempt", 1}, {"error", "cancelled"}, {"exit_code", nullptr},
                            {"retryable", false}, {"cancelled", true}, {"duration_ms", 900}})
        .add("StepSkipped", {{"step", "deploy"}, {"reason", "needs not successful: test failed"}})
        .add("CompensationStarted", {{"step", "build"}})
        .add("CompensationCompleted", {{"step", "build"}, {"duration_ms", 3}})
        .add("StepStarted", {{"step", "tell"}, {"attempt", 1}})
        .add("StepCompleted", {{"step", "tell"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 2}})
        .add("RunFailed", {{"duration_ms", 1500}, {"error", "step 'test' failed: timed out after 1s"}});
    const RunState state = r.fold();
    CHECK(state.compensated == std::set<std::string>{"build"});
    CHECK(state.status == "failed");
    CHECK(state.to_json(true).dump() ==
          R"({"run":"20261121T153000Z-abc123","workflow":"demo","status":"failed",)"
          R"("started":"2026-11-21T15:30:00.000Z","finished":"2026-11-21T15:30:12.000Z",)"
          R"("duration_ms":12000,"elapsed_ms":12000,)"
          R"("error":"step 'test' failed: timed out after 1s","compensated":["build"],"steps":{)"
          R"("build":{"status":"compensated","attempts":1,"outputs":{},"exit_code":null,"duration_ms":5},)"
          R"("lint":{"status":"cancelled","attempts":1,"outputs":{},"exit_code":null,"duration_ms":900,)"
          R"("error":"cancelled"},)"
          R"("test":{"status":"failed","attempts":1,"outputs":{},"exit_code":124,"duration_ms":1000,)"
          R"("error":"timed out after 1s"},)"
          R"("deploy":{"status":"skipped","attempts":0,"outputs":{},"exit_code":null,"duration_ms":0,)"
          R"("reason":"needs not successful: test failed"},)"
          R"("tell":{"status":"succeeded","attempts":1,"outputs":{},"exit_code":null,"duration_ms":2}},)"
          R"("outputs":{},"tokens":{"prompt":0,"completion":0,"calls":0}})");
  }

  TEST_CASE("RunResumed with reset forgets those steps; the run is running again") {
    Records r;
    r.add("RunStarted", started())
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}})
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", {{"a", 1}}}, {"duration_ms", 5}})
        .add("StepStarted", {{"step", "deploy"}, {"attempt", 1}})
        .add("StepFailed", {{"step", "deploy"}, {"attempt", 1}, {"error", "exit code 1"}, {"exit_code", 1},
                            {"retryable", false}, {"duration_ms", 7}})
        .add("CompensationStarted", {{"step", "build"}})
        .add("CompensationFailed", {{"step", "build"}, {"error", "exit code 3"}, {"duration_ms", 1}})
        .add("RunFailed", {{"duration_ms", 100}, {"error", "step 'deploy' failed: exit code 1"}})
        .add("RunResumed", {{"by", "resume"}, {"use_current", true}, {"source_hash", "bbbb"}, {"from", "build"},
                            {"reset", {"build", "deploy"}}});
    const RunState state = r.fold();
    CHECK(state.status == "running");
    CHECK(state.finished.empty());
    CHECK(state.error.empty());
    CHECK(state.source_hash == "bbbb");
    CHECK(state.steps.empty());
    CHECK(state.order.empty());
    CHECK(state.completion_order.empty());
    CHECK(state.compensated.empty());
    CHECK(state.to_json(true)["steps"]["build"]["status"] == "pending");
    CHECK(state.to_json(true)["finished"].is_null());
    CHECK_FALSE(state.to_json(true).contains("error"));
  }

  TEST_CASE("interrupted, then resumed: a step left running keeps its attempt") {
    Records r;
    r.add("RunStarted", started())
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}})
        .add("RunInterrupted", {{"reason", "interrupted by signal"}});
    RunState state = r.fold();
    CHECK(state.status == "interrupted");
    CHECK(state.steps.at("build").status == "running");
    r.add("RunResumed", {{"by", "resume"}, {"use_current", false}, {"source_hash", "aaaa"}});
    state = r.fold();
    CHECK(state.status == "running");
    CHECK(state.steps.at("build").attempt == 1);
    CHECK(state.steps.at("build").first_started == "2026-11-21T15:30:01.000Z");
  }

  TEST_CASE("signals: pause and resume while live, and a resume recorded while stopped") {
    Records r;
    r.add("RunStarted", started()).add("SignalReceived", {{"name", "pause"}, {"data", nullptr}});
    CHECK(r.fold().status == "paused");
    CHECK(r.fold().pause_requested);
    r.add("SignalReceived", {{"name", "resume"}, {"data", nullptr}});
    CHECK(r.fold().status == "running");
    CHECK_FALSE(r.fold().pause_requested);
    // The driver stopped, waiting for a signal; a signal sent now is recorded
    // for the wait step, and the run stays paused until it is resumed.
    r.add("RunPaused", {{"reason", "waiting for signal 'approve'"}})
        .add("SignalReceived", {{"name", "approve"}, {"data", {{"by", "ann"}}}})
        .add("SignalReceived", {{"name", "resume"}, {"data", nullptr}});
    RunState state = r.fold();
    CHECK(state.status == "paused");
    CHECK(state.paused_reason == "waiting for signal 'approve'");
    REQUIRE(state.signals.size() == 4);
    CHECK(state.signals[2].name == "approve");
    CHECK(state.signals[2].data == Value({{"by", "ann"}}));
    r.add("RunResumed", {{"by", "resume"}, {"use_current", false}, {"source_hash", "aaaa"}});
    state = r.fold();
    CHECK(state.status == "running");
    CHECK(state.paused_reason.empty());
    // cancel and rollback are recorded; the run's end says what they did.
    r.add("SignalReceived", {{"name", "cancel"}, {"data", nullptr}}).add("RunCancelled", {{"duration_ms", 9}});
    state = r.fold();
    CHECK(state.status == "cancelled");
    CHECK(state.signals.back().name == "cancel");
  }

  TEST_CASE("stdout tails and LLM token usage") {
    Records r;
    r.add("RunStarted", started())
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 1},
                               {"stdout", "hello\n"}, {"llm", {{"prompt_tokens", 100}, {"completion_tokens", 20}}}})
        .add("StepCompleted", {{"step", "test"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 1},
                               {"llm", {{"prompt_tokens", 5}, {"completion_tokens", 1}, {"model", "m"}}}})
        .add("StepFailed", {{"step", "lint"}, {"attempt", 1}, {"error", "e"}, {"exit_code", 1}, {"duration_ms", 1},
                            {"stdout", "oops"}});
    const RunState state = r.fold();
    CHECK(state.steps.at("build").has_stdout);
    CHECK(state.steps.at("build").stdout_tail == "hello\n");
    CHECK_FALSE(state.steps.at("test").has_stdout);
    CHECK(state.steps.at("lint").stdout_tail == "oops");
    CHECK(state.prompt_tokens == 105);
    CHECK(state.completion_tokens == 21);
    CHECK(state.to_json(false)["tokens"].dump() ==
          R"({"prompt":105,"completion":21,"calls":0,"by_model":{"unknown":{"prompt":100,"completion":20},"m":{"prompt":5,"completion":1}}})");
  }

  TEST_CASE("an empty journal folds to a running run without an id") {
    const RunState state = fold_records({});
    CHECK(state.status == "running");
    CHECK(state.to_json(true).dump() ==
          R"({"run":"","workflow":"","status":"running","started":"","finished":null,"duration_ms":0,"elapsed_ms":0,)"
          R"("steps":{},"outputs":{},)"
          R"("tokens":{"prompt":0,"completion":0,"calls":0}})");
  }

  TEST_CASE("StepProcess: kept while its attempt runs, cleared when it ends and by RunResumed") {
    const Value deploy_process = {{"step", "deploy"},       {"attempt", 1},         {"pgid", 4242},
                                  {"start_time", 987654},   {"boot_id", "b-1"},      {"host", "ci-7"},
                                  {"kill_grace_ms", 3000}};
    Records r;
    r.add("RunStarted", started())
        .add("StepStarted", {{"step", "deploy"}, {"attempt", 1}, {"worker", "local:42"}})
        .add("StepProcess", deploy_process)
        .add("StepStarted", {{"step", "build"}, {"attempt", 1}, {"worker", "local:42"}})
        .add("StepProcess", {{"step", "build"}, {"attempt", 1}, {"pgid", 4300}, {"start_time", 5}, {"boot_id", "b-1"},
                             {"host", "ci-7"}, {"kill_grace_ms", 3000}})
        .add("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 3}});
    RunState state = r.fold();
    REQUIRE(state.steps.at("deploy").processes.size() == 1);
    const RecordedProcess& process = state.steps.at("deploy").processes.front();
    CHECK(process.attempt == 1);
    CHECK_FALSE(process.compensation);
    CHECK(process.identity.pgid == 4242);
    CHECK(process.identity.start_time == 987654);
    CHECK(process.identity.boot_id == "b-1");
    CHECK(process.identity.host == "ci-7");
    CHECK(process.kill_grace_ms == 3000);
    CHECK(state.steps.at("build").processes.empty());
    // Not a step state of its own: status shows the step running, as before.
    CHECK(state.to_json(true)["steps"]["deploy"]["status"] == "running");
    CHECK(state.to_json(true)["steps"]["deploy"]["attempts"] == 1);

    // A resume writes RunResumed once none of them runs any more.
    r.add("RunInterrupted", {{"reason", "stopped"}})
        .add("RunResumed", {{"by", "resume"}, {"use_current", false}, {"source_hash", "aaaa"}})
        .add("StepProcessEnded", {{"step", "deploy"}, {"attempt", 1}, {"pgid", 4242}, {"ended", "stopped"}});
    state = r.fold();
    CHECK(state.steps.at("deploy").processes.empty());
    CHECK(state.steps.at("deploy").status == "running");

    // The re-run's process is kept until it fails; a compensation's until it ends.
    r.add("StepStarted", {{"step", "deploy"}, {"attempt", 1}, {"worker", "local:43"}}).add("StepProcess", deploy_process);
    CHECK(r.fold().steps.at("deploy").processes.size() == 1);
    r.add("StepFailed", {{"step", "deploy"}, {"attempt", 1}, {"error", "exit code 1"}, {"exit_code", 1},
                         {"retryable", false}, {"duration_ms", 1}});
    CHECK(r.fold().steps.at("deploy").processes.empty());
    r.add("CompensationStarted", {{"step", "build"}});
    r.add("StepProcess", Value{{"step", "build"}, {"attempt", 1}, {"compensation", true}, {"pgid", 9}, {"start_time", 1},
                               {"boot_id", "b-1"}, {"host", "ci-7"}, {"kill_grace_ms", 3000}});
    REQUIRE(r.fold().steps.at("build").processes.size() == 1);
    CHECK(r.fold().steps.at("build").processes.front().compensation);
    r.add("CompensationCompleted", {{"step", "build"}, {"duration_ms", 2}});
    CHECK(r.fold().steps.at("build").processes.empty());
  }

  TEST_CASE("a journal written before StepProcess existed folds as before: no processes") {
    const RunState state = happy_run().fold();
    for (const auto& [id, step] : state.steps) {
      CHECK_MESSAGE(step.processes.empty(), id);
    }
  }
}
