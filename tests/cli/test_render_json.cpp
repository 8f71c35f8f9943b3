#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/renderer.hpp"
#include "support/scratch.hpp"

using automata::Value;
using automata::cli::Console;
using automata::cli::OutputMode;
using automata::cli::RenderOptions;

namespace {

RenderOptions json_options() {
  RenderOptions options;
  options.mode = OutputMode::json;
  return options;
}

}  // namespace

TEST_SUITE("cli.render_json") {
  TEST_CASE("each record is one compact line, keys in their order; nothing else") {
    Console console(Console::k_capture, Console::k_capture);
    auto renderer = automata::cli::make_renderer(console, json_options());
    const Value started = Value::parse(
        R"({"seq":1,"ts":"2026-11-21T15:30:12.345Z","type":"RunStarted","run":"r1","workflow":"ci","inputs":{"z":1,"a":[true,null]},"crc":"0badf00d"})");
    const Value output = Value::parse(
        R"({"seq":2,"ts":"2026-11-21T15:30:13.000Z","type":"StepCompleted","step":"build","outputs":{"msg":"a \"quoted\"\nline ✓"},"duration_ms":1200})");
    renderer->on_total(3);
    renderer->on_record(started);
    renderer->on_output("build", "not part of the stream");
    renderer->on_record(output);
    renderer->flush();
    renderer->close();
    CHECK(console.captured_out() ==
          R"({"seq":1,"ts":"2026-11-21T15:30:12.345Z","type":"RunStarted","run":"r1","workflow":"ci","inputs":{"z":1,"a":[true,null]},"crc":"0badf00d"})"
          "\n"
          R"({"seq":2,"ts":"2026-11-21T15:30:13.000Z","type":"StepCompleted","step":"build","outputs":{"msg":"a \"quoted\"\nline ✓"},"duration_ms":1200})"
          "\n");
    CHECK(console.captured_err().empty());
  }

  TEST_CASE("invalid UTF-8 in a record is replaced, not thrown") {
    Console console(Console::k_capture, Console::k_capture);
    auto renderer = automata::cli::make_renderer(console, json_options());
    Value record = {{"seq", 1}, {"type", "StepFailed"}, {"error", std::string("bad \xff byte")}};
    renderer->on_record(record);
    CHECK(console.captured_out() == "{\"seq\":1,\"type\":\"StepFailed\",\"error\":\"bad \xef\xbf\xbd byte\"}\n");
  }

  TEST_CASE("records from many threads stay whole lines") {
    Console console(Console::k_capture, Console::k_capture);
    auto renderer = automata::cli::make_renderer(console, json_options());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&renderer, t] {
        for (int i = 0; i < 100; ++i) {
          renderer->on_record(Value{{"seq", t * 100 + i}, {"type", "StepHeartbeat"}, {"message", std::string(200, 'x')}});
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    std::istringstream lines(console.captured_out());
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
      const Value parsed = Value::parse(line);
      CHECK(parsed["message"].get<std::string>().size() == 200);
      ++count;
    }
    CHECK(count == 400);
  }

  TEST_CASE("a step summary is appended at close, and stdout stays JSON") {
    const automata::test::ScratchDir scratch;
    Console console(Console::k_capture, Console::k_capture);
    RenderOptions options = json_options();
    options.github_step_summary = (scratch / "summary.md").string();
    auto renderer = automata::cli::make_renderer(console, options);
    renderer->on_record(Value{{"type", "RunStarted"}, {"run", "r1"}, {"workflow", "ci"}});
    renderer->on_record(Value{{"type", "StepCompleted"}, {"step", "build"}, {"duration_ms", 1200}});
    renderer->on_record(Value{{"type", "RunCompleted"}, {"duration_ms", 1300}});
    renderer->close();
    renderer->close();
    CHECK(automata::test::read_file(scratch / "summary.md") ==
          "### ✓ ci succeeded in 1.3s (1 step)\n\n| step | result | duration |\n| --- | --- | --- |\n"
          "| build | ✓ succeeded | 1.2s |\n\n");
    CHECK(console.captured_out() ==
          "{\"type\":\"RunStarted\",\"run\":\"r1\",\"workflow\":\"ci\"}\n"
          "{\"type\":\"StepCompleted\",\"step\":\"build\",\"duration_ms\":1200}\n"
          "{\"type\":\"RunCompleted\",\"duration_ms\":1300}\n");
  }
}
