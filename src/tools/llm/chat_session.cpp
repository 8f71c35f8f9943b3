#include "tools/llm/chat_session.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "tools/llm/chat_checkpoint.hpp"
#include "tools/llm/chat_request.hpp"
#include "tools/llm/chat_tools.hpp"
#include "tools/llm/json_schema.hpp"
#include "tools/llm/provider_settings.hpp"
#include "tools/llm/refusal.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools::llm {
namespace {

using engine::OutputStream;
using engine::StepContext;
using engine::StepResult;

// Heartbeats while a reply streams: often enough to show progress, rarely
// enough not to flood the journal.
constexpr auto k_heartbeat_interval = std::chrono::milliseconds(300);

StepResult usage_failure(const std::string& message, const std::string& hint = {}) {
  return StepResult::failure(hint.empty() ? "llm.chat: " + message : fmt::format("llm.chat: {}: {}", message, hint),
                             false);
}

// The JSON in a reply: the whole text, or the inside of a ``` fence that
// models add despite being asked not to.
std::optional<Value> reply_json(const std::string& text) {
  Value parsed = Value::parse(text, nullptr, false);
  if (!parsed.is_discarded()) {
    return parsed;
  }
  const auto open = text.find("```");
  if (open == std::string::npos) {
    return std::nullopt;
  }
  const auto body = text.find('\n', open);
  const auto close = body == std::string::npos ? std::string::npos : text.find("```", body);
  if (close == std::string::npos) {
    return std::nullopt;
  }
  parsed = Value::parse(text.substr(body + 1, close - body - 1), nullptr, false);
  return parsed.is_discarded() ? std::nullopt : std::optional<Value>(std::move(parsed));
}

// What is wrong with a reply that should be JSON satisfying `schema`.
std::optional<std::string> reply_problem(const Value& schema, const std::string& text, Value& json) {
  auto parsed = reply_json(text);
  if (!parsed) {
    return std::string("the reply is not JSON");
  }
  json = std::move(*parsed);
  return schema_violation(schema, json);
}

// The step's parameters with ca_file relative to its working directory, as
// the http and git kinds read it.
Value client_params(const StepContext& context) {
  Value params = context.params();
  if (const auto ca_file = params.find("ca_file"); ca_file != params.end() && ca_file->is_string()) {
    const std::filesystem::path path(ca_file->get<std::string>());
    if (!path.empty() && path.is_relative()) {
      *ca_file = (context.working_directory() / path).string();
    }
  }
  return params;
}

// One execution of the step: the replies an earlier run of this attempt
// recorded, then live ones (each checkpointed), judged in turn order.
class ChatSession {
 public:
  ChatSession(StepContext& context, const ChatClientFactory& factory, ChatRequest request)
      : m_context(context),
        m_factory(factory),
        m_request(std::move(request)),
        m_has_tools(context.params().contains("tools") && !context.params()["tools"].is_null()) {}

  StepResult run();

 private:
  // The reply of `turn` into `response`, or the failure that stops the step.
  std::optional<StepResult> next_reply(int turn, ChatResponse& response);
  std::optional<StepResult> connect();
  Value outputs_of(const ChatResponse& response) const;
  // The result of a refusal, or of a reply calling tools; nullopt for text.
  std::optional<StepResult> refusal_or_calls(const ChatResponse& response, Value& outputs) const;
  // Why no repair turn follows a reply breaking the schema (it was the
  // repair, or the budget is spent); nullopt: ask for one.
  std::optional<StepResult> stop_before_repair(bool last_turn, const std::string& problem, Value& outputs) const;
  static Result<ChatResponse> ask(StepContext& context, ChatClient& client, const ChatRequest& request,
                                  const std::string& key);
  StepResult failure(const Error& error) const;
  // Model text and whatever quotes the key, as the step may show it.
  std::string clean(std::string text) const { return m_context.mask(redact(std::move(text), m_key)); }
  Value clean_value(const Value& value) const;

  StepContext& m_context;
  const ChatClientFactory& m_factory;
  ChatRequest m_request;
  bool m_has_tools;
  std::vector<ChatResponse> m_recorded;
  std::unique_ptr<ChatClient> m_client;
  std::string m_key;
  Usage m_total;
};

StepResult ChatSession::run() {
  for (const auto& checkpoint : m_context.checkpoints()) {
    if (auto response = response_from_checkpoint(checkpoint)) {
      m_recorded.push_back(std::move(*response));
    }
  }
  const int turns = m_request.response_schema ? 2 : 1;  // one repair turn for structured output
  for (int turn = 0; turn < turns; ++turn) {
    ChatResponse response;
    if (auto failed = next_reply(turn, response)) {
      return std::move(*failed);
    }
    m_context.add_llm_usage(response.usage.model, response.usage.prompt_tokens, response.usage.completion_tokens);
    m_total.prompt_tokens += response.usage.prompt_tokens;
    m_total.completion_tokens += response.usage.completion_tokens;
    m_total.model = response.usage.model;
    Value outputs = outputs_of(response);
    if (auto judged = refusal_or_calls(response, outputs)) {
      return std::move(*judged);
    }
    if (!m_request.response_schema) {
      return StepResult::success(std::move(outputs));
    }
    Value json;
    const auto problem = reply_problem(*m_request.response_schema, response.message.content, json);
    if (!problem) {
      outputs["json"] = std::move(json);
      return StepResult::success(std::move(outputs));
    }
    if (auto stopped = stop_before_repair(turn + 1 == turns, *problem, outputs)) {
      return std::move(*stopped);
    }
    m_context.heartbeat(fmt::format("the reply does not satisfy the schema ({}): asking for a repair", *problem));
    Message answer;
    answer.role = Role::assistant;
    answer.content = response.message.content;
    Message repair;
    repair.role = Role::user;
    repair.content = fmt::format(
        "Your reply does not satisfy the JSON schema: {}. Reply again with only the corrected JSON value, no other "
        "text.",
        *problem);
    m_request.messages.push_back(std::move(answer));
    m_request.messages.push_back(std::move(repair));
  }
  return StepResult::failure("llm.chat: no reply");  // not reached: the last turn returns
}

std::optional<StepResult> ChatSession::next_reply(int turn, ChatResponse& response) {
  if (static_cast<std::size_t>(turn) < m_recorded.size()) {
    response = m_recorded[static_cast<std::size_t>(turn)];
    return std::nullopt;
  }
  if (!m_client) {
    if (auto failed = connect()) {
      return failed;
    }
  }
  auto asked = ask(m_context, *m_client, m_request, m_key);
  if (!asked.ok()) {
    return failure(asked.error());
  }
  response = std::move(*asked);
  Value checkpoint = response_checkpoint(response);
  checkpoint["turn"] = turn;
  if (auto saved = m_context.checkpoint(std::move(checkpoint)); !saved.ok()) {
    return StepResult::failure("llm.chat: cannot record the reply: " + saved.error().message);
  }
  return std::nullopt;
}

std::optional<StepResult> ChatSession::connect() {
  auto settings = chat_settings(m_context.params(), m_context.environment());
  if (!settings.ok()) {
    return usage_failure(settings.error().message, settings.error().hint);
  }
  m_key = settings->api_key;
  if (m_request.model.empty()) {
    m_request.model = settings->model;
  }
  auto made = m_factory(client_params(m_context), m_context.environment());
  if (!made.ok()) {
    return usage_failure(redact(made.error().message, m_key), made.error().hint);
  }
  m_client = std::move(*made);
  return std::nullopt;
}

Value ChatSession::outputs_of(const ChatResponse& response) const {
  return {{"text", clean(response.message.content)},
          {"finish_reason", response.finish_reason},
          {"model", m_total.model},
          {"usage", {{"prompt_tokens", m_total.prompt_tokens}, {"completion_tokens", m_total.completion_tokens}}}};
}

std::optional<StepResult> ChatSession::refusal_or_calls(const ChatResponse& response, Value& outputs) const {
  if (response.message.refusal) {
    // Not a reply to repair or retry: the same request would be declined again.
    outputs["refusal"] = clean(*response.message.refusal);
    StepResult refused = StepResult::failure(clean("llm.chat: " + refusal_line(*response.message.refusal)), false);
    refused.outputs = std::move(outputs);
    return refused;
  }
  if (!m_has_tools) {
    return std::nullopt;
  }
  ToolCallsOutput calls = tool_calls_output(response.message.tool_calls, m_request.tools);
  outputs["tool_calls"] = clean_value(calls.calls);
  if (response.message.tool_calls.empty()) {
    return std::nullopt;  // a text answer: the schema, if any, applies to it
  }
  if (calls.problem) {
    // Retryable: another attempt asks the model again.
    StepResult failed = StepResult::failure(clean("llm.chat: " + *calls.problem));
    failed.outputs = std::move(outputs);
    return failed;
  }
  return StepResult::success(std::move(outputs));
}

std::optional<StepResult> ChatSession::stop_before_repair(bool last_turn, const std::string& problem,
                                                          Value& outputs) const {
  if (last_turn) {
    StepResult failed = StepResult::failure(
        clean(fmt::format("llm.chat: the reply does not satisfy the schema even after a repair turn ({}); simplify "
                          "the schema or the prompt, or try a stronger model",
                          problem)));
    failed.outputs = std::move(outputs);
    return failed;
  }
  const auto budget = m_context.params().find("max_tokens_total");
  const std::int64_t used = m_total.prompt_tokens + m_total.completion_tokens;
  if (budget == m_context.params().end() || !budget->is_number_integer() || used < budget->get<std::int64_t>()) {
    return std::nullopt;
  }
  StepResult failed = StepResult::failure(
      clean(fmt::format("llm.chat: budget exceeded: the step used {} tokens, its max_tokens_total is {}; the reply "
                        "does not satisfy the schema ({}) and no repair turn was asked",
                        used, budget->get<std::int64_t>(), problem)),
      false);
  failed.outputs = std::move(outputs);
  return failed;
}

Result<ChatResponse> ChatSession::ask(StepContext& context, ChatClient& client, const ChatRequest& request,
                                      const std::string& key) {
  std::size_t received = 0;
  auto last_beat = context.clock().steady_now() - k_heartbeat_interval;
  ChatObserver observer;
  observer.cancel = &context.cancel_token();
  observer.on_retry = [&context, &key](const std::string& note) { context.heartbeat(redact(note, key)); };
  observer.on_text = [&](std::string_view delta) {
    received += delta.size();
    context.output(OutputStream::out, delta);
    const auto now = context.clock().steady_now();
    if (now - last_beat >= k_heartbeat_interval) {
      last_beat = now;
      context.heartbeat(fmt::format("replying… {} chars", received));
    }
  };
  auto response = client.chat(request, observer);
  if (received > 0) {
    context.output(OutputStream::out, "\n");
  }
  return response;
}

StepResult ChatSession::failure(const Error& error) const {
  StepResult failed = StepResult::failure(
      clean(error.hint.empty() ? "llm.chat: " + error.message : fmt::format("llm.chat: {}: {}", error.message, error.hint)),
      error.code != Errc::usage);
  failed.cancelled = error.code == Errc::cancelled;
  return failed;
}

Value ChatSession::clean_value(const Value& value) const {
  if (value.is_string()) {
    return clean(value.get<std::string>());
  }
  Value out = value;
  if (out.is_structured()) {
    for (auto& [key, item] : out.items()) {
      item = clean_value(item);
    }
  }
  return out;
}

}  // namespace

StepResult run_chat(StepContext& context, const ChatClientFactory& factory) {
  auto request = chat_request_from(context.params());
  if (!request.ok()) {
    return usage_failure(request.error().message, request.error().hint);
  }
  return ChatSession(context, factory, std::move(*request)).run();
}

}  // namespace automata::tools::llm
