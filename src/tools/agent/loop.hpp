#pragma once
// The agent's tool-calling loop (after mini-swe-agent's: query, execute,
// append): a system prompt and a first user message, then turns of one model
// call and the tool calls of its reply, until `finish`, a limit, or the
// model refusing the task.
//
// Durability: each completed turn is checkpointed (StepContext::checkpoint,
// format in turn_record.hpp), masked. A resumed step replays its checkpoints
// through the same bookkeeping (counters, stuck detector, budget, usage)
// without calling the model or the tools, and goes on at the next turn. A
// validation after `finish` is checkpointed too ({"validation": ...}), so a
// resume neither runs it again nor loses the fix round it started.
// Everything that enters the conversation is masked too, so a resumed
// conversation is the one the model saw.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/step_kind.hpp"
#include "tools/agent/limits.hpp"
#include "tools/agent/outcome.hpp"
#include "tools/agent/stuck_detector.hpp"
#include "tools/agent/toolbox.hpp"
#include "tools/agent/turn_record.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::agent {

// One run of the validation commands after the agent called finish.
struct ValidationRun {
  bool passed = true;
  Value report;          // what outputs.validation shows
  std::string summary;   // one line: "`make test` exited 2 (3 passed, 1 failed)"
  std::string feedback;  // told to the model when it failed
};

struct AgentLoopOptions {
  std::string model;
  std::string system_prompt;
  std::string first_user_message;
  AgentLimits limits;
  std::size_t stuck_repeat_limit = 3;
  std::size_t max_context_bytes = 0;  // older tool results are elided past this (history.hpp); 0: never
  std::filesystem::path transcript;  // empty: none written
  // Files changed in the workspace as far as it can tell (git status), or
  // nullopt. Asked at the start and the end: what was already changed before
  // the first turn is left out (and journaled with turn 1 for a resume).
  std::function<std::optional<std::vector<std::string>>()> list_changes;
  // Run after each `finish`; nullopt when there is nothing to validate with.
  // A failure is fed back and the loop goes on, up to `fix_rounds` times;
  // max_iterations counts per round, the other limits for the whole step.
  std::function<std::optional<ValidationRun>()> validate;
  int fix_rounds = 2;
};

struct AgentRunResult {
  AgentOutcome outcome = AgentOutcome::finished;
  std::string message;  // why it stopped, one line, masked
  std::string summary;  // finish's summary, masked
  std::optional<std::string> refusal;  // outcome refused: the model's reason, masked
  int iterations = 0;   // turns (model replies), resumed ones included
  int tool_calls = 0;
  std::vector<std::string> files_changed;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  double cost = 0;
  std::filesystem::path transcript;
  Value validation;     // the last validation's report; null when none ran
  int fix_rounds = 0;   // fix rounds started after a failed validation
};

class AgentLoop {
 public:
  AgentLoop(llm::ChatClient& client, AgentToolbox& toolbox, engine::StepContext& context, AgentLoopOptions options);

  // Errors only for what the loop cannot go on from (a checkpoint that cannot
  // be written, a checkpoint that cannot be read); every limit is an outcome.
  Result<AgentRunResult> run();

 private:
  using Turn = TurnRecord;
  struct Stop {
    AgentOutcome outcome;
    std::string message;
  };

  std::optional<Stop> before_turn() const;
  std::optional<std::chrono::milliseconds> time_left() const;
  Result<Turn> live_turn(int number, std::optional<Stop>& stop);
  // Counters, stuck detector, budget, files and usage: the same for a live
  // and a replayed turn. Adds its notes to `notes`.
  std::optional<Stop> absorb(const Turn& turn, std::vector<std::string>& notes);
  void append(const Turn& turn);
  void add_note(const std::string& note);  // to the model, before its next turn
  // Runs the validation and checkpoints its result; then as absorb_validation.
  Result<std::optional<Stop>> validate_live();
  // A passed validation finishes; a failed one starts a fix round (nullopt)
  // or, with none left, stops with validation_failed.
  std::optional<Stop> absorb_validation(const Value& record);
  void update_transcript(const std::string& status);
  AgentRunResult finish(const Stop& stop);
  std::string mask(std::string_view text) const { return m_context.mask(text); }

  llm::ChatClient& m_client;
  AgentToolbox& m_toolbox;
  engine::StepContext& m_context;
  AgentLoopOptions m_options;
  Budget m_budget;
  StuckDetector m_stuck;
  engine::SystemTime m_started;  // when the step first started: the time limit spans resumes
  std::vector<llm::Message> m_messages;
  AgentRunResult m_result;
  int m_consecutive_format_errors = 0;
  int m_consecutive_text_only = 0;
  bool m_warned_stuck = false;
  int m_round_first_turn = 1;  // max_iterations counts from here
  std::vector<std::string> m_changed_before;
};

}  // namespace automata::tools::agent
