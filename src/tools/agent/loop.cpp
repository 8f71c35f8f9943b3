#include "tools/agent/loop.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "tools/agent/conversation.hpp"
#include "tools/agent/history.hpp"
#include "tools/agent/turn_record.hpp"
#include "tools/agent/transcript.hpp"
#include "tools/agent/truncate.hpp"
#include "tools/llm/refusal.hpp"

namespace automata::tools::agent {
namespace {

// Text-only replies in a row that are answered with a nudge before they count
// as format errors: a model may think aloud once.
constexpr int k_free_text_replies = 1;

constexpr std::string_view k_continue_note =
    "Your reply called no tool. Continue the work with a tool call, or call finish with a summary if the task is "
    "done.";
constexpr std::string_view k_empty_note = "Your reply had neither text nor a tool call. Call a tool, or call finish.";

std::string call_key(const llm::ToolCall& call) { return call.name + " " + call.arguments.dump(); }

// One line for the log: "read_file {"path":"src/a.cpp"}".
std::string call_line(const llm::ToolCall& call) {
  std::string args = call.raw_arguments;
  std::replace(args.begin(), args.end(), '\n', ' ');
  return call.name + " " + truncate_middle(args, 160);
}

}  // namespace

AgentLoop::AgentLoop(llm::ChatClient& client, AgentToolbox& toolbox, engine::StepContext& context,
                     AgentLoopOptions options)
    : m_client(client),
      m_toolbox(toolbox),
      m_context(context),
      m_options(std::move(options)),
      m_budget(m_options.limits),
      m_stuck(m_options.stuck_repeat_limit),
      m_started(context.first_started()) {
  m_result.transcript = m_options.transcript;
}

std::optional<AgentLoop::Stop> AgentLoop::before_turn() const {
  if (m_context.cancel_token().cancelled()) {
    return Stop{AgentOutcome::cancelled, "cancelled"};
  }
  if (m_options.limits.time_limit) {
    const auto elapsed = m_context.clock().wall_now() - m_started;
    if (elapsed >= *m_options.limits.time_limit) {
      return Stop{AgentOutcome::time_limit,
                  fmt::format("stopped after {}s, the time limit", std::chrono::duration_cast<std::chrono::seconds>(
                                                                       *m_options.limits.time_limit)
                                                                       .count())};
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> AgentLoop::time_left() const {
  if (!m_options.limits.time_limit) {
    return std::nullopt;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_context.clock().wall_now() -
                                                                             m_started);
  return std::max(std::chrono::milliseconds(0), *m_options.limits.time_limit - elapsed);
}

Result<AgentLoop::Turn> AgentLoop::live_turn(int number, std::optional<Stop>& stop) {
  m_context.heartbeat(fmt::format("turn {}/{}", number, m_options.limits.max_iterations));
  llm::ChatRequest request;
  request.model = m_options.model;
  request.messages = compact_history(m_messages, m_options.max_context_bytes);
  request.tools = AgentToolbox::specs();
  llm::ChatObserver observer;
  observer.on_retry = [this](const std::string& note) { m_context.output(engine::OutputStream::err, mask(note) + "\n"); };
  observer.cancel = &m_context.cancel_token();
  auto response = m_client.chat(request, observer);
  if (!response.ok()) {
    if (m_context.cancel_token().cancelled()) {
      stop = Stop{AgentOutcome::cancelled, "cancelled"};
    } else {
      stop = Stop{AgentOutcome::model_error, mask(fmt::format("the model call failed: {}", response.error().message))};
    }
    return Error::failed(stop->message);
  }
  llm::Message reply = std::move(response->message);
  reply.role = llm::Role::assistant;
  for (std::size_t i = 0; i < reply.tool_calls.size(); ++i) {
    if (reply.tool_calls[i].id.empty()) {  // some servers omit ids; results must answer one
      reply.tool_calls[i].id = fmt::format("call_{}_{}", number, i + 1);
    }
  }
  Turn turn;
  turn.number = number;
  turn.usage = response->usage;
  if (turn.usage.model.empty()) {
    turn.usage.model = m_options.model;
  }
  turn.reply = mask_message(reply, [this](std::string_view text) { return mask(text); });
  bool finished = false;
  // Tools run with the arguments as sent (a file may need a value the mask hides).
  for (const auto& call : reply.tool_calls) {
    ToolResult result;
    if (finished) {
      result.content = "not run: finish was called before this call";
      result.is_error = true;
    } else if (m_context.cancel_token().cancelled()) {
      result.content = "not run: the step was cancelled";
      result.is_error = true;
    } else {
      m_context.output(engine::OutputStream::out, mask(fmt::format("turn {}: {}\n", number, call_line(call))));
      result = m_toolbox.execute(call, m_context.cancel_token(), time_left());
      finished = result.finish;
    }
    llm::Message message;
    message.role = llm::Role::tool;
    message.content = mask(result.content);
    message.tool_call_id = call.id;
    message.tool_name = call.name;
    message.is_error = result.is_error;
    turn.results.push_back(std::move(message));
    turn.format_errors.push_back(result.format_error);
    for (auto& path : result.files_changed) {
      turn.files_changed.push_back(mask(path));
    }
  }
  return turn;
}

std::optional<AgentLoop::Stop> AgentLoop::absorb(const Turn& turn, std::vector<std::string>& notes) {
  m_result.iterations = turn.number;
  m_result.tool_calls += static_cast<int>(turn.reply.tool_calls.size());
  m_budget.add(turn.usage.prompt_tokens, turn.usage.completion_tokens);
  m_context.add_llm_usage(turn.usage.model, turn.usage.prompt_tokens, turn.usage.completion_tokens);

  for (const auto& path : turn.files_changed) {
    if (std::find(m_result.files_changed.begin(), m_result.files_changed.end(), path) == m_result.files_changed.end()) {
      m_result.files_changed.push_back(path);
    }
  }
  if (turn.reply.refusal) {  // neither a format error to nudge nor worth another turn
    m_result.refusal = *turn.reply.refusal;
    return Stop{AgentOutcome::refused, llm::refusal_line(*turn.reply.refusal)};
  }
  std::optional<Stop> stop;
  bool format_error = false;
  bool any_valid_call = false;
  for (std::size_t i = 0; i < turn.reply.tool_calls.size(); ++i) {
    const llm::ToolCall& call = turn.reply.tool_calls[i];
    const llm::Message& result = turn.results[i];
    if (turn.format_errors[i]) {
      format_error = true;
      continue;
    }
    any_valid_call = true;
    if (call.name == "finish" && !result.is_error && !stop) {
      const Value& summary = call.arguments.is_object() ? call.arguments["summary"] : Value();
      m_result.summary = summary.is_string() ? summary.get<std::string>() : std::string();
      stop = Stop{AgentOutcome::finished, "finished"};
    }
    if (auto pattern = m_stuck.record(call_key(call), result.content, result.is_error); pattern && !stop) {
      if (!m_warned_stuck) {
        m_warned_stuck = true;
        notes.push_back(fmt::format("You are repeating yourself: {}. Try something else, or call finish with a "
                                    "summary if you cannot make progress.",
                                    *pattern));
      } else {
        stop = Stop{AgentOutcome::stuck, fmt::format("stopped as stuck: {}, after being told once", *pattern)};
      }
    }
  }
  if (turn.reply.tool_calls.empty()) {
    if (turn.reply.content.empty()) {
      format_error = true;
      notes.emplace_back(k_empty_note);
    } else {
      notes.emplace_back(k_continue_note);
      format_error = ++m_consecutive_text_only > k_free_text_replies;
    }
  } else {
    m_consecutive_text_only = 0;
  }
  if (format_error) {
    ++m_consecutive_format_errors;
  } else if (any_valid_call) {
    m_consecutive_format_errors = 0;
  }
  if (stop && stop->outcome == AgentOutcome::finished) {
    return stop;
  }
  if (m_consecutive_format_errors >= m_options.limits.max_format_errors) {
    return Stop{AgentOutcome::format_errors,
                fmt::format("stopped after {} consecutive replies with format errors (malformed or unknown tool calls, "
                            "or no tool call)",
                            m_consecutive_format_errors)};
  }
  if (stop) {
    return stop;
  }
  if (auto hit = m_budget.exceeded()) {
    return Stop{hit->outcome, "stopped: " + hit->message};
  }
  if (const int in_round = turn.number - m_round_first_turn + 1; in_round >= m_options.limits.max_iterations) {
    return Stop{AgentOutcome::max_iterations,
                m_result.fix_rounds == 0
                    ? fmt::format("stopped after {} iterations without calling finish", in_round)
                    : fmt::format("stopped after {} iterations of fix round {} without calling finish", in_round,
                                  m_result.fix_rounds)};
  }
  return std::nullopt;
}

void AgentLoop::append(const Turn& turn) {
  m_messages.push_back(turn.reply);
  for (const auto& result : turn.results) {
    m_messages.push_back(result);
  }
  for (const auto& note : turn.notes) {
    add_note(note);
  }
}

void AgentLoop::add_note(const std::string& note) {
  // After tool results a note rides on the last one: a user message there
  // would make two user turns in a row, which some chat templates refuse.
  if (m_messages.back().role == llm::Role::tool) {
    std::string& content = m_messages.back().content;
    content += (content.empty() || content.back() == '\n' ? "\n[note] " : "\n\n[note] ") + note;
    return;
  }
  llm::Message message;
  message.role = llm::Role::user;
  message.content = note;
  m_messages.push_back(std::move(message));
}

Result<std::optional<AgentLoop::Stop>> AgentLoop::validate_live() {
  m_context.heartbeat(m_result.fix_rounds == 0 ? std::string("validating")
                                                : fmt::format("validating (fix round {})", m_result.fix_rounds));
  const std::optional<ValidationRun> run = m_options.validate();
  Value record = {{"validation", run ? run->report : Value()},
                  {"passed", !run || run->passed},
                  {"round", m_result.fix_rounds}};
  if (run && !run->passed) {
    record["summary"] = run->summary;
    record["feedback"] = run->feedback;
  }
  record = mask_value(record, [this](std::string_view text) { return mask(text); });
  TRY(m_context.checkpoint(record));
  return absorb_validation(record);
}

std::optional<AgentLoop::Stop> AgentLoop::absorb_validation(const Value& record) {
  m_result.validation = record.contains("validation") ? record["validation"] : Value();
  if (record.value("passed", true)) {
    return Stop{AgentOutcome::finished, "finished"};
  }
  const std::string summary = record.value("summary", std::string("the validation failed"));
  if (m_result.fix_rounds >= m_options.fix_rounds) {
    return Stop{AgentOutcome::validation_failed,
                m_options.fix_rounds == 0
                    ? fmt::format("the validation failed: {}", summary)
                    : fmt::format("the validation still failed after {} fix round{}: {}", m_options.fix_rounds,
                                  m_options.fix_rounds == 1 ? "" : "s", summary)};
  }
  ++m_result.fix_rounds;
  m_round_first_turn = m_result.iterations + 1;
  // A fix round is a fresh start for the per-round limits.
  m_stuck = StuckDetector(m_options.stuck_repeat_limit);
  m_warned_stuck = false;
  m_consecutive_format_errors = 0;
  m_consecutive_text_only = 0;
  add_note(fmt::format("Fix round {} of {}. {}", m_result.fix_rounds, m_options.fix_rounds,
                       record.value("feedback", std::string())));
  return std::nullopt;
}

void AgentLoop::update_transcript(const std::string& status) {
  if (m_options.transcript.empty()) {
    return;
  }
  const std::string text = mask(render_transcript(m_context.step_id(), m_messages, status));
  if (auto written = write_transcript(m_options.transcript, text); !written.ok()) {
    // The transcript is a record, not the work: say so and go on.
    m_context.output(engine::OutputStream::err,
                     mask(fmt::format("agent.run: cannot write the transcript: {}\n", written.error().message)));
  }
}

AgentRunResult AgentLoop::finish(const Stop& stop) {
  if (m_options.list_changes) {
    for (auto& path : m_options.list_changes().value_or(std::vector<std::string>())) {
      const auto known = [&path](const std::vector<std::string>& list) {
        return std::find(list.begin(), list.end(), path) != list.end();
      };
      if (!known(m_changed_before) && !known(m_result.files_changed)) {
        m_result.files_changed.push_back(mask(path));
      }
    }
  }
  m_result.outcome = stop.outcome;
  m_result.message = mask(stop.message);
  m_result.summary = mask(m_result.summary);
  if (m_result.refusal) {
    m_result.refusal = mask(*m_result.refusal);
  }
  m_result.prompt_tokens = m_budget.prompt_tokens();
  m_result.completion_tokens = m_budget.completion_tokens();
  m_result.cost = m_budget.cost();
  update_transcript(fmt::format("Outcome: **{}**: {}. {} iterations, {} tool calls, {} prompt + {} completion tokens.",
                                outcome_name(stop.outcome), m_result.message, m_result.iterations,
                                m_result.tool_calls, m_result.prompt_tokens, m_result.completion_tokens));
  return m_result;
}

Result<AgentRunResult> AgentLoop::run() {
  llm::Message system;
  system.role = llm::Role::system;
  system.content = mask(m_options.system_prompt);
  llm::Message user;
  user.role = llm::Role::user;
  user.content = mask(m_options.first_user_message);
  m_messages = {system, user};

  if (m_context.checkpoints().empty() && m_options.list_changes) {
    m_changed_before = m_options.list_changes().value_or(std::vector<std::string>());
  }
  int number = 0;
  bool awaiting_validation = false;  // a replayed turn finished; its validation may be recorded next
  for (const Value& recorded : m_context.checkpoints()) {
    if (recorded.is_object() && recorded.contains("validation")) {
      if (!awaiting_validation) {
        return Error::infra("agent.run: a checkpointed validation follows no finish");
      }
      awaiting_validation = false;
      if (auto stop = absorb_validation(recorded)) {
        return finish(*stop);
      }
      continue;
    }
    if (awaiting_validation) {
      return Error::infra(fmt::format("agent.run: checkpointed turn follows turn {} without its validation", number));
    }
    // The journal is ours, but a record of another shape must fail the step, not throw.
    Result<Turn> parsed = Error::infra("");
    try {
      parsed = turn_from_value(recorded);
    } catch (const Value::exception& e) {
      parsed = Error::infra(fmt::format("agent.run: a checkpoint of this step cannot be read: {}", e.what()));
    }
    TRY_ASSIGN(Turn turn, std::move(parsed));
    if (turn.changed_before) {
      m_changed_before = *turn.changed_before;
    }
    if (turn.system_prompt) {
      m_messages.front().content = *turn.system_prompt;
    }
    if (turn.number != number + 1) {
      return Error::infra(fmt::format("agent.run: checkpointed turn {} follows turn {}", turn.number, number));
    }
    number = turn.number;
    std::vector<std::string> recomputed;  // the recorded notes are what the model saw
    std::optional<Stop> stop = absorb(turn, recomputed);
    append(turn);
    if (stop && stop->outcome == AgentOutcome::finished && m_options.validate) {
      awaiting_validation = true;
    } else if (stop) {
      return finish(*stop);
    }
  }
  if (awaiting_validation) {  // stopped while validating: validate again
    TRY_ASSIGN(auto stop, validate_live());
    if (stop) {
      return finish(*stop);
    }
  }
  while (true) {
    if (auto stop = before_turn()) {
      return finish(*stop);
    }
    ++number;
    std::optional<Stop> failed;
    auto turn = live_turn(number, failed);
    if (!turn.ok()) {
      m_result.iterations = number - 1;
      return finish(*failed);
    }
    std::optional<Stop> stop = absorb(*turn, turn->notes);
    append(*turn);
    if (turn->number == 1) {
      turn->changed_before = m_changed_before;
      turn->system_prompt = m_messages.front().content;
    }
    TRY(m_context.checkpoint(mask_value(turn_to_value(*turn), [this](std::string_view text) { return mask(text); })));
    if (stop && stop->outcome == AgentOutcome::finished && m_options.validate) {
      update_transcript("Validating.");
      TRY_ASSIGN(stop, validate_live());
    }
    if (stop) {
      return finish(*stop);
    }
    update_transcript(fmt::format("Running: {} iterations so far.", number));
  }
}

}  // namespace automata::tools::agent
