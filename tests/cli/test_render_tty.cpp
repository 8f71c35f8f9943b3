#include <doctest/doctest.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cli/format.hpp"
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
    return automata::engine::SystemTime{} + std::chrono::milliseconds(m_ms.load());
  }
  automata::engine::SteadyTime steady_now() const override {
    return automata::engine::SteadyTime{} + std::chrono::milliseconds(m_ms.load());
  }
  void advance(std::chrono::milliseconds by) { m_ms += by.count(); }

 private:
  std::atomic<long long> m_ms{0};
};

Value record(const char* type, const Value& fields) {
  Value r = {{"seq", 1}, {"ts", "2026-11-21T15:30:12.345Z"}, {"type", type}};
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
    options.mode = OutputMode::tty;
    options.clock = &clock;
    options.width = 40;
    options.redraw_interval = 0ms;  // no render thread: the test draws with flush()
  }
  std::unique_ptr<automata::cli::Renderer> make() { return automata::cli::make_renderer(console, options); }
};

// RunStarted, build runs for 1.2s with one output line, the run completes.
void feed_short_run(automata::cli::Renderer& renderer, FakeClock& clock, std::vector<std::string>* frames,
                    const Console& console) {
  renderer.on_total(2);
  renderer.on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}}));
  renderer.on_record(record("StepStarted", {{"step", "build"}, {"attempt", 1}}));
  clock.advance(500ms);
  renderer.on_output("build", "compiling foo.c");
  renderer.flush();
  frames->push_back(console.captured_out());
  renderer.flush();  // nothing changed: nothing drawn
  frames->push_back(console.captured_out());
  clock.advance(700ms);
  renderer.on_record(record("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"duration_ms", 1200}}));
  renderer.flush();
  frames->push_back(console.captured_out());
  renderer.on_record(record("RunCompleted", {{"duration_ms", 3400}}));
  renderer.close();
  frames->push_back(console.captured_out());
}

// The text drawn after each "\x1b[K": the live region's lines.
std::vector<std::string> live_lines(const std::string& out) {
  std::vector<std::string> lines;
  const std::string clear = "\x1b[K";
  for (auto at = out.find(clear); at != std::string::npos; at = out.find(clear, at + 1)) {
    const auto begin = at + clear.size();
    const auto end = out.find_first_of("\n\r", begin);
    std::string line = out.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    lines.push_back(line.substr(0, line.find("\x1b[K")));
  }
  return lines;
}

bool has_sgr(const std::string& text) { return std::regex_search(text, std::regex("\x1b\\[[0-9;]*m")); }

}  // namespace

TEST_SUITE("cli.render_tty") {
  TEST_CASE("exact frames: live region, a permanent line above it, the final line") {
    Fixture f;
    auto renderer = f.make();
    std::vector<std::string> frames;
    feed_short_run(*renderer, f.clock, &frames, f.console);
    const std::string first =
        "\x1b[?25l"
        "▶ ci · run r1\n"
        "\x1b[K⠦ build 0.5s · compiling foo.c\n"
        "\x1b[K[....................] 0/2 · 0.5s";
    const std::string second =
        "\r\x1b[1A\x1b[J"
        "✓ build 1.2s\n"
        "\x1b[K[########.........] 1/2 · 1.2s · ETA 2s";
    const std::string last =
        "\r\x1b[J"
        "✓ ci succeeded in 3.4s (1 step)\n"
        "\x1b[?25h";
    CHECK(frames[0] == first);
    CHECK(frames[1] == first);
    CHECK(frames[2] == first + second);
    CHECK(frames[3] == first + second + last);
    CHECK_FALSE(has_sgr(frames[3]));
  }

  TEST_CASE("color: painted symbols, spinner and dim output only when on") {
    Fixture f;
    f.options.color = true;
    auto renderer = f.make();
    std::vector<std::string> frames;
    feed_short_run(*renderer, f.clock, &frames, f.console);
    const std::string out = frames.back();
    CHECK(out.find("\x1b[K\x1b[36m⠦\x1b[0m build 0.5s\x1b[2m · compiling foo.c\x1b[0m\n") != std::string::npos);
    CHECK(out.find("\x1b[32m✓\x1b[0m build 1.2s\n") != std::string::npos);
    CHECK(out.find("\x1b[32m✓\x1b[0m ci succeeded in 3.4s (1 step)\n") != std::string::npos);
  }

  TEST_CASE("failures show the output tail; retries, skips and names") {
    Fixture f;
    f.options.width = 80;
    auto renderer = f.make();
    renderer->on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}, {"steps", {"test[os=linux]", "deploy"}}}));
    renderer->on_record(record("StepScheduled", {{"step", "test[os=linux]"}, {"name", "Test"}, {"attempt", 1}}));
    renderer->on_record(record("StepStarted", {{"step", "test[os=linux]"}, {"attempt", 1}}));
    for (int i = 1; i <= 12; ++i) {
      renderer->on_output("test[os=linux]", "\x1b[31mline " + std::to_string(i) + "\x1b[0m");
    }
    renderer->on_record(record("StepFailed", {{"step", "test[os=linux]"}, {"attempt", 1}, {"error", "tests failed"}, {"exit_code", 2}, {"retryable", true}, {"duration_ms", 400}}));
    renderer->on_record(record("StepRetryScheduled", {{"step", "test[os=linux]"}, {"next_attempt", 2}, {"delay_ms", 4000}, {"max_attempts", 3}}));
    f.clock.advance(1s);
    renderer->flush();
    std::string out = f.console.captured_out();
    std::string tail;
    for (int i = 3; i <= 12; ++i) {
      tail += "    line " + std::to_string(i) + "\n";
    }
    CHECK(out.find("✗ Test[os=linux] exit 2 · 0.4s · tests failed\n" + tail + "↻ Test[os=linux] retry 2/3 in 4s\n") !=
          std::string::npos);
    CHECK(out.find("    line 2\n") == std::string::npos);
    const auto live = live_lines(out);
    REQUIRE(live.size() == 2);
    CHECK(live[0] == "↻ Test[os=linux] retry 2/3 in 3.0s");
    CHECK(live[1] == "[....................] 0/2 · 1.0s");

    renderer->on_record(record("StepStarted", {{"step", "test[os=linux]"}, {"attempt", 2}}));
    renderer->on_record(record("StepCompleted", {{"step", "test[os=linux]"}, {"attempt", 2}, {"duration_ms", 500}}));
    renderer->on_record(record("StepSkipped", {{"step", "deploy"}, {"reason", "if: false"}}));
    renderer->on_record(record("RunFailed", {{"duration_ms", 5000}, {"error", "boom"}}));
    renderer->close();
    out = f.console.captured_out();
    CHECK(out.find("✓ Test[os=linux] 0.5s\n⊘ deploy skipped (if: false)\n") != std::string::npos);
    CHECK(out.find("✗ ci failed in 5.0s: boom\n\x1b[?25h") != std::string::npos);
    CHECK_FALSE(has_sgr(out));
  }

  TEST_CASE("no live line is wider than the terminal; permanent lines are whole") {
    Fixture f;
    f.options.width = 30;
    auto renderer = f.make();
    renderer->on_total(40);
    renderer->on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}}));
    const std::string long_name = "a-very-long-step-name-that-goes-on-and-on";
    renderer->on_record(record("StepStarted", {{"step", long_name}, {"attempt", 1}}));
    renderer->on_record(record("StepStarted", {{"step", "short"}, {"attempt", 1}}));
    renderer->on_output("short", std::string(100, 'x') + "日本語テキスト\tend");
    renderer->on_record(record("StepRetryScheduled", {{"step", "other-very-long-step-name-here"}, {"next_attempt", 2}, {"delay_ms", 90000}, {"max_attempts", 10}}));
    f.clock.advance(61s);
    renderer->flush();
    const std::string error = "compiler says: src/very/long/path/file.cpp:123:45: error: no matching call";
    renderer->on_record(record("StepFailed", {{"step", "short"}, {"attempt", 1}, {"error", error}, {"exit_code", 1}, {"duration_ms", 61000}}));
    renderer->flush();
    renderer->close();
    const std::string out = f.console.captured_out();
    const auto live = live_lines(out);
    CHECK(live.size() >= 6);
    for (const auto& line : live) {
      CAPTURE(line);
      CHECK(automata::cli::display_width(automata::cli::strip_ansi(line)) <= 29);
    }
    CHECK(out.find("✗ short exit 1 · 1m01s · " + error + "\n    " + std::string(100, 'x') + "日本語テキスト end\n") !=
          std::string::npos);
  }

  TEST_CASE("quiet: no live region, only failures and the final line") {
    Fixture f;
    f.options.quiet = true;
    auto renderer = f.make();
    renderer->on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}}));
    renderer->on_record(record("StepStarted", {{"step", "build"}, {"attempt", 1}}));
    renderer->on_output("build", "ok");
    renderer->on_record(record("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"duration_ms", 100}}));
    renderer->on_record(record("StepStarted", {{"step", "test"}, {"attempt", 1}}));
    renderer->on_output("test", "FAIL");
    renderer->flush();
    CHECK(f.console.captured_out().empty());
    renderer->on_record(record("StepFailed", {{"step", "test"}, {"attempt", 1}, {"error", "tests failed"}, {"exit_code", 2}, {"duration_ms", 400}}));
    renderer->on_record(record("StepSkipped", {{"step", "deploy"}, {"reason", "needs test"}}));
    renderer->on_record(record("RunFailed", {{"duration_ms", 600}, {"error", "step test failed"}}));
    renderer->close();
    CHECK(f.console.captured_out() ==
          "✗ test exit 2 · 0.4s · tests failed\n"
          "    FAIL\n"
          "✗ ci failed in 0.6s: step test failed\n");
  }

  TEST_CASE("verbose prints output lines permanently") {
    Fixture f;
    f.options.verbose = true;
    auto renderer = f.make();
    renderer->on_record(record("StepStarted", {{"step", "build"}, {"attempt", 1}}));
    renderer->on_output("build", "\x1b[1mcompiling\x1b[0m\r");
    renderer->on_record(record("StepHeartbeat", {{"step", "build"}, {"attempt", 1}, {"message", "linking"}, {"progress", 0.25}}));
    renderer->flush();
    const std::string out = f.console.captured_out();
    CHECK(out.find("[build] compiling\n") != std::string::npos);
    const auto live = live_lines(out);
    REQUIRE(live.size() == 2);
    CHECK(live[0] == "⠋ build 0.0s · linking 25%");
    CHECK(live[1] == "0 done · 0.0s");
  }

  TEST_CASE("many running steps: the region is capped with a count of the rest") {
    Fixture f;
    f.options.width = 80;
    auto renderer = f.make();
    renderer->on_total(12);
    for (int i = 0; i < 12; ++i) {
      renderer->on_record(record("StepStarted", {{"step", "s" + std::to_string(i)}, {"attempt", 1}}));
    }
    renderer->flush();
    const auto live = live_lines(f.console.captured_out());
    REQUIRE(live.size() == 9);
    CHECK(live[0] == "⠋ s0 0.0s");
    CHECK(live[6] == "⠋ s6 0.0s");
    CHECK(live[7] == "  … and 5 more running");
    CHECK(live[8] == "[....................] 0/12 · 0.0s");
  }

  TEST_CASE("the render thread draws on its own and close() stops it") {
    Fixture f;
    f.options.redraw_interval = 1ms;
    auto renderer = f.make();
    renderer->on_record(record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}}));
    renderer->on_record(record("StepStarted", {{"step", "build"}, {"attempt", 1}}));
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
      workers.emplace_back([&renderer, &f, t] {
        for (int i = 0; i < 200; ++i) {
          renderer->on_output("build", "line " + std::to_string(t) + "-" + std::to_string(i));
          f.clock.advance(1ms);
        }
      });
    }
    for (auto& worker : workers) {
      worker.join();
    }
    for (int i = 0; i < 500 && f.console.captured_out().find("⠋ build") == std::string::npos &&
                    f.console.captured_out().find("build 0.") == std::string::npos;
         ++i) {
      std::this_thread::sleep_for(1ms);
    }
    CHECK(f.console.captured_out().find("\x1b[K") != std::string::npos);
    renderer->on_record(record("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"duration_ms", 800}}));
    renderer->on_record(record("RunCompleted", {{"duration_ms", 900}}));
    renderer->close();
    const std::string out = f.console.captured_out();
    CHECK(out.ends_with("✓ ci succeeded in 0.9s (1 step)\n\x1b[?25h"));
    CHECK(out.find("✓ build 0.8s\n") != std::string::npos);
  }

  TEST_CASE("a step summary is appended at close") {
    Fixture f;
    const automata::test::ScratchDir scratch;
    f.options.github_step_summary = (scratch / "summary.md").string();
    auto renderer = f.make();
    std::vector<std::string> frames;
    feed_short_run(*renderer, f.clock, &frames, f.console);
    CHECK(automata::test::read_file(scratch / "summary.md") ==
          "### ✓ ci succeeded in 3.4s (1 step)\n\n| step | result | duration |\n| --- | --- | --- |\n"
          "| build | ✓ succeeded | 1.2s |\n\n");
  }
}
