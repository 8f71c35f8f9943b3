#include "cli/junit.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/scratch.hpp"

using automata::Value;
using automata::cli::junit_xml;
using automata::cli::retry_outcome;
using automata::cli::run_outcome;
using automata::cli::RunReport;
using automata::cli::step_outcome;
using automata::cli::StepReport;
using automata::cli::StepState;
using automata::cli::summary_markdown;
using automata::cli::xml_escape;

namespace {

Value record(const char* type, const Value& fields = Value::object()) {
  Value r = {{"seq", 1}, {"ts", "2026-11-21T15:30:12.345Z"}, {"type", type}};
  for (const auto& [key, value] : fields.items()) {
    r[key] = value;
  }
  return r;
}

std::vector<Value> failed_run() {
  return {
      record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}, {"steps", {"build", "test", "deploy", "lint"}}}),
      record("StepScheduled", {{"step", "build"}, {"attempt", 1}}),
      record("StepStarted", {{"step", "build"}, {"attempt", 1}, {"worker", "local"}}),
      record("StepCompleted", {{"step", "build"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 1200}, {"exit_code", 0}}),
      record("StepScheduled", {{"step", "test"}, {"attempt", 1}}),
      record("StepStarted", {{"step", "test"}, {"attempt", 1}}),
      record("StepFailed", {{"step", "test"}, {"attempt", 1}, {"error", "boom"}, {"exit_code", 2}, {"retryable", true}, {"duration_ms", 300}}),
      record("StepRetryScheduled", {{"step", "test"}, {"next_attempt", 2}, {"delay_ms", 1000}, {"max_attempts", 2}}),
      record("StepStarted", {{"step", "test"}, {"attempt", 2}}),
      record("StepFailed", {{"step", "test"}, {"attempt", 2}, {"error", "tests failed: 3 < 4 & \"x\""}, {"exit_code", 2}, {"retryable", true}, {"duration_ms", 400}}),
      record("StepSkipped", {{"step", "deploy"}, {"reason", "needs test"}}),
      record("StepStarted", {{"step", "lint"}, {"attempt", 1}}),
      record("RunFailed", {{"duration_ms", 3400}, {"error", "step test failed"}}),
  };
}

const char* const k_failed_run_xml = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ci" tests="4" failures="1" errors="1" skipped="1" time="3.400">
  <testsuite name="ci" tests="4" failures="1" errors="1" skipped="1" time="3.400">
    <testcase classname="ci" name="build" time="1.200"/>
    <testcase classname="ci" name="test" time="0.400">
      <failure message="tests failed: 3 &lt; 4 &amp; &quot;x&quot;" type="exit 2">tests failed: 3 &lt; 4 &amp; &quot;x&quot;
exit code: 2</failure>
      <system-out>attempts: 2 of 2</system-out>
    </testcase>
    <testcase classname="ci" name="deploy" time="0.000">
      <skipped message="needs test"/>
    </testcase>
    <testcase classname="ci" name="lint" time="0.000">
      <error message="did not finish (run failed)"/>
    </testcase>
  </testsuite>
</testsuites>
)xml";

// Runs xmllint on the document. scripts/install-deps.sh installs it
// (libxml2-utils): a machine without it fails here, never passes silently.
bool well_formed_by_xmllint(const std::string& xml) {
  REQUIRE_MESSAGE(std::system("command -v xmllint >/dev/null 2>&1") == 0,
                  "xmllint is not installed: run scripts/install-deps.sh");
  const automata::test::ScratchDir scratch;
  const auto file = scratch.write("report.xml", xml);
  return std::system(("xmllint --noout '" + file.string() + "' 2>/dev/null").c_str()) == 0;
}

}  // namespace

TEST_SUITE("cli.junit") {
  TEST_CASE("RunReport folds attempts, retries and run endings") {
    RunReport report;
    const auto records = failed_run();
    for (std::size_t i = 0; i < 7; ++i) {  // up to the first StepFailed
      report.apply(records[i]);
    }
    CHECK(report.done() == 2);
    report.apply(records[7]);  // StepRetryScheduled: the failure is not final
    CHECK(report.done() == 1);
    REQUIRE(report.find("test") != nullptr);
    CHECK(report.find("test")->state == StepState::retrying);
    CHECK(report.find("test")->max_attempts == 2);
    for (std::size_t i = 8; i < records.size(); ++i) {
      report.apply(records[i]);
    }
    CHECK(report.run() == "r1");
    CHECK(report.workflow() == "ci");
    CHECK(report.planned() == 4);
    CHECK(report.status() == "failed");
    CHECK(report.duration_ms() == 3400);
    CHECK(report.error() == "step test failed");
    CHECK(report.done() == 3);
    REQUIRE(report.steps().size() == 4);
    const StepReport& test = report.steps()[1];
    CHECK(test.id == "test");
    CHECK(test.state == StepState::failed);
    CHECK(test.attempts == 2);
    CHECK(test.exit_code == 2);
    CHECK(test.duration_ms == 400);
    CHECK(report.find("nope") == nullptr);
  }

  TEST_CASE("RunReport ignores malformed records") {
    RunReport report;
    report.apply(Value("not an object"));
    report.apply(Value::array());
    report.apply(record("StepStarted"));  // no step
    report.apply(record("StepCompleted", {{"step", 7}, {"duration_ms", "soon"}}));
    report.apply(record("Whatever", {{"step", "x"}}));
    report.apply(record("StepFailed", {{"step", "y"}, {"exit_code", nullptr}, {"error", {1, 2}}}));
    REQUIRE(report.steps().size() == 2);
    CHECK(report.steps()[0].id == "7");
    CHECK(report.steps()[0].duration_ms == 0);
    CHECK(report.steps()[1].state == StepState::failed);
    CHECK_FALSE(report.steps()[1].exit_code.has_value());
    CHECK(report.steps()[1].error.empty());
    CHECK(report.status() == "running");
  }

  TEST_CASE("display names: the name, with the matrix suffix of the id") {
    StepReport step;
    step.id = "build";
    CHECK(step.display() == "build");
    step.name = "Build it";
    CHECK(step.display() == "Build it");
    step.id = "test[os=linux,cc=gcc]";
    step.name = "Test";
    CHECK(step.display() == "Test[os=linux,cc=gcc]");
    step.name = "Test [linux]";
    CHECK(step.display() == "Test [linux]");
  }

  TEST_CASE("step and run outcome lines") {
    StepReport step;
    step.id = "build";
    step.state = StepState::succeeded;
    step.duration_ms = 1200;
    CHECK(step_outcome(step) == "build 1.2s");
    step.state = StepState::failed;
    step.exit_code = 2;
    step.duration_ms = 400;
    CHECK(step_outcome(step) == "build exit 2 · 0.4s");
    step.error = "tests failed\nmore detail";
    CHECK(step_outcome(step) == "build exit 2 · 0.4s · tests failed");
    step.exit_code.reset();
    CHECK(step_outcome(step) == "build 0.4s · tests failed");
    step.state = StepState::skipped;
    CHECK(step_outcome(step) == "build skipped");
    step.reason = "if: false";
    CHECK(step_outcome(step) == "build skipped (if: false)");
    step.max_attempts = 3;
    CHECK(retry_outcome(step, 2, 4000) == "build retry 2/3 in 4s");
    step.max_attempts.reset();
    CHECK(retry_outcome(step, 2, 1500) == "build retry 2 in 1.5s");
    CHECK(retry_outcome(step, 3, 200) == "build retry 3 in 0.2s");
    CHECK(retry_outcome(step, 3, 0) == "build retry 3 in 0s");

    struct Row {
      std::vector<Value> records;
      const char* symbol;
      const char* text;
    };
    const Value started = record("RunStarted", {{"run", "r1"}, {"workflow", "ci"}});
    const Value step_done = record("StepCompleted", {{"step", "a"}, {"duration_ms", 5}});
    const std::vector<Row> rows = {
        {{started, step_done, record("RunCompleted", {{"duration_ms", 3400}})}, "✓", "ci succeeded in 3.4s (1 step)"},
        {{started, record("RunCompleted", {{"duration_ms", 3400}})}, "✓", "ci succeeded in 3.4s (0 steps)"},
        {{started, record("RunFailed", {{"duration_ms", 3400}, {"error", "step a failed\ndetails"}})}, "✗", "ci failed in 3.4s: step a failed"},
        {{started, record("RunFailed", {{"duration_ms", 3400}})}, "✗", "ci failed in 3.4s"},
        // The failed step's line gave its error: the run's line does not repeat it ...
        {{started, record("StepFailed", {{"step", "plan"}, {"error", "cannot reach it"}}),
          record("RunFailed", {{"duration_ms", 3400}, {"error", "step 'plan' failed: cannot reach it"}})},
         "✗", "ci failed in 3.4s: step 'plan' failed"},
        // ... but says an error that no step's line gave.
        {{started, record("StepFailed", {{"step", "plan"}, {"error", "other"}}),
          record("RunFailed", {{"duration_ms", 3400}, {"error", "step 'plan' failed: cannot reach it"}})},
         "✗", "ci failed in 3.4s: step 'plan' failed: cannot reach it"},
        {{started, record("RunCancelled", {{"duration_ms", 3400}})}, "⊘", "ci cancelled after 3.4s"},
        {{started, record("RunPaused", {{"duration_ms", 3400}})}, "⏸", "ci paused after 3.4s · resume with: automata resume r1"},
        {{started, record("RunPaused", {{"duration_ms", 3400},
                                        {"waiting_for", {{{"signal", "approve"}, {"command", "automata signal r1 approve"}}}},
                                        {"resume_command", "automata resume r1"}})},
         "⏸",
         "ci paused after 3.4s: waiting for signal 'approve' · send it with: automata signal r1 approve, then: "
         "automata resume r1"},
        {{started, record("RunInterrupted", {{"reason", "SIGINT"}})}, "⏸", "ci interrupted after 1.5s (SIGINT) · resume with: automata resume r1"},
        {{record("RunResumed", {{"run", "r2"}}), record("RunCompleted", {})}, "✓", "run r2 succeeded in 1.5s (0 steps)"},
        {{started}, "", "ci running for 1.5s"},
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      RunReport report;
      for (const auto& r : rows[i].records) {
        report.apply(r);
      }
      const auto outcome = run_outcome(report, 1500);
      CHECK(outcome.symbol == rows[i].symbol);
      CHECK(outcome.text == rows[i].text);
    }
  }

  TEST_CASE("a compensated step, and one whose compensation failed, end as such") {
    RunReport report;
    for (const auto& r : {record("StepCompleted", {{"step", "book"}, {"duration_ms", 1200}}),
                          record("StepCompleted", {{"step", "pay"}, {"duration_ms", 300}}),
                          record("CompensationCompleted", {{"step", "book"}}),
                          record("CompensationFailed", {{"step", "pay"}, {"error", "exit code 3\nmore"}})}) {
      report.apply(r);
    }
    const StepReport& book = *report.find("book");
    const StepReport& pay = *report.find("pay");
    CHECK(book.state == StepState::compensated);
    CHECK(step_symbol(book.state) == "↶");
    CHECK(step_outcome(book) == "book compensated 1.2s");
    CHECK(pay.state == StepState::compensation_failed);
    CHECK(step_symbol(pay.state) == "✗");
    CHECK(step_outcome(pay) == "pay compensation failed · exit code 3");
    CHECK(report.done() == 2);
    const std::string md = summary_markdown(report);
    CHECK(md.find("| book | ↶ compensated | 1.2s |") != std::string::npos);
    CHECK(md.find("| pay | ✗ compensation failed: exit code 3 | 0.3s |") != std::string::npos);
  }

  TEST_CASE("junit_xml of a small failed run") {
    const std::string xml = junit_xml(failed_run());
    CHECK(xml == k_failed_run_xml);
    CHECK(well_formed_by_xmllint(xml));
    CHECK_FALSE(well_formed_by_xmllint("<testsuites><testsuite></testsuites>"));  // the check can fail
  }

  TEST_CASE("junit_xml puts the step log in system-out and times an unended run by its steps") {
    auto records = failed_run();
    records.pop_back();  // no RunFailed: the suite time is the sum of step times
    const std::string xml = junit_xml(records, [](const StepReport& step) {
      return step.id == "test" ? std::string("FAIL: case 3\n\x1b[31mred\x1b[0m") : std::string();
    });
    CHECK(xml.find(R"(<testsuite name="ci" tests="4" failures="1" errors="1" skipped="1" time="1.600">)") != std::string::npos);
    CHECK(xml.find("<system-out>attempts: 2 of 2\nFAIL: case 3\nred</system-out>") != std::string::npos);
    CHECK(xml.find(R"xml(<error message="did not finish (run running)"/>)xml") != std::string::npos);
  }

  TEST_CASE("junit_xml escapes markup and drops what XML 1.0 forbids") {
    CHECK(xml_escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    CHECK(xml_escape("x\x01y\x1b[31mz\x1b[0m") == "xyz");
    CHECK(xml_escape("t\tn\nr\r") == "t&#9;n&#10;r&#13;");
    CHECK(xml_escape("bad\xff utf8") == "bad\xef\xbf\xbd utf8");
    CHECK(xml_escape("no\xef\xbf\xbe nonchar") == "no nonchar");
    CHECK(xml_escape("日本 ✓ 🎉") == "日本 ✓ 🎉");

    const std::vector<Value> records = {
        record("RunStarted", {{"run", "r1"}, {"workflow", "w<&>\"'"}}),
        record("StepStarted", {{"step", "s[a=<1>,b=&]"}, {"attempt", 1}}),
        record("StepFailed", {{"step", "s[a=<1>,b=&]"}, {"attempt", 1}, {"error", "line1\nline2 \x02\x1b[1m]]>\xc3"}, {"duration_ms", 1}}),
        record("RunFailed", {{"duration_ms", 2}, {"error", "x"}}),
    };
    const std::string xml = junit_xml(records);
    CHECK(xml.find(R"(<testcase classname="w&lt;&amp;&gt;&quot;&apos;" name="s[a=&lt;1&gt;,b=&amp;]" time="0.001">)") != std::string::npos);
    CHECK(xml.find("<failure message=\"line1\" type=\"failure\">line1\nline2 ]]&gt;\xef\xbf\xbd</failure>") != std::string::npos);
    CHECK(well_formed_by_xmllint(xml));
  }

  TEST_CASE("summary_markdown: heading and one table row per step") {
    RunReport report;
    for (const auto& r : failed_run()) {
      report.apply(r);
    }
    report.apply(record("StepCompleted", {{"step", "pipe|step"}, {"attempt", 1}, {"duration_ms", 61000}}));
    CHECK(summary_markdown(report) ==
          "### ✗ ci failed in 3.4s: step test failed\n"
          "\n"
          "| step | result | duration |\n"
          "| --- | --- | --- |\n"
          "| build | ✓ succeeded | 1.2s |\n"
          "| test | ✗ failed (exit 2, attempt 2): tests failed: 3 &lt; 4 & \"x\" | 0.4s |\n"
          "| deploy | ⊘ skipped: needs test |  |\n"
          "| lint | unfinished |  |\n"
          "| pipe\\|step | ✓ succeeded | 1m01s |\n");
  }
}
