// `status` totals a run's LLM tokens per model and, with prices in the
// configuration, its cost; configuration mistakes are named with their place.
#include <doctest/doctest.h>

#include "e2e/e2e_support.hpp"
#include "engine/journal.hpp"

using namespace automata;
using namespace automata::test;
using namespace automata::test::e2e;

namespace {

// A finished run whose steps used two models, written as the driver writes it.
void write_run(const Project& project, const std::string& id) {
  const auto dir = project.run_dir(id);
  std::filesystem::create_directories(dir / "logs");
  std::vector<Value> records = {
      {{"type", "RunStarted"}, {"journal_version", engine::k_journal_version}, {"run", id}, {"workflow", "agent"},
       {"source_hash", "x"}, {"inputs", Value::object()}, {"steps", {"plan", "code"}}},
      {{"type", "StepStarted"}, {"step", "plan"}, {"attempt", 1}},
      {{"type", "StepCompleted"}, {"step", "plan"}, {"attempt", 1}, {"outputs", Value::object()}, {"duration_ms", 5},
       {"llm", {{"model", "big-model"}, {"prompt_tokens", 1000000}, {"completion_tokens", 200000}}}},
      {{"type", "StepStarted"}, {"step", "code"}, {"attempt", 1}},
      {{"type", "StepFailed"}, {"step", "code"}, {"attempt", 1}, {"error", "budget"}, {"exit_code", 1},
       {"retryable", false}, {"duration_ms", 5},
       {"llm", {{"model", "small-model"}, {"prompt_tokens", 500000}, {"completion_tokens", 100000}}}},
      {{"type", "RunFailed"}, {"duration_ms", 10}, {"error", "step 'code' failed"}}};
  std::string text;
  std::uint64_t seq = 1;
  for (auto& record : records) {
    Value full = {{"seq", seq++}, {"ts", "2026-11-21T10:00:00.000Z"}};
    for (auto& [key, value] : record.items()) {
      full[key] = value;
    }
    text += engine::encode_record(full) + "\n";
  }
  project.write((dir / "journal.jsonl").lexically_relative(project.dir().path()).string(), text);
}

}  // namespace

TEST_SUITE("e2e status cost") {
  TEST_CASE("status shows tokens per model, and the cost once every model has a price") {
    Project project;
    write_run(project, "20261121T100000Z-abc123");
    auto unpriced = project.run({"status", "last", "--output", "json"});
    REQUIRE(unpriced.exit_code == 0);
    Value status = Value::parse(unpriced.out);
    CHECK(status["tokens"] == Value::parse(R"({"prompt":1500000,"completion":300000,"calls":0,"by_model":{)"
                                           R"("big-model":{"prompt":1000000,"completion":200000},)"
                                           R"("small-model":{"prompt":500000,"completion":100000}},)"
                                           R"("unpriced":["big-model","small-model"]})"));

    project.write("prices.yaml", "prices:\n  big-model: { prompt: 3, completion: 15 }\n");
    auto partly = project.run({"--config", (project.dir() / "prices.yaml").string(), "status", "last"});
    CHECK(partly.out.find("  tokens   1500000 prompt, 300000 completion · no price for small-model (config prices)\n") !=
          std::string::npos);

    project.write("prices.yaml",
                  "prices:\n  big-model: { prompt: 3, completion: 15 }\n  small-model: { prompt: 0.5, completion: 1.5 }\n");
    auto priced = project.run({"--config", (project.dir() / "prices.yaml").string(), "status", "last", "--output",
                               "json"});
    REQUIRE(priced.exit_code == 0);
    // 1M x $3 + 0.2M x $15 + 0.5M x $0.5 + 0.1M x $1.5 = 3 + 3 + 0.25 + 0.15
    CHECK(Value::parse(priced.out)["tokens"]["cost"].get<double>() == doctest::Approx(6.4));
    auto text = project.run({"--config", (project.dir() / "prices.yaml").string(), "status", "last"});
    CHECK(text.out.find("  tokens   1500000 prompt, 300000 completion · $6.4000\n") != std::string::npos);
  }

  TEST_CASE("a price without its completion rate is refused with its place") {
    Project project;
    write_run(project, "20261121T100000Z-abc123");
    project.write("prices.yaml", "prices:\n  big-model: { prompt: 3 }\n");
    auto result = project.run({"--config", (project.dir() / "prices.yaml").string(), "status", "last"});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "automata: error: " + (project.dir() / "prices.yaml").string() +
                            ":1:1: the price of 'big-model' needs prompt and completion (USD per million tokens)\n");
  }
}
