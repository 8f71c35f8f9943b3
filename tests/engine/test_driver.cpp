// The driver (scheduler, retries, timeouts, stages, signals, replay) with a
// scripted step kind, the real journal in a scratch directory, and a recording
// event sink. Journal record sequences are asserted exactly where the order is
// deterministic (--jobs 1, or one step at a time).
#include "engine/driver.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include <fmt/format.h>

#include "engine/inputs.hpp"
#include "engine/loader.hpp"
#include "engine/step_kinds_builtin.hpp"
#include "support/fake_step_kind.hpp"
#include "support/manual_clock.hpp"
#include "support/scratch.hpp"
#include "support/string_maker.hpp"


using namespace automata;
using namespace automata::engine;
using namespace std::chrono_literals;
using automata::test::FakeAttempt;
using automata::test::FakeStepKind;
using automata::test::ManualClock;
using automata::test::ScratchDir;

namespace {

class RecordingSink final : public EventSink {
 public:
  void on_record(const Value& record) override {
    {
      std::lock_guard lock(m_mutex);
      m_records.push_back(record);
    }
    m_changed.notify_all();
  }
  void on_output(std::string_view step, std::string_view line) override {
    std::lock_guard lock(m_mutex);
    m_output.push_back(fmt::format("{}: {}", step, line));
  }
  // Waits until a record of `type` (and `step`, when given) has been delivered.
  bool wait_for(const std::string& type, const std::string& step = "", std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, limit, [&] {
      for (const auto& r : m_records) {
        if (r.value("type", "") == type && (step.empty() || r.value("step", "") == step)) {
          return true;
        }
      }
      return false;
    });
  }
  // Waits until `count` records of `type` have been delivered.
  bool wait_for_count(const std::string& type, std::size_t count, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, limit, [&] {
      return static_cast<std::size_t>(std::count_if(m_records.begin(), m_records.end(), [&](const Value& r) {
               return r.value("type", "") == type;
             })) >= count;
    });
  }
  std::vector<Value> records() const {
    std::lock_guard lock(m_mutex);
    return m_records;
  }

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<Value> m_records;
  std::vector<std::string> m_output;
};

// "Type step@attempt" (attempt only where the record has one), "SignalReceived name".
std::vector<std::string> trace(const std::vector<Value>& records, bool with_heartbeats = false) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    const std::string type = r.value("type", "");
    if (type == "StepHeartbeat" && !with_heartbeats) {
      continue;
    }
    std::string line = type;
    if (r.contains("step")) {
      line += " " + r["step"].get<std::string>();
      if (r.contains("attempt")) {
        line += fmt::format("@{}", r["attempt"].get<int>());
      }
      if (r.contains("next_attempt")) {
        line += fmt::format("->{}", r["next_attempt"].get<int>());
      }
    } else if (r.contains("name") && type == "SignalReceived") {
      line += " " + r["name"].get<std::string>();
    }
    out.push_back(line);
  }
  return out;
}

std::vector<Value> of_type(const std::vector<Value>& records, const std::string& type) {
  std::vector<Value> out;
  for (const auto& r : records) {
    if (r.value("type", "") == type) {
      out.push_back(r);
    }
  }
  return out;
}

class Harness {
 public:
  Harness() {
    auto fake = std::make_unique<FakeStepKind>();
    m_fake = fake.get();
    m_kinds.add(std::move(fake));
    m_kinds.add(make_sleep_kind());
    m_kinds.add(make_wait_kind());
    m_kinds.add(make_workflow_kind());
    services.kinds = &m_kinds;
    services.launcher = &m_launcher;
    services.clock = &real_clock();
    services.sinks = {&sink};
    services.random = [] { return 0.5; };  // no jitter: delays are exact
    services.automata_version = "test";
    options.control_socket = false;
    options.jobs = 1;
    options.kill_grace = 200ms;
  }

  // Time moves only by clock.advance() (support/manual_clock.hpp).
  void use_manual_clock() { services.clock = &clock; }

  FakeStepKind& fake() { return *m_fake; }
  const ScratchDir& dir() const { return m_dir; }

  std::shared_ptr<const Workflow> load(const std::string& yaml, const std::string& name = "wf.yaml") {
    const auto file = m_dir.write(name, yaml);
    LoadOutcome outcome = load_workflow_file(file.string(), m_kinds);
    INFO(outcome.rendered);
    REQUIRE(outcome.ok());
    return outcome.workflow;
  }

  std::filesystem::path create(const std::shared_ptr<const Workflow>& wf, const std::string& id = "r1") {
    auto inputs = resolve_inputs(*wf, InputSources{});
    REQUIRE(inputs.ok());
    RunStore store(m_dir / "home");
    auto created = create_run(store, *wf, inputs.value(), id, m_dir.path(), Masker(), services);
    REQUIRE(created.ok());
    return created->dir;
  }

  std::unique_ptr<Driver> open(const std::filesystem::path& run_dir, const std::shared_ptr<const Workflow>& wf,
                               OpenMode mode = {}) {
    auto opened = Driver::open(run_dir, wf, Masker(), services, options, mode);
    if (!opened.ok()) {
      FAIL(opened.error().message);
    }
    return std::move(opened.value());
  }

  DriveResult drive(const std::filesystem::path& run_dir, const std::shared_ptr<const Workflow>& wf,
                    OpenMode mode = {}) {
    auto driver = open(run_dir, wf, mode);
    auto result = driver->drive();
    if (!result.ok()) {
      FAIL(result.error().message);
    }
    return result.value();
  }

  // Loads, creates and drives a run to its end.
  DriveResult run(const std::string& yaml) {
    auto wf = load(yaml);
    m_run_dir = create(wf);
    return drive(m_run_dir, wf);
  }

  const std::filesystem::path& run_dir() const { return m_run_dir; }

  std::vector<Value> journal(const std::filesystem::path& run_dir) const {
    auto contents = load_journal(run_dir / "journal.jsonl", nullptr);
    REQUIRE(contents.ok());
    return contents->records;
  }
  std::vector<Value> journal() const { return journal(m_run_dir); }

  EngineServices services;
  DriveOptions options;
  RecordingSink sink;
  ManualClock clock;

 private:
  ScratchDir m_dir;
  StepKindRegistry m_kinds;
  FakeStepKind* m_fake = nullptr;
  PosixProcessLauncher m_launcher;
  std::filesystem::path m_run_dir;
};

// Drives on a thread so the test can signal the run meanwhile.
struct Background {
  explicit Background(Driver& driver) : future(std::async(std::launch::async, [&driver] { return driver.drive(); })) {}
  DriveResult get() {
    REQUIRE(future.wait_for(20s) == std::future_status::ready);
    auto result = future.get();
    if (!result.ok()) {
      FAIL(result.error().message);
    }
    return result.value();
  }
  std::future<Result<DriveResult>> future;
};

const std::vector<std::string> k_chain_trace = {
    "RunStarted",       "StepScheduled a@1", "StepStarted a@1", "StepCompleted a@1", "StepScheduled b@1",
    "StepStarted b@1",  "StepCompleted b@1", "StepScheduled c@1", "StepStarted c@1",  "StepCompleted c@1",
    "StepScheduled d@1", "StepStarted d@1",  "StepCompleted d@1", "RunCompleted"};

}  // namespace

TEST_SUITE("driver") {

TEST_CASE("steps start in the order of their needs, ready steps in file order") {
  Harness h;
  const auto result = h.run(R"(
version: 1
name: order
steps:
  d: { uses: fake, needs: [b, c] }
  b: { uses: fake, needs: [a] }
  c: { uses: fake, needs: [a] }
  a: { uses: fake }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "b", "c", "d"});
  // With --jobs 1 the journal is fully deterministic.
  CHECK(trace(h.journal()) == std::vector<std::string>{"RunStarted",        "StepScheduled a@1", "StepStarted a@1",
                                                       "StepCompleted a@1", "StepScheduled b@1", "StepStarted b@1",
                                                       "StepCompleted b@1", "StepScheduled c@1", "StepStarted c@1",
                                                       "StepCompleted c@1", "StepScheduled d@1", "StepStarted d@1",
                                                       "StepCompleted d@1", "RunCompleted"});
  const auto journal = h.journal();
  CHECK(journal.front()["steps"] == Value({"d", "b", "c", "a"}));
  CHECK(h.sink.records().size() == journal.size());
}

TEST_CASE("a dependent waits for every need even when they run in parallel") {
  Harness h;
  h.options.jobs = 4;
  h.fake().script["a"] = {FakeAttempt::sleep(60ms)};
  h.fake().script["b"] = {FakeAttempt::sleep(10ms)};
  const auto result = h.run(R"(
version: 1
name: join
steps:
  a: { uses: fake }
  b: { uses: fake }
  c: { uses: fake, needs: [a, b] }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().finished() == std::vector<std::string>{"b", "a", "c"});
  CHECK(h.fake().max_running() == 2);
}

TEST_CASE("--jobs caps the steps running at once") {
  Harness h;
  h.options.jobs = 2;
  for (const char* id : {"s1", "s2", "s3", "s4", "s5"}) {
    h.fake().script[id] = {FakeAttempt::sleep(40ms)};
  }
  const auto result = h.run(R"(
version: 1
name: jobs
steps:
  s1: { uses: fake }
  s2: { uses: fake }
  s3: { uses: fake }
  s4: { uses: fake }
  s5: { uses: fake }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().max_running() == 2);
  CHECK(h.fake().call_keys().size() == 5);
}

TEST_CASE("workflow concurrency caps below --jobs") {
  Harness h;
  h.options.jobs = 8;
  for (const char* id : {"s1", "s2", "s3", "s4", "s5"}) {
    h.fake().script[id] = {FakeAttempt::sleep(40ms)};
  }
  const auto result = h.run(R"(
version: 1
name: concurrency
concurrency: 3
steps:
  s1: { uses: fake }
  s2: { uses: fake }
  s3: { uses: fake }
  s4: { uses: fake }
  s5: { uses: fake }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().max_running() == 3);
}

TEST_CASE("max_parallel caps the instances of a matrix step") {
  Harness h;
  h.options.jobs = 8;
  for (int i = 1; i <= 5; ++i) {
    h.fake().script[fmt::format("m[n={}]", i)] = {FakeAttempt::sleep(40ms)};
  }
  h.fake().script["other"] = {FakeAttempt::sleep(100ms)};
  const auto result = h.run(R"(
version: 1
name: max-parallel
steps:
  m:
    uses: fake
    matrix: { n: [1, 2, 3, 4, 5] }
    max_parallel: 2
  other: { uses: fake }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().max_running_of("m") == 2);
  CHECK(h.fake().max_running() == 3);
}

TEST_CASE("steps that only wait do not take a --jobs slot") {
  Harness h;
  h.options.jobs = 1;
  h.fake().script["work"] = {FakeAttempt::sleep(20ms)};
  const auto result = h.run(R"(
version: 1
name: sleepers
steps:
  nap1: { uses: sleep, with: { duration: 150ms } }
  nap2: { uses: sleep, with: { duration: 150ms } }
  work: { uses: fake }
)");
  CHECK(result.end == RunEnd::succeeded);
  // Both sleeps and the work overlap (told by the journal's order, not the
  // wall clock, which a loaded machine stretches): all three start before
  // either sleep ends.
  const auto records = h.journal();
  const auto position = [&](const char* type, const char* step) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].value("type", "") == type && records[i].value("step", "") == step) {
        return i;
      }
    }
    return records.size();
  };
  const std::size_t first_nap_done = std::min(position("StepCompleted", "nap1"), position("StepCompleted", "nap2"));
  CHECK(position("StepStarted", "nap1") < first_nap_done);
  CHECK(position("StepStarted", "nap2") < first_nap_done);
  CHECK(position("StepStarted", "work") < first_nap_done);
  const auto completed = of_type(h.journal(), "StepCompleted");
  REQUIRE(completed.size() == 3);
  CHECK(completed[0]["step"] == "work");
}

TEST_CASE("a wait step does not hold the workflow's concurrency place") {
  Harness h;
  h.options.jobs = 4;
  auto wf = h.load(R"(
version: 1
name: wait-concurrency
concurrency: 1
steps:
  approval: { uses: wait, with: { signal: approve } }
  build: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  const auto result = h.drive(run_dir, wf);
  // build ran while approval waited; then only the wait was left.
  CHECK(result.end == RunEnd::paused);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"build"});
}

TEST_CASE("a failed attempt is retried with exponential backoff, capped, and the delays are journaled") {
  Harness h;
  h.fake().script["flaky"] = {FakeAttempt::fail(75), FakeAttempt::fail(75), FakeAttempt::fail(75),
                              FakeAttempt::ok({{"n", 4}})};
  const auto result = h.run(R"(
version: 1
name: retry
steps:
  flaky:
    uses: fake
    retry: { max_attempts: 4, initial_interval: 10ms, backoff: 3, max_interval: 50ms }
)");
  CHECK(result.end == RunEnd::succeeded);
  const auto journal = h.journal();
  CHECK(trace(journal) == std::vector<std::string>{
                              "RunStarted",          "StepScheduled flaky@1",      "StepStarted flaky@1",
                              "StepFailed flaky@1",  "StepRetryScheduled flaky->2", "StepStarted flaky@2",
                              "StepFailed flaky@2",  "StepRetryScheduled flaky->3", "StepStarted flaky@3",
                              "StepFailed flaky@3",  "StepRetryScheduled flaky->4", "StepStarted flaky@4",
                              "StepCompleted flaky@4", "RunCompleted"});
  const auto retries = of_type(journal, "StepRetryScheduled");
  REQUIRE(retries.size() == 3);
  CHECK(retries[0]["delay_ms"] == 10);
  CHECK(retries[1]["delay_ms"] == 30);
  CHECK(retries[2]["delay_ms"] == 50);  // 90ms capped at max_interval
  CHECK(retries[0]["max_attempts"] == 4);
  for (const auto& failed : of_type(journal, "StepFailed")) {
    CHECK(failed["retryable"] == true);
    CHECK(failed["exit_code"] == 75);
    CHECK(failed["error"] == "exit code 75");
  }
  std::vector<int> attempts;
  for (const auto& call : h.fake().calls()) {
    attempts.push_back(call.attempt);
  }
  CHECK(attempts == std::vector<int>{1, 2, 3, 4});
  CHECK(of_type(journal, "StepCompleted")[0]["outputs"] == Value{{"n", 4}});
}

TEST_CASE("a retried attempt starts when the clock reaches its delay, not before") {
  Harness h;
  h.use_manual_clock();
  h.fake().script["flaky"] = {FakeAttempt::fail(1), FakeAttempt::ok()};
  const auto wf = h.load(R"(
version: 1
name: retry-delay
steps:
  flaky:
    uses: fake
    retry: { max_attempts: 2, initial_interval: 10m, max_interval: 1h }
)");
  const auto dir = h.create(wf);
  auto driver = h.open(dir, wf);
  Background background(*driver);
  REQUIRE(h.sink.wait_for("StepRetryScheduled", "flaky"));
  h.clock.advance(10min - 1ms);
  std::this_thread::sleep_for(30ms);  // many turns of the loop, which polls the clock every millisecond
  CHECK(h.fake().count_of("flaky") == 1);
  h.clock.advance(1ms);
  CHECK(background.get().end == RunEnd::succeeded);
  CHECK(h.fake().count_of("flaky") == 2);
  const auto journal = h.journal(dir);
  const auto retry = of_type(journal, "StepRetryScheduled");
  const auto starts = of_type(journal, "StepStarted");
  REQUIRE(retry.size() == 1);
  REQUIRE(starts.size() == 2);
  CHECK(retry[0]["delay_ms"] == 600000);
  CHECK(parse_timestamp(starts[1]["ts"].get<std::string>()).value() -
            parse_timestamp(retry[0]["ts"].get<std::string>()).value() ==
        10min);
}

TEST_CASE("durations are the clock's: an attempt held while the clock moves 2.5 s took 2500 ms") {
  Harness h;
  h.use_manual_clock();
  h.fake().script["held"] = {FakeAttempt::gated("go")};
  const auto wf = h.load(R"(
version: 1
name: durations
steps:
  held: { uses: fake }
)");
  const auto dir = h.create(wf);
  auto driver = h.open(dir, wf);
  Background background(*driver);
  REQUIRE(h.fake().wait_running("held"));
  h.clock.advance(2500ms);
  h.fake().release("go");
  CHECK(background.get().end == RunEnd::succeeded);
  const auto journal = h.journal(dir);
  CHECK(of_type(journal, "StepCompleted")[0]["duration_ms"] == 2500);
  CHECK(of_type(journal, "RunCompleted")[0]["duration_ms"] == 2500);
  CHECK(of_type(journal, "RunCompleted")[0]["elapsed_ms"] == 2500);
}

TEST_CASE("a sleep step and a wait step's timeout end when the clock passes them, in no real time") {
  Harness h;
  h.use_manual_clock();
  h.options.jobs = 2;
  h.options.hold_when_paused = true;  // with only the wait left, the drive waits on instead of pausing
  const auto wf = h.load(R"(
version: 1
name: clocked
steps:
  nap: { uses: sleep, with: { duration: 1h } }
  approval: { uses: wait, with: { signal: approve, timeout: 2h } }
)");
  const auto dir = h.create(wf);
  auto driver = h.open(dir, wf);
  Background background(*driver);
  REQUIRE(h.sink.wait_for("StepStarted", "nap"));
  REQUIRE(h.sink.wait_for("StepStarted", "approval"));
  h.clock.advance(1h);
  REQUIRE(h.sink.wait_for("StepCompleted", "nap"));
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(h.sink.wait_for("StepFailed", "approval", 1ms));
  h.clock.advance(1h);
  CHECK(background.get().end == RunEnd::failed);
  const auto journal = h.journal(dir);
  CHECK(of_type(journal, "StepCompleted")[0]["outputs"]["slept_ms"] == 3600000);
  CHECK(of_type(journal, "StepCompleted")[0]["duration_ms"] == 3600000);
  const auto failed = of_type(journal, "StepFailed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["error"] == "timed out waiting for signal 'approve' after 2h");
  CHECK(failed[0]["duration_ms"] == 7200000);
}

TEST_CASE("non-retryable exit codes and non-retryable failures are not retried") {
  Harness h;
  h.fake().script["coded"] = {FakeAttempt::fail(2)};
  h.fake().script["fatal"] = {FakeAttempt::fail(9, false)};
  h.options.jobs = 2;
  const auto result = h.run(R"(
version: 1
name: non-retryable
steps:
  coded:
    uses: fake
    retry: { max_attempts: 5, initial_interval: 1ms, non_retryable_exit_codes: [2, 3] }
  fatal:
    uses: fake
    retry: { max_attempts: 5, initial_interval: 1ms }
)");
  CHECK(result.end == RunEnd::failed);
  CHECK(h.fake().count_of("coded") == 1);
  CHECK(h.fake().count_of("fatal") == 1);
  const auto journal = h.journal();
  CHECK(of_type(journal, "StepRetryScheduled").empty());
  for (const auto& failed : of_type(journal, "StepFailed")) {
    CHECK(failed["retryable"] == false);
  }
  const auto end = of_type(journal, "RunFailed");
  REQUIRE(end.size() == 1);
  // The first failure names the run's failure.
  CHECK((end[0]["error"] == "step 'coded' failed: exit code 2" || end[0]["error"] == "step 'fatal' failed: exit code 9"));
}

TEST_CASE("retry.when decides per attempt from attempt.exit_code") {
  Harness h;
  h.fake().script["flaky"] = {FakeAttempt::fail(75), FakeAttempt::fail(3), FakeAttempt::ok()};
  const auto result = h.run(R"(
version: 1
name: retry-when
steps:
  flaky:
    uses: fake
    retry:
      max_attempts: 5
      initial_interval: 1ms
      when: ${{ attempt.exit_code == 75 }}
)");
  CHECK(result.end == RunEnd::failed);
  CHECK(h.fake().count_of("flaky") == 2);
  const auto failed = of_type(h.journal(), "StepFailed");
  REQUIRE(failed.size() == 2);
  CHECK(failed[0]["retryable"] == true);
  CHECK(failed[1]["retryable"] == false);
  CHECK(failed[1]["exit_code"] == 3);
}

TEST_CASE("a timed-out attempt has exit code 124 and is retried like any failure") {
  Harness h;
  h.use_manual_clock();
  h.fake().script["slow"] = {FakeAttempt::hang(), FakeAttempt::hang()};
  const auto wf = h.load(R"(
version: 1
name: timeout
steps:
  slow:
    uses: fake
    timeout: 1h
    retry: { max_attempts: 2, initial_interval: 1s, when: "${{ attempt.timed_out }}" }
)");
  const auto dir = h.create(wf);
  auto driver = h.open(dir, wf);
  Background background(*driver);
  REQUIRE(h.fake().wait_running("slow"));
  h.clock.advance(1h - 1ms);
  std::this_thread::sleep_for(20ms);
  CHECK(h.fake().finished().empty());  // not a millisecond early
  h.clock.advance(1ms);
  REQUIRE(h.sink.wait_for("StepRetryScheduled", "slow"));
  h.clock.advance(1s);
  REQUIRE(h.sink.wait_for_count("StepStarted", 2));
  h.clock.advance(1h);
  CHECK(background.get().end == RunEnd::failed);
  const auto journal = h.journal(dir);
  const auto failed = of_type(journal, "StepFailed");
  REQUIRE(failed.size() == 2);
  for (const auto& f : failed) {
    CHECK(f["exit_code"] == 124);
    CHECK(f["timed_out"] == true);
    CHECK(f["error"] == "timed out after 1h");
    CHECK(f["duration_ms"] == 3600000);
    CHECK_FALSE(f.contains("cancelled"));
  }
  CHECK(failed[0]["retryable"] == true);
  CHECK(failed[1]["retryable"] == false);
  CHECK(of_type(journal, "RunFailed")[0]["error"] == "step 'slow' failed: timed out after 1h");
}

TEST_CASE("continue_on_error: the run succeeds and dependents see the failure") {
  Harness h;
  h.fake().script["shaky"] = {FakeAttempt::fail(4)};
  const auto result = h.run(R"(
version: 1
name: continue
steps:
  shaky: { uses: fake, continue_on_error: true }
  after:
    uses: fake
    needs: [shaky]
    with: { value: "${{ steps.shaky.status }}" }
)");
  CHECK(result.end == RunEnd::succeeded);
  const auto journal = h.journal();
  CHECK(trace(journal) == std::vector<std::string>{"RunStarted", "StepScheduled shaky@1", "StepStarted shaky@1",
                                                   "StepFailed shaky@1", "StepScheduled after@1",
                                                   "StepStarted after@1", "StepCompleted after@1", "RunCompleted"});
  CHECK(of_type(journal, "StepFailed")[0]["continue_on_error"] == true);
  CHECK(of_type(journal, "StepCompleted")[0]["outputs"] == Value{{"value", "failed"}});
}

TEST_CASE("steps.ID is read whatever the case of its names, as in GitHub Actions") {
  Harness h;
  h.fake().script["plan"] = {FakeAttempt::ok({{"Items", Value({"a1", "b2"})}})};
  const auto result = h.run(R"(
version: 1
name: case
steps:
  plan: { uses: fake }
  code:
    uses: fake
    needs: [plan]
    matrix: ${{ STEPS.Plan.outputs.items }}
    with: { value: "${{ matrix.VALUE }}" }
  report:
    uses: fake
    needs: [code]
    if: Steps.PLAN.status == 'SUCCEEDED'
    with: { value: "${{ steps.CODE.outputs.*.value }}" }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"plan", "code[value=a1]", "code[value=b2]", "report"});
  CHECK(of_type(h.journal(), "StepCompleted").back()["outputs"]["value"] == Value({"a1", "b2"}));
}

TEST_CASE("if: success(), failure(), always(), expressions, and skipped dependents") {
  Harness h;
  h.fake().script["broken"] = {FakeAttempt::fail(1)};
  const auto result = h.run(R"(
version: 1
name: conditions
inputs:
  enabled: { type: boolean, default: false }
steps:
  broken: { uses: fake }
  plain: { uses: fake, needs: [broken] }
  on-fail: { uses: fake, needs: [broken], if: "${{ failure() }}" }
  always: { uses: fake, needs: [broken], if: "${{ always() }}" }
  on-success: { uses: fake, needs: [broken], if: "${{ success() }}" }
  downstream: { uses: fake, needs: [plain] }
  disabled: { uses: fake, if: "${{ inputs.enabled }}" }
  bare: { uses: fake, if: "!inputs.enabled" }
  gated: { uses: fake, needs: [plain], if: "${{ !inputs.enabled }}" }
  reported: { uses: fake, needs: [disabled], if: "${{ inputs.enabled }}" }
finally:
  notify: { uses: fake, if: "${{ !inputs.enabled }}" }
)");
  CHECK(result.end == RunEnd::failed);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"broken", "on-fail", "always", "bare"});
  std::map<std::string, std::string> skipped;
  for (const auto& r : of_type(h.journal(), "StepSkipped")) {
    skipped[r["step"].get<std::string>()] = r["reason"].get<std::string>();
  }
  // The real cause: a skipped need, not an `if` that never decided (its
  // implicit success() did); an `if` with a status function is named, and
  // the needs that did not succeed with it.
  CHECK(skipped == std::map<std::string, std::string>{
                       {"plain", "needs not successful: broken failed"},
                       {"on-success", "if: ${{ success() }} was false (needs: broken failed)"},
                       {"downstream", "needs not successful: plain skipped"},
                       {"disabled", "if: ${{ inputs.enabled }} was false"},
                       {"gated", "needs not successful: plain skipped"},
                       {"reported", "needs not successful: disabled skipped"},
                       {"notify", "the run failed (an if without success(), failure(), always() or cancelled() "
                                  "means success() && (if))"}});
}

TEST_CASE("a static matrix expands with include and exclude, and its outputs are a list") {
  Harness h;
  const auto result = h.run(R"(
version: 1
name: matrix
steps:
  m:
    uses: fake
    matrix:
      os: [linux, mac]
      cc: [gcc, clang]
      exclude: [{ os: mac, cc: gcc }]
    with: { value: "${{ matrix.os }}-${{ matrix.cc }}" }
  sum:
    uses: fake
    needs: [m]
    with: { value: "${{ steps.m.outputs.*.value }}" }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() ==
        std::vector<std::string>{"m[os=linux,cc=gcc]", "m[os=linux,cc=clang]", "m[os=mac,cc=clang]", "sum"});
  const auto journal = h.journal();
  const auto scheduled = of_type(journal, "StepScheduled");
  REQUIRE(scheduled.size() == 4);
  CHECK(scheduled[0]["instance"] == Value{{"os", "linux"}, {"cc", "gcc"}});
  CHECK(scheduled[0]["matrix_of"] == "m");
  const auto completed = of_type(journal, "StepCompleted");
  CHECK(completed.back()["outputs"]["value"] == Value({"linux-gcc", "linux-clang", "mac-clang"}));
}

TEST_CASE("a matrix from an earlier step's output expands when the step becomes ready") {
  Harness h;
  h.fake().script["plan"] = {FakeAttempt::ok({{"issues", Value({"a1", "b2", "c3"})}})};
  const auto result = h.run(R"(
version: 1
name: fan-out
steps:
  plan: { uses: fake }
  code:
    uses: fake
    needs: [plan]
    matrix: ${{ steps.plan.outputs.issues }}
    with: { value: "${{ matrix.value }}" }
)");
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"plan", "code[value=a1]", "code[value=b2]", "code[value=c3]"});
}

TEST_CASE("a matrix expression that is not a list fails the step") {
  Harness h;
  h.fake().script["plan"] = {FakeAttempt::ok({{"issues", "none"}})};
  const auto result = h.run(R"(
version: 1
name: fan-out-bad
steps:
  plan: { uses: fake }
  code:
    uses: fake
    needs: [plan]
    matrix: ${{ steps.plan.outputs.issues }}
)");
  CHECK(result.end == RunEnd::failed);
  const auto failed = of_type(h.journal(), "StepFailed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["step"] == "code");
  CHECK(h.fake().call_keys() == std::vector<std::string>{"plan"});
}

TEST_CASE("fail_fast cancels the running siblings and skips the ones not started") {
  Harness h;
  h.options.jobs = 4;
  h.fake().script["m[n=1]"] = {FakeAttempt::hang()};
  h.fake().script["m[n=2]"] = {FakeAttempt::hang()};
  h.fake().script["m[n=3]"] = {FakeAttempt::gated("never", false)};
  // n=3 fails once n=1 and n=2 run: its gate is released by the test below.
  auto wf = h.load(R"(
version: 1
name: fail-fast
steps:
  m:
    uses: fake
    matrix: { n: [1, 2, 3, 4, 5] }
    max_parallel: 3
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("m[n=1]"));
  REQUIRE(h.fake().wait_running("m[n=2]"));
  h.fake().release("never");
  const auto result = bg.get();
  CHECK(result.end == RunEnd::failed);
  std::map<std::string, std::string> outcome;
  for (const auto& r : h.journal(run_dir)) {
    const std::string type = r.value("type", "");
    if (type == "StepFailed") {
      outcome[r["step"].get<std::string>()] = r.value("cancelled", false) ? "cancelled" : "failed";
    } else if (type == "StepSkipped") {
      outcome[r["step"].get<std::string>()] = r["reason"].get<std::string>();
    }
  }
  CHECK(outcome == std::map<std::string, std::string>{{"m[n=1]", "cancelled"},
                                                      {"m[n=2]", "cancelled"},
                                                      {"m[n=3]", "failed"},
                                                      {"m[n=4]", "fail_fast: another instance failed"},
                                                      {"m[n=5]", "fail_fast: another instance failed"}});
  CHECK(of_type(h.journal(run_dir), "RunFailed")[0]["error"] == "step 'm[n=3]' failed: exit code 1");
}

TEST_CASE("fail_fast: false lets the other instances finish") {
  Harness h;
  h.options.jobs = 2;
  h.fake().script["m[n=1]"] = {FakeAttempt::fail(1)};
  const auto result = h.run(R"(
version: 1
name: no-fail-fast
steps:
  m:
    uses: fake
    matrix: { n: [1, 2, 3] }
    fail_fast: false
)");
  CHECK(result.end == RunEnd::failed);
  CHECK(h.fake().call_keys().size() == 3);
  CHECK(of_type(h.journal(), "StepCompleted").size() == 2);
}

namespace {

const char* const k_saga = R"(
version: 1
name: saga
steps:
  a:
    uses: fake
    compensate: { uses: fake, with: { tag: undo } }
  b:
    uses: fake
    needs: [a]
    compensate: { uses: fake, with: { tag: undo } }
  c:
    uses: fake
    needs: [a]
    compensate: { uses: fake, with: { tag: undo } }
  boom: { uses: fake, needs: [b, c] }
on_failure:
  tell: { uses: fake }
finally:
  cleanup: { uses: fake }
)";

}  // namespace

TEST_CASE("on failure: compensations in reverse completion order, then on_failure, then finally") {
  Harness h;
  h.options.jobs = 2;
  // c completes before b: the reverse completion order is b, c, a.
  h.fake().script["b"] = {FakeAttempt::sleep(80ms)};
  h.fake().script["boom"] = {FakeAttempt::fail(1)};
  const auto result = h.run(k_saga);
  CHECK(result.end == RunEnd::failed);
  CHECK(result.error == "step 'boom' failed: exit code 1");
  const auto calls = h.fake().call_keys();
  CHECK(std::vector<std::string>(calls.begin() + 3, calls.end()) ==
        std::vector<std::string>{"boom", "b/undo", "c/undo", "a/undo", "tell", "cleanup"});
  const auto journal = h.journal();
  auto full = trace(journal);
  const auto boom_failed = std::find(full.begin(), full.end(), "StepFailed boom@1");
  REQUIRE(boom_failed != full.end());
  CHECK(std::vector<std::string>(boom_failed, full.end()) ==
        std::vector<std::string>{"StepFailed boom@1",
                                 "CompensationStarted b",  "CompensationCompleted b",
                                 "CompensationStarted c",  "CompensationCompleted c",
                                 "CompensationStarted a",  "CompensationCompleted a",
                                 "StepScheduled tell@1",   "StepStarted tell@1",     "StepCompleted tell@1",
                                 "StepScheduled cleanup@1", "StepStarted cleanup@1", "StepCompleted cleanup@1",
                                 "RunFailed"});
}

TEST_CASE("a successful run compensates nothing, skips on_failure and runs finally") {
  Harness h;
  const auto result = h.run(k_saga);
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "b", "c", "boom", "cleanup"});
  auto full = trace(h.journal());
  // on_failure steps are not part of a run that did not fail: no record at all.
  CHECK(std::vector<std::string>(full.end() - 5, full.end()) ==
        std::vector<std::string>{"StepCompleted boom@1", "StepScheduled cleanup@1", "StepStarted cleanup@1",
                                 "StepCompleted cleanup@1", "RunCompleted"});
}

TEST_CASE("a failed compensation is journaled and the others still run") {
  Harness h;
  h.fake().script["boom"] = {FakeAttempt::fail(1)};
  h.fake().script["b/undo"] = {FakeAttempt::fail(7)};
  const auto result = h.run(k_saga);
  CHECK(result.end == RunEnd::failed);
  const auto failed = of_type(h.journal(), "CompensationFailed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["step"] == "b");
  CHECK(failed[0]["error"] == "exit code 7");
  CHECK(of_type(h.journal(), "CompensationCompleted").size() == 2);
}

TEST_CASE("matrix instances are compensated one by one with their matrix values") {
  Harness h;
  h.fake().script["boom"] = {FakeAttempt::fail(1)};
  const auto result = h.run(R"(
version: 1
name: matrix-saga
steps:
  deploy:
    uses: fake
    matrix: { region: [eu, us] }
    compensate: { uses: fake, with: { tag: "undo-${{ matrix.region }}" } }
  boom: { uses: fake, needs: [deploy] }
)");
  CHECK(result.end == RunEnd::failed);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"deploy[region=eu]", "deploy[region=us]", "boom",
                                                         "deploy[region=us]/undo-us", "deploy[region=eu]/undo-eu"});
}

TEST_CASE("the rollback signal cancels running steps, compensates, runs on_failure and fails the run") {
  Harness h;
  h.fake().script["b"] = {FakeAttempt::gated("never")};
  auto wf = h.load(R"(
version: 1
name: rollback
steps:
  a:
    uses: fake
    compensate: { uses: fake, with: { tag: undo } }
  b: { uses: fake, needs: [a], compensate: { uses: fake, with: { tag: undo } } }
  c: { uses: fake, needs: [b] }
on_failure:
  tell: { uses: fake }
finally:
  cleanup: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("b"));
  driver->post_signal("rollback", Value());
  const auto result = bg.get();
  CHECK(result.end == RunEnd::failed);
  CHECK(result.error == "rolled back by signal");
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "b", "a/undo", "tell", "cleanup"});
  auto full = trace(h.journal(run_dir));
  const auto signal = std::find(full.begin(), full.end(), "SignalReceived rollback");
  REQUIRE(signal != full.end());
  CHECK(std::vector<std::string>(signal, full.end()) ==
        std::vector<std::string>{"SignalReceived rollback", "StepFailed b@1", "StepSkipped c",
                                 "CompensationStarted a", "CompensationCompleted a", "StepScheduled tell@1",
                                 "StepStarted tell@1", "StepCompleted tell@1", "StepScheduled cleanup@1",
                                 "StepStarted cleanup@1", "StepCompleted cleanup@1", "RunFailed"});
  const auto b_failed = of_type(h.journal(run_dir), "StepFailed");
  CHECK(b_failed[0]["cancelled"] == true);
}

TEST_CASE("the cancel signal compensates and runs finally but not on_failure") {
  Harness h;
  h.fake().script["b"] = {FakeAttempt::gated("never")};
  auto wf = h.load(R"(
version: 1
name: cancel
steps:
  a:
    uses: fake
    compensate: { uses: fake, with: { tag: undo } }
  b: { uses: fake, needs: [a] }
  c: { uses: fake, needs: [b] }
on_failure:
  tell: { uses: fake }
finally:
  cleanup: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("b"));
  driver->post_signal("cancel", Value());
  const auto result = bg.get();
  CHECK(result.end == RunEnd::cancelled);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "b", "a/undo", "cleanup"});
  auto full = trace(h.journal(run_dir));
  const auto signal = std::find(full.begin(), full.end(), "SignalReceived cancel");
  REQUIRE(signal != full.end());
  CHECK(std::vector<std::string>(signal, full.end()) ==
        std::vector<std::string>{"SignalReceived cancel", "StepFailed b@1", "StepSkipped c", "CompensationStarted a",
                                 "CompensationCompleted a", "StepScheduled cleanup@1",
                                 "StepStarted cleanup@1", "StepCompleted cleanup@1", "RunCancelled"});
}

TEST_CASE("pause stops scheduling; the run ends paused once running steps finish; resume continues it") {
  Harness h;
  h.fake().script["a"] = {FakeAttempt::gated("a")};
  auto wf = h.load(R"(
version: 1
name: pause
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
)");
  const auto run_dir = h.create(wf);
  {
    auto driver = h.open(run_dir, wf);
    Background bg(*driver);
    REQUIRE(h.fake().wait_running("a"));
    driver->post_signal("pause", Value());
    REQUIRE(h.sink.wait_for("SignalReceived"));
    h.fake().release("a");
    const auto result = bg.get();
    CHECK(result.end == RunEnd::paused);
    CHECK(result.error == "paused by signal");
    CHECK(driver->live_status()["status"] == "paused");
  }
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a"});
  CHECK(trace(h.journal(run_dir)) ==
        std::vector<std::string>{"RunStarted", "StepScheduled a@1", "StepStarted a@1", "SignalReceived pause",
                                 "StepCompleted a@1", "RunPaused"});
  OpenMode resume;
  resume.resume = true;
  const auto resumed = h.drive(run_dir, wf, resume);
  CHECK(resumed.end == RunEnd::succeeded);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a cancel while paused cancels the run; it does not end paused") {
  Harness h;
  h.fake().script["a"] = {FakeAttempt::gated("a")};
  auto wf = h.load(R"(
version: 1
name: pause-cancel
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
finally:
  cleanup: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("a"));
  driver->post_signal("pause", Value());
  driver->post_signal("cancel", Value());
  REQUIRE(h.sink.wait_for("StepFailed", "a"));
  CHECK(bg.get().end == RunEnd::cancelled);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "cleanup"});
  CHECK(trace(h.journal(run_dir)).back() == "RunCancelled");
}

TEST_CASE("a resume signal while paused restarts scheduling in the same drive") {
  Harness h;
  h.fake().script["a"] = {FakeAttempt::gated("a")};
  auto wf = h.load(R"(
version: 1
name: pause-resume
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("a"));
  driver->post_signal("pause", Value());
  driver->post_signal("resume", Value());
  REQUIRE(h.sink.wait_for("SignalReceived"));
  h.fake().release("a");
  CHECK(bg.get().end == RunEnd::succeeded);
  CHECK(trace(h.journal(run_dir)) ==
        std::vector<std::string>{"RunStarted", "StepScheduled a@1", "StepStarted a@1", "SignalReceived pause",
                                 "SignalReceived resume", "StepCompleted a@1", "StepScheduled b@1", "StepStarted b@1",
                                 "StepCompleted b@1", "RunCompleted"});
}

TEST_CASE("hold_when_paused (a detached run): paused with nothing running, the drive waits for `resume`") {
  Harness h;
  h.options.hold_when_paused = true;
  h.fake().script["a"] = {FakeAttempt::gated("a")};
  auto wf = h.load(R"(
version: 1
name: hold
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("a"));
  driver->post_signal("pause", Value());
  REQUIRE(h.sink.wait_for("SignalReceived"));
  h.fake().release("a");
  REQUIRE(h.sink.wait_for("StepCompleted", "a"));
  std::this_thread::sleep_for(150ms);  // several loop turns: it must not end the drive nor start b
  const Value status = driver->live_status();
  CHECK(status["status"] == "paused");
  CHECK(status["waiting_for"] ==
        Value::array({Value{{"signal", "resume"}, {"command", "automata signal r1 resume"}}}));
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a"});
  driver->post_signal("resume", Value());
  CHECK(bg.get().end == RunEnd::succeeded);
  CHECK(trace(h.journal(run_dir)) ==
        std::vector<std::string>{"RunStarted", "StepScheduled a@1", "StepStarted a@1", "SignalReceived pause",
                                 "StepCompleted a@1", "SignalReceived resume", "StepScheduled b@1", "StepStarted b@1",
                                 "StepCompleted b@1", "RunCompleted"});
}

TEST_CASE("hold_when_paused: with only a wait step left the drive goes on waiting; its signal completes it") {
  Harness h;
  h.options.hold_when_paused = true;
  auto wf = h.load(R"(
version: 1
name: hold-wait
steps:
  approval: { uses: wait, with: { signal: approve } }
  ship: { uses: fake, needs: [approval] }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.sink.wait_for("StepHeartbeat", "approval"));
  Value status;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((status = driver->live_status())["status"] != "paused" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(status["status"] == "paused");
  CHECK(status["paused_reason"] == "waiting for signal 'approve'");
  CHECK(status["waiting_for"] ==
        Value::array({Value{{"signal", "approve"}, {"command", "automata signal r1 approve"}}}));
  CHECK_FALSE(status.contains("resume_command"));
  driver->post_signal("approve", Value());
  CHECK(bg.get().end == RunEnd::succeeded);
  CHECK(of_type(h.journal(run_dir), "RunPaused").empty());
}

TEST_CASE("a wait step receives a signal and its data while other work runs") {
  Harness h;
  h.options.jobs = 2;
  h.fake().script["work"] = {FakeAttempt::gated("work")};
  auto wf = h.load(R"(
version: 1
name: approve
steps:
  work: { uses: fake }
  approval: { uses: wait, with: { signal: approve } }
  ship: { uses: fake, needs: [approval], with: { value: "${{ steps.approval.outputs.data.by }}" } }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("work"));
  REQUIRE(h.sink.wait_for("StepHeartbeat", "approval"));
  driver->post_signal("approve", Value{{"by", "ana"}});
  REQUIRE(h.sink.wait_for("StepCompleted", "ship"));
  h.fake().release("work");
  CHECK(bg.get().end == RunEnd::succeeded);
  const auto completed = of_type(h.journal(run_dir), "StepCompleted");
  REQUIRE(completed.size() == 3);
  CHECK(completed[0]["step"] == "approval");
  CHECK(completed[0]["outputs"] == Value{{"signal", "approve"}, {"data", {{"by", "ana"}}}});
  CHECK(completed[1]["outputs"] == Value{{"value", "ana"}});
}

TEST_CASE("when only wait steps remain the run ends paused; a signal recorded offline lets resume finish it") {
  Harness h;
  auto wf = h.load(R"(
version: 1
name: wait-only
steps:
  build: { uses: fake }
  approval: { uses: wait, with: { signal: approve, timeout: 1h }, needs: [build] }
  ship: { uses: fake, needs: [approval] }
)");
  const auto run_dir = h.create(wf);
  const auto first = h.drive(run_dir, wf);
  CHECK(first.end == RunEnd::paused);
  CHECK(first.error == "waiting for signal 'approve'");
  auto journal = h.journal(run_dir);
  CHECK(trace(journal) == std::vector<std::string>{"RunStarted", "StepScheduled build@1", "StepStarted build@1",
                                                   "StepCompleted build@1", "StepScheduled approval@1",
                                                   "StepStarted approval@1", "RunPaused"});
  CHECK(journal.back()["reason"] == "waiting for signal 'approve'");
  CHECK(fold_records(journal).status == "paused");

  REQUIRE(record_signal_offline(run_dir, "approve", Value{{"ok", true}}, Masker(), real_clock()).ok());
  OpenMode resume;
  resume.resume = true;
  const auto second = h.drive(run_dir, wf, resume);
  CHECK(second.end == RunEnd::succeeded);
  journal = h.journal(run_dir);
  auto full = trace(journal);
  const auto paused = std::find(full.begin(), full.end(), "RunPaused");
  CHECK(std::vector<std::string>(paused, full.end()) ==
        std::vector<std::string>{"RunPaused", "SignalReceived approve", "RunResumed", "StepStarted approval@1",
                                 "StepCompleted approval@1", "StepScheduled ship@1", "StepStarted ship@1",
                                 "StepCompleted ship@1", "RunCompleted"});
  CHECK(h.fake().call_keys() == std::vector<std::string>{"build", "ship"});
}

TEST_CASE("replay: a step started but never finished runs again with the same attempt; completed steps do not") {
  Harness h;
  auto wf = h.load(R"(
version: 1
name: replay
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
  c: { uses: fake, needs: [b] }
)");
  const auto run_dir = h.create(wf);
  CHECK(h.drive(run_dir, wf).end == RunEnd::succeeded);
  // A crash right after "StepStarted b": keep the journal's lines up to it.
  const std::string text = test::read_file(run_dir / "journal.jsonl");
  const auto at = text.find("\"type\":\"StepStarted\",\"step\":\"b\"");
  REQUIRE(at != std::string::npos);
  const std::string kept = text.substr(0, text.find('\n', at) + 1);
  {
    std::ofstream out(run_dir / "journal.jsonl", std::ios::binary | std::ios::trunc);
    out << kept;
  }
  OpenMode resume;
  resume.resume = true;
  CHECK(h.drive(run_dir, wf, resume).end == RunEnd::succeeded);
  const auto calls = h.fake().calls();
  REQUIRE(calls.size() == 5);
  CHECK(calls[3].key == "b");
  CHECK(calls[3].attempt == 1);
  CHECK(calls[4].key == "c");
  auto full = trace(h.journal(run_dir));
  const auto resumed = std::find(full.begin(), full.end(), "RunResumed");
  REQUIRE(resumed != full.end());
  CHECK(std::vector<std::string>(resumed, full.end()) ==
        std::vector<std::string>{"RunResumed", "StepStarted b@1", "StepCompleted b@1", "StepScheduled c@1",
                                 "StepStarted c@1", "StepCompleted c@1", "RunCompleted"});
  CHECK(fold_records(h.journal(run_dir)).steps.at("b").attempt == 1);
}

TEST_CASE("replay: a step waiting for its retry resumes with the next attempt") {
  Harness h;
  h.fake().script["flaky"] = {FakeAttempt::fail(1), FakeAttempt::ok()};
  auto wf = h.load(R"(
version: 1
name: replay-retry
steps:
  flaky:
    uses: fake
    retry: { max_attempts: 3, initial_interval: 1ms }
)");
  const auto run_dir = h.create(wf);
  CHECK(h.drive(run_dir, wf).end == RunEnd::succeeded);
  const std::string text = test::read_file(run_dir / "journal.jsonl");
  const auto at = text.find("\"type\":\"StepRetryScheduled\"");
  REQUIRE(at != std::string::npos);
  {
    std::ofstream out(run_dir / "journal.jsonl", std::ios::binary | std::ios::trunc);
    out << text.substr(0, text.find('\n', at) + 1);
  }
  OpenMode resume;
  resume.resume = true;
  CHECK(h.drive(run_dir, wf, resume).end == RunEnd::succeeded);
  const auto calls = h.fake().calls();
  REQUIRE(calls.size() == 3);
  CHECK(calls[2].attempt == 2);
  auto full = trace(h.journal(run_dir));
  const auto resumed = std::find(full.begin(), full.end(), "RunResumed");
  CHECK(std::vector<std::string>(resumed, full.end()) ==
        std::vector<std::string>{"RunResumed", "StepStarted flaky@2", "StepCompleted flaky@2", "RunCompleted"});
}

TEST_CASE("interrupt() stops the running steps and records RunInterrupted; resume re-runs the same attempt") {
  Harness h;
  h.fake().script["slow"] = {FakeAttempt::hang(), FakeAttempt::ok()};
  auto wf = h.load(R"(
version: 1
name: interrupt
steps:
  fast: { uses: fake }
  slow: { uses: fake, needs: [fast] }
  after: { uses: fake, needs: [slow] }
)");
  const auto run_dir = h.create(wf);
  {
    auto driver = h.open(run_dir, wf);
    Background bg(*driver);
    REQUIRE(h.fake().wait_running("slow"));
    const auto asked = std::chrono::steady_clock::now();
    driver->interrupt();
    const auto result = bg.get();
    CHECK(std::chrono::steady_clock::now() - asked < 2s);
    CHECK(result.end == RunEnd::interrupted);
  }
  auto journal = h.journal(run_dir);
  CHECK(trace(journal) == std::vector<std::string>{"RunStarted", "StepScheduled fast@1", "StepStarted fast@1",
                                                   "StepCompleted fast@1", "StepScheduled slow@1",
                                                   "StepStarted slow@1", "RunInterrupted"});
  CHECK(journal.back()["reason"] == "interrupted by signal");
  CHECK(fold_records(journal).status == "interrupted");
  OpenMode resume;
  resume.resume = true;
  CHECK(h.drive(run_dir, wf, resume).end == RunEnd::succeeded);
  const auto calls = h.fake().calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[2].key == "slow");
  CHECK(calls[2].attempt == 1);
  CHECK(calls[3].key == "after");
}

TEST_CASE("checkpoints are journaled as they happen and handed back to the same attempt on resume") {
  Harness h;
  FakeAttempt first = FakeAttempt::hang();
  first.checkpoints = {Value{{"turn", 1}}, Value{{"turn", 2}}};
  first.llm_usage = {{"model", "m1"}, {"prompt_tokens", 100}, {"completion_tokens", 20}};
  FakeAttempt second = FakeAttempt::ok();
  second.checkpoints = {Value{{"turn", 3}}};
  second.llm_usage = {{"model", "m1"}, {"prompt_tokens", 7}, {"completion_tokens", 3}};
  h.fake().script["agent"] = {first, second};
  auto wf = h.load(R"(
version: 1
name: checkpoints
steps:
  agent: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  {
    auto driver = h.open(run_dir, wf);
    Background bg(*driver);
    REQUIRE(h.fake().wait_running("agent"));
    for (int i = 0; i < 500 && fold_records(h.journal(run_dir)).steps["agent"].checkpoints.size() < 2; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    driver->interrupt();
    CHECK(bg.get().end == RunEnd::interrupted);
  }
  // Interrupted: nothing completed, so the tokens of that drive are not in a
  // StepCompleted (a kind that resumes from checkpoints reports them again).
  OpenMode resume;
  resume.resume = true;
  CHECK(h.drive(run_dir, wf, resume).end == RunEnd::succeeded);
  const auto calls = h.fake().calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].resumed_checkpoints.empty());
  CHECK(calls[1].attempt == 1);
  CHECK(calls[1].resumed_checkpoints == std::vector<Value>{Value{{"turn", 1}}, Value{{"turn", 2}}});
  const auto journal = h.journal(run_dir);
  CHECK(trace(journal) == std::vector<std::string>{"RunStarted", "StepScheduled agent@1", "StepStarted agent@1",
                                                   "StepCheckpoint agent@1", "StepCheckpoint agent@1", "RunInterrupted",
                                                   "RunResumed", "StepStarted agent@1", "StepCheckpoint agent@1",
                                                   "StepCompleted agent@1", "RunCompleted"});
  const RunState state = fold_records(journal);
  CHECK(state.steps.at("agent").checkpoints.size() == 3);
  CHECK(state.prompt_tokens == 7);
  CHECK(state.completion_tokens == 3);
  CHECK(journal[journal.size() - 2]["llm"] ==
        Value{{"model", "m1"}, {"prompt_tokens", 7}, {"completion_tokens", 3}, {"calls", 1}});
  CHECK(state.llm_calls == 1);
}

TEST_CASE("a failed step's outputs are journaled and seen by an always() step") {
  Harness h;
  FakeAttempt failing = FakeAttempt::fail(16, false);
  failing.outputs = {{"outcome", "validation_failed"}};
  h.fake().script["agent"] = {failing};
  auto wf = h.load(R"(
version: 1
name: failed-outputs
steps:
  agent: { uses: fake }
  report:
    uses: fake
    needs: [agent]
    if: ${{ always() }}
    with: { value: "${{ steps.agent.status }}:${{ steps.agent.outputs.outcome }}" }
)");
  const auto run_dir = h.create(wf);
  CHECK(h.drive(run_dir, wf).end == RunEnd::failed);
  const auto journal = h.journal(run_dir);
  const RunState state = fold_records(journal);
  CHECK(state.steps.at("agent").outputs == Value{{"outcome", "validation_failed"}});
  CHECK(state.steps.at("report").outputs["value"] == "failed:validation_failed");
}

TEST_CASE("budget: a run over its max_tokens_total stops, compensates and fails with a distinct error") {
  Harness h;
  FakeAttempt plan = FakeAttempt::ok();
  plan.llm_usage = {{"model", "m"}, {"prompt_tokens", 600}, {"completion_tokens", 100}};
  FakeAttempt code = FakeAttempt::sleep(300ms);  // `slow` is running by the time it finishes
  code.llm_usage = {{"model", "m"}, {"prompt_tokens", 300}, {"completion_tokens", 50}};
  h.fake().script["plan"] = {plan};
  h.fake().script["code"] = {code};
  h.fake().script["slow"] = {FakeAttempt::hang()};
  h.options.jobs = 2;
  auto wf = h.load(R"(
version: 1
name: budget
budget: { max_tokens_total: 1000 }
steps:
  plan: { uses: fake, compensate: { uses: fake, with: { tag: undo } } }
  code: { uses: fake, needs: [plan] }
  slow: { uses: fake, needs: [plan] }
  after: { uses: fake, needs: [code, slow] }
)");
  const auto run_dir = h.create(wf);
  const auto result = h.drive(run_dir, wf);
  CHECK(result.end == RunEnd::failed);
  CHECK(result.error == "budget exceeded: the run used 1050 tokens, over its max_tokens_total of 1000");
  const auto journal = h.journal(run_dir);
  CHECK(journal.back()["type"] == "RunFailed");
  CHECK(journal.back()["budget_exceeded"] == true);
  const RunState state = fold_records(journal);
  CHECK(state.steps.at("code").status == "succeeded");  // the step that went over still completed
  CHECK(state.steps.at("slow").status == "cancelled");  // running steps are stopped
  CHECK(state.steps.at("after").status == "skipped");   // nothing new starts
  CHECK(state.compensated.count("plan") == 1);
}

TEST_CASE("budget: max_cost prices each model; a model without a price stops the run rather than spend blind") {
  auto wf_text = R"(
version: 1
name: cost
budget: { max_cost: 0.01 }
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
)";
  {
    Harness h;
    FakeAttempt a = FakeAttempt::ok();
    a.llm_usage = {{"model", "cheap"}, {"prompt_tokens", 1000}, {"completion_tokens", 1000}};  // $0.002
    FakeAttempt b = FakeAttempt::ok();
    b.llm_usage = {{"model", "dear"}, {"prompt_tokens", 1000}, {"completion_tokens", 1000}};  // $0.018
    h.fake().script["a"] = {a};
    h.fake().script["b"] = {b};
    auto wf = h.load(wf_text);
    const auto run_dir = h.create(wf);
    h.options.prices = {{"cheap", {1.0, 1.0}}, {"dear", {3.0, 15.0}}};
    const auto result = h.drive(run_dir, wf);
    CHECK(result.end == RunEnd::failed);
    CHECK(result.error == "budget exceeded: the run cost $0.0200, over its max_cost of $0.0100");
  }
  {
    Harness h;
    FakeAttempt a = FakeAttempt::ok();
    a.llm_usage = {{"model", "mystery"}, {"prompt_tokens", 10}, {"completion_tokens", 10}};
    h.fake().script["a"] = {a};
    auto wf = h.load(wf_text);
    const auto run_dir = h.create(wf);
    const auto result = h.drive(run_dir, wf);
    CHECK(result.end == RunEnd::failed);
    CHECK(result.error == "budget cannot be checked: max_cost is set and model 'mystery' has no price (add it to "
                          "`prices` in the configuration)");
    CHECK(fold_records(h.journal(run_dir)).steps.at("b").status == "skipped");
  }
}

TEST_CASE("interrupt() also stops a running compensation") {
  Harness h;
  h.fake().script["boom"] = {FakeAttempt::fail(1)};
  h.fake().script["a/undo"] = {FakeAttempt::gated("undo")};
  auto wf = h.load(R"(
version: 1
name: interrupt-compensation
steps:
  a:
    uses: fake
    compensate: { uses: fake, with: { tag: undo } }
  boom: { uses: fake, needs: [a] }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("a/undo"));
  // Should the compensation not stop, the gate opens after 5s so the test ends.
  std::atomic<bool> done{false};
  std::thread safety([&h, &done] {
    for (int i = 0; i < 500 && !done; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    h.fake().release("undo");
  });
  const auto asked = std::chrono::steady_clock::now();
  driver->interrupt();
  const auto result = bg.get();
  const auto took = std::chrono::steady_clock::now() - asked;
  done = true;
  safety.join();
  CHECK(took < 2s);
  CHECK(result.end == RunEnd::interrupted);
  CHECK(trace(h.journal(run_dir)).back() == "RunInterrupted");
}

TEST_CASE("cancelling a resumed run compensates the steps completed before, without skipping them") {
  Harness h;
  h.fake().script["slow"] = {FakeAttempt::hang()};
  auto wf = h.load(R"(
version: 1
name: cancel-resumed
steps:
  a:
    uses: fake
    compensate: { uses: fake, with: { tag: undo } }
  slow: { uses: fake, needs: [a] }
finally:
  cleanup: { uses: fake }
)");
  const auto run_dir = h.create(wf);
  {
    auto driver = h.open(run_dir, wf);
    Background bg(*driver);
    REQUIRE(h.fake().wait_running("slow"));
    driver->interrupt();
    CHECK(bg.get().end == RunEnd::interrupted);
  }
  // `automata cancel` of a run no process drives: open it and post cancel first.
  OpenMode resume;
  resume.resume = true;
  resume.by = "cancel";
  auto driver = h.open(run_dir, wf, resume);
  driver->post_signal("cancel", Value());
  auto result = driver->drive();
  REQUIRE(result.ok());
  CHECK(result->end == RunEnd::cancelled);
  CHECK(h.fake().call_keys() == std::vector<std::string>{"a", "slow", "a/undo", "cleanup"});
  auto full = trace(h.journal(run_dir));
  const auto resumed = std::find(full.begin(), full.end(), "RunResumed");
  CHECK(std::vector<std::string>(resumed, full.end()) ==
        std::vector<std::string>{"RunResumed", "SignalReceived cancel", "StepSkipped slow", "CompensationStarted a",
                                 "CompensationCompleted a", "StepScheduled cleanup@1", "StepStarted cleanup@1",
                                 "StepCompleted cleanup@1", "RunCancelled"});
  CHECK(fold_records(h.journal(run_dir)).steps.at("a").status == "succeeded");
}

TEST_CASE("a child workflow runs with its journal nested, and its outputs reach the parent") {
  Harness h;
  h.dir().write("child.yaml", R"(
version: 1
name: child
inputs:
  who: { type: string }
steps:
  hello: { uses: fake, with: { value: "hi ${{ inputs.who }}" } }
outputs:
  greeting: ${{ steps.hello.outputs.value }}
)");
  h.fake().script["after"] = {};
  const auto result = h.run(R"(
version: 1
name: parent
steps:
  kid:
    uses: workflow
    with: { file: child.yaml, inputs: { who: ana } }
  after: { uses: fake, needs: [kid], with: { value: "${{ steps.kid.outputs.greeting }}" } }
)");
  CHECK(result.end == RunEnd::succeeded);
  const auto child_journal = h.journal(h.run_dir() / "children" / "kid");
  CHECK(trace(child_journal) == std::vector<std::string>{"RunStarted", "StepScheduled hello@1", "StepStarted hello@1",
                                                         "StepCompleted hello@1", "RunCompleted"});
  const auto completed = of_type(h.journal(), "StepCompleted");
  REQUIRE(completed.size() == 2);
  CHECK(completed[0]["outputs"] == Value{{"greeting", "hi ana"}});
  CHECK(completed[1]["outputs"] == Value{{"value", "hi ana"}});
}

TEST_CASE("a built-in workflow runs a built-in child by its bare name; both are named builtin:NAME in the journal") {
  Harness h;
  static constexpr BuiltinWorkflow k_builtins[] = {
      {"gate", "version: 1\nname: gate\nsteps:\n  s: { uses: fake, with: { value: gated } }\n"
               "outputs:\n  v: ${{ steps.s.outputs.value }}\n"}};
  const WorkflowLibrary library(k_builtins);
  h.services.workflows = &library;
  const auto outcome = load_workflow(
      "builtin:pr", "version: 1\nname: pr\nsteps:\n  g: { uses: workflow, with: { file: gate } }\n", *h.services.kinds,
      library);
  INFO(outcome.rendered);
  REQUIRE(outcome.ok());
  const auto run_dir = h.create(outcome.workflow);
  const auto result = h.drive(run_dir, outcome.workflow);
  CHECK(result.end == RunEnd::succeeded);
  CHECK(h.journal(run_dir).front()["file"] == "builtin:pr");
  CHECK(h.journal(run_dir / "children" / "g").front()["file"] == "builtin:gate");
  CHECK(of_type(h.journal(run_dir), "StepCompleted").at(0)["outputs"] == Value{{"v", "gated"}});
}

TEST_CASE("a child workflow waiting for a signal pauses the parent, and resumes with it") {
  Harness h;
  h.dir().write("child.yaml", R"(
version: 1
name: child
steps:
  approval: { uses: wait, with: { signal: approve } }
  work: { uses: fake, needs: [approval], with: { value: "${{ steps.approval.outputs.data }}" } }
outputs:
  got: ${{ steps.work.outputs.value }}
)");
  auto wf = h.load(R"(
version: 1
name: parent
steps:
  kid: { uses: workflow, with: { file: child.yaml } }
)");
  const auto run_dir = h.create(wf);
  const auto first = h.drive(run_dir, wf);
  CHECK(first.end == RunEnd::paused);
  CHECK(of_type(h.journal(run_dir), "StepFailed").empty());
  CHECK(of_type(h.journal(run_dir / "children" / "kid"), "StepFailed").empty());
  REQUIRE(record_signal_offline(run_dir, "approve", Value(7), Masker(), real_clock()).ok());
  OpenMode resume;
  resume.resume = true;
  const auto second = h.drive(run_dir, wf, resume);
  CHECK(second.end == RunEnd::succeeded);
  const auto completed = of_type(h.journal(run_dir), "StepCompleted");
  REQUIRE(completed.size() == 1);
  CHECK(completed[0]["outputs"] == Value{{"got", 7}});
  CHECK(h.fake().calls().size() == 1);
}

TEST_CASE("live_status reports the steps so far") {
  Harness h;
  h.fake().script["a"] = {FakeAttempt::gated("a")};
  auto wf = h.load(R"(
version: 1
name: live
steps:
  a: { uses: fake }
  b: { uses: fake, needs: [a] }
)");
  const auto run_dir = h.create(wf);
  auto driver = h.open(run_dir, wf);
  Background bg(*driver);
  REQUIRE(h.fake().wait_running("a"));
  const Value status = driver->live_status();
  h.fake().release("a");
  CHECK(bg.get().end == RunEnd::succeeded);
  CHECK(status["run"] == "r1");
  CHECK(status["status"] == "running");
  CHECK(status["live"] == true);
  CHECK(status["steps"]["a"]["status"] == "running");
  CHECK(status["steps"]["b"]["status"] == "pending");
}

}  // TEST_SUITE
