#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <vector>

#include "cli/renderer.hpp"
#include "support/scratch.hpp"

using automata::Value;
using automata::cli::Console;
using automata::cli::OutputMode;
using automata::cli::RenderOptions;
using namespace std::chrono_literals;

namespace {

class FakeClock final : public automata::engine::Clock {
 public:
  automata::engine::SystemTime wall_now() const override {
    return std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + 15h + 30min + 12s + std::chrono::milliseconds(m_ms.load());
  }
  automata::engine::SteadyTime steady_now() const override {
    return automata::engine::SteadyTime{} + std::chrono::milliseconds(m_ms.load());
  }
  void advance(std::chrono::milliseconds by) { m_ms += by.count(); }

 private:
  std::atomic<long long> m_ms{0};
};

Value record(const char* type, const Value& fields, const char* ts = "2026-11-21T15:30:12.345Z") {
  Value r = {{"seq", 1}, {"ts", ts}, {"type", type}};
  for (const auto& [key, value] : fields.items()) {
    r[key] = value;
  }
  return r;
}

struct Fixture {
  FakeClock clock;
  Console console{Console::k_capture, Console::k_capture};
  RenderOptions options;
  Fixture() {
    options.mode = OutputMode::plain;
    options.clock = &clock;
  }
};

// A run with a step that succeeds, one that fails once, prints a workflow
// command and then succeeds, and one that is skipped.
void feed_retried_run(automata::engine::EventSink& sink, FakeClock& clock) {
  sink.on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}, {"steps", {"build", "test", "deploy"}}}));
  sink.on_record(record("StepScheduled", {{"step", "build"}, {"attempt", 1}}));
  sink.on_record(record("StepStarted", {{"step", "build"}, {"attempt", 1}}));
  sink.on_record(record("StepHeartbeat", {{"step", "build"}, {"attempt", 1}, {"message", "linking"}, {"progress", 0.5}}));
  clock.advance(1s);
  sink.on_output("build", "compiling \x1b[1mfoo.c\x1b[0m\r");
  sink.on_record(record("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"duration_ms", 1200}, {"exit_code", 0}}, "2026-11-21T15:30:13.545Z"));
  sink.on_record(record("StepStarted", {{"step", "test"}, {"attempt", 1}}, "2026-11-21T15:30:13.600Z"));
  sink.on_output("test", "FAIL: case 3");
  sink.on_record(record("StepFailed", {{"step", "test"}, {"attempt", 1}, {"error", "tests failed"}, {"exit_code", 2}, {"retryable", true}, {"duration_ms", 400}}, "2026-11-21T15:30:14.000Z"));
  sink.on_record(record("StepRetryScheduled", {{"step", "test"}, {"next_attempt", 2}, {"delay_ms", 4000}, {"max_attempts", 3}}, "2026-11-21T15:30:14.000Z"));
  sink.on_record(record("StepStarted", {{"step", "test"}, {"attempt", 2}}, "2026-11-21T15:30:18.000Z"));
  sink.on_output("test", "::set-output name=x::evil");
  sink.on_record(record("StepCompleted", {{"step", "test"}, {"attempt", 2}, {"duration_ms", 500}, {"exit_code", 0}}, "2026-11-21T15:30:18.500Z"));
  sink.on_record(record("StepSkipped", {{"step", "deploy"}, {"reason", "if: false"}}, "2026-11-21T15:30:18.500Z"));
  sink.on_record(record("RunCompleted", {{"duration_ms", 6400}}, "2026-11-21T15:30:18.600Z"));
  sink.close();
}

// A run whose step fails for good, with characters GitHub must see escaped.
void feed_failed_run(automata::engine::EventSink& sink) {
  sink.on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}}));
  sink.on_record(record("StepScheduled", {{"step", "lint:a,b"}, {"name", "Lint: a, b 100%"}, {"attempt", 1}}));
  sink.on_record(record("StepStarted", {{"step", "lint:a,b"}, {"attempt", 1}}));
  for (int i = 1; i <= 12; ++i) {
    sink.on_output("lint:a,b", "problem " + std::to_string(i));
  }
  sink.on_record(record("StepFailed", {{"step", "lint:a,b"}, {"attempt", 1}, {"error", "12 problems\n100% bad"}, {"exit_code", 1}, {"retryable", false}, {"duration_ms", 2000}}, "2026-11-21T15:30:14.345Z"));
  sink.on_record(record("RunFailed", {{"duration_ms", 2100}, {"error", "step lint:a,b failed"}}, "2026-11-21T15:30:14.445Z"));
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// The ::stop-commands:: token of a GitHub Actions output, checked to be 32 hex digits.
std::string token_of(const std::string& out) {
  const std::string marker = "::stop-commands::";
  const auto at = out.find(marker);
  REQUIRE(at != std::string::npos);
  const std::string token = out.substr(at + marker.size(), out.find('\n', at) - at - marker.size());
  CHECK(token.size() == 32);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  return token;
}

}  // namespace

TEST_SUITE("cli.render_plain") {
  TEST_CASE("one timestamped line per event") {
    Fixture f;
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_retried_run(*renderer, f.clock);
    CHECK(f.console.captured_out() ==
          "15:30:12 ▶ ci · run r1\n"
          "15:30:12 [build] started\n"
          "15:30:13 [build] compiling foo.c\n"
          "15:30:13 ✓ build 1.2s\n"
          "15:30:13 [test] started\n"
          "15:30:13 [test] FAIL: case 3\n"
          "15:30:14 ✗ test exit 2 · 0.4s · tests failed\n"
          "15:30:14 ↻ test retry 2/3 in 4s\n"
          "15:30:18 [test] started (attempt 2)\n"
          "15:30:13 [test] ::set-output name=x::evil\n"
          "15:30:18 ✓ test 0.5s\n"
          "15:30:18 ⊘ deploy skipped (if: false)\n"
          "15:30:18 ✓ ci succeeded in 6.4s (3 steps)\n");
    CHECK(f.console.captured_err().empty());
  }

  TEST_CASE("verbose adds scheduling and heartbeats") {
    Fixture f;
    f.options.verbose = true;
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_retried_run(*renderer, f.clock);
    const std::string out = f.console.captured_out();
    CHECK(out.find("15:30:12 [build] scheduled\n15:30:12 [build] started\n15:30:12 [build] linking (50%)\n") != std::string::npos);
  }

  TEST_CASE("quiet prints failures with their output tail, and the final line") {
    Fixture f;
    f.options.quiet = true;
    {
      auto renderer = automata::cli::make_renderer(f.console, f.options);
      feed_retried_run(*renderer, f.clock);
    }
    CHECK(f.console.captured_out() ==
          "15:30:14 ✗ test exit 2 · 0.4s · tests failed\n"
          "    FAIL: case 3\n"
          "15:30:18 ✓ ci succeeded in 6.4s (3 steps)\n");

    Fixture g;
    g.options.quiet = true;
    auto renderer = automata::cli::make_renderer(g.console, g.options);
    feed_failed_run(*renderer);
    renderer->close();
    std::string expected = "15:30:14 ✗ Lint: a, b 100% exit 1 · 2.0s · 12 problems\n";
    for (int i = 3; i <= 12; ++i) {
      expected += "    problem " + std::to_string(i) + "\n";
    }
    expected += "15:30:14 ✗ ci failed in 2.1s: step lint:a,b failed\n";
    CHECK(g.console.captured_out() == expected);
  }

  TEST_CASE("forced color paints the symbols; otherwise step escapes are stripped") {
    Fixture f;
    f.options.color = true;
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_retried_run(*renderer, f.clock);
    const std::string out = f.console.captured_out();
    CHECK(out.find("15:30:13 \x1b[32m✓\x1b[0m build 1.2s\n") != std::string::npos);
    CHECK(out.find("15:30:14 \x1b[31m✗\x1b[0m test exit 2 · 0.4s · tests failed\n") != std::string::npos);
    CHECK(out.find("15:30:14 \x1b[33m↻\x1b[0m test retry 2/3 in 4s\n") != std::string::npos);
    CHECK(out.find("15:30:18 \x1b[2m⊘\x1b[0m deploy skipped (if: false)\n") != std::string::npos);
    CHECK(out.find("[build] compiling \x1b[1mfoo.c\x1b[0m\x1b[0m\n") != std::string::npos);

    Fixture plain;
    auto uncolored = automata::cli::make_renderer(plain.console, plain.options);
    feed_retried_run(*uncolored, plain.clock);
    CHECK(plain.console.captured_out().find('\x1b') == std::string::npos);
  }

  TEST_CASE("GitHub Actions: one fenced group per attempt, errors, and a step summary") {
    Fixture f;
    const automata::test::ScratchDir scratch;
    const auto summary = scratch.write("summary.md", "earlier step\n");
    f.options.github_actions = true;
    f.options.github_step_summary = summary.string();
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_retried_run(*renderer, f.clock);
    const std::string out = f.console.captured_out();
    const std::string token = token_of(out);
    CHECK(out == replace_all(
                     "15:30:12 ▶ ci · run r1\n"
                     "15:30:12 [build] started\n"
                     "::group::✓ build (1.2s)\n"
                     "::stop-commands::TOKEN\n"
                     "compiling foo.c\n"
                     "::TOKEN::\n"
                     "::endgroup::\n"
                     "15:30:13 [test] started\n"
                     "::group::✗ test (0.4s)\n"
                     "::stop-commands::TOKEN\n"
                     "FAIL: case 3\n"
                     "::TOKEN::\n"
                     "::endgroup::\n"
                     "15:30:14 ✗ test exit 2 · 0.4s · tests failed\n"
                     "::stop-commands::TOKEN\n"
                     "    FAIL: case 3\n"
                     "::TOKEN::\n"
                     "15:30:14 ↻ test retry 2/3 in 4s\n"
                     "15:30:18 [test] started (attempt 2)\n"
                     "::group::✓ test (0.5s)\n"
                     "::stop-commands::TOKEN\n"
                     "::set-output name=x::evil\n"
                     "::TOKEN::\n"
                     "::endgroup::\n"
                     "15:30:18 ⊘ deploy skipped (if: false)\n"
                     "15:30:18 ✓ ci succeeded in 6.4s (3 steps)\n",
                     "TOKEN", token));
    CHECK(automata::test::read_file(summary) ==
          "earlier step\n"
          "### ✓ ci succeeded in 6.4s (3 steps)\n"
          "\n"
          "| step | result | duration |\n"
          "| --- | --- | --- |\n"
          "| build | ✓ succeeded | 1.2s |\n"
          "| test | ✓ succeeded (attempt 2) | 0.5s |\n"
          "| deploy | ⊘ skipped: if: false |  |\n"
          "\n");
  }

  TEST_CASE("GitHub Actions: a final failure gets an escaped ::error annotation") {
    Fixture f;
    f.options.github_actions = true;
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_failed_run(*renderer);
    f.clock.advance(1s);
    renderer->on_record(record("StepStarted", {{"step", "late"}, {"attempt", 1}}));
    renderer->on_output("late", "half done");
    renderer->close();
    renderer->close();  // idempotent
    const std::string out = f.console.captured_out();
    const std::string token = token_of(out);
    std::string group_lines;
    std::string tail_lines;
    for (int i = 1; i <= 12; ++i) {
      group_lines += "problem " + std::to_string(i) + "\n";
      if (i > 2) {
        tail_lines += "    problem " + std::to_string(i) + "\n";
      }
    }
    CHECK(out == replace_all(
                     "15:30:12 ▶ ci · run r1\n"
                     "15:30:12 [Lint: a, b 100%] started\n"
                     "::group::✗ Lint: a, b 100%25 (2.0s)\n"
                     "::stop-commands::TOKEN\n" +
                         group_lines +
                         "::TOKEN::\n"
                         "::endgroup::\n"
                         "15:30:14 ✗ Lint: a, b 100% exit 1 · 2.0s · 12 problems\n"
                         "::stop-commands::TOKEN\n" +
                         tail_lines +
                         "::TOKEN::\n"
                         "15:30:14 ✗ ci failed in 2.1s: step lint:a,b failed\n"
                         "15:30:12 [late] started\n"
                         "::group::late (unfinished)\n"
                         "::stop-commands::TOKEN\n"
                         "half done\n"
                         "::TOKEN::\n"
                         "::endgroup::\n"
                         "::error title=Lint%3A a%2C b 100%25 failed::12 problems%0A100%25 bad (exit 1)\n",
                     "TOKEN", token));
  }

  TEST_CASE("GitHub Actions: the stop-commands token differs per run") {
    Fixture a;
    Fixture b;
    a.options.github_actions = true;
    b.options.github_actions = true;
    auto first = automata::cli::make_renderer(a.console, a.options);
    auto second = automata::cli::make_renderer(b.console, b.options);
    feed_failed_run(*first);
    feed_failed_run(*second);
    CHECK(token_of(a.console.captured_out()) != token_of(b.console.captured_out()));
  }

  TEST_CASE("an unwritable step summary is reported on stderr") {
    Fixture f;
    const automata::test::ScratchDir scratch;
    f.options.github_step_summary = (scratch / "missing" / "summary.md").string();
    auto renderer = automata::cli::make_renderer(f.console, f.options);
    feed_failed_run(*renderer);
    renderer->close();
    CHECK(f.console.captured_err() ==
          "automata: cannot append the step summary to " + f.options.github_step_summary +
              ": No such file or directory\n");
  }
}
