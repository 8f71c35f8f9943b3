#include "tools/llm/llm_chat_step.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "tools/llm/chat_checkpoint.hpp"
#include "tools/llm/chat_client.hpp"
#include "tools/llm/json_schema.hpp"
#include "tools/llm/provider_settings.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools {
namespace {

using engine::OutputStream;
using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;
using llm::ChatRequest;
using llm::ChatResponse;
using llm::Message;
using llm::Role;

// Heartbeats while a reply streams: often enough to show progress, rarely
// enough not to flood the journal.
constexpr auto k_heartbeat_interval = std::chrono::milliseconds(300);

StepResult usage_failure(const std::string& message, const std::string& hint = {}) {
  return StepResult::failure(hint.empty() ? "llm.chat: " + message : fmt::format("llm.chat: {}: {}", message, hint),
                             false);
}

Result<ChatRequest> build_request(const Value& params) {
  ChatRequest request;
  if (const auto model = params.find("model"); model != params.end() && model->is_string()) {
    request.model = model->get<std::string>();
  }
  if (const auto system = params.find("system"); system != params.end() && system->is_string()) {
    request.messages.push_back({Role::system, system->get<std::string>(), {}, {}, {}, false});
  }
  const auto prompt = params.find("prompt");
  const auto messages = params.find("messages");
  const bool has_prompt = prompt != params.end() && prompt->is_string();
  const bool has_messages = messages != params.end() && messages->is_array();
  if (has_prompt == has_messages) {
    return Error::usage(has_prompt ? "give prompt or messages, not both" : "give prompt (a string) or messages (a list)");
  }
  if (has_prompt) {
    request.messages.push_back({Role::user, prompt->get<std::string>(), {}, {}, {}, false});
  } else {
    for (std::size_t i = 0; i < messages->size(); ++i) {
      const Value& entry = (*messages)[i];
      const std::string role = entry.is_object() ? entry.value("role", std::string()) : std::string();
      const Value content = entry.is_object() ? entry.value("content", Value()) : Value();
      if ((role != "system" && role != "user" && role != "assistant") || !content.is_string()) {
        return Error::usage(fmt::format("messages[{}] must be {{role: system|user|assistant, content: <text>}}", i));
      }
      const Role parsed = role == "system" ? Role::system : role == "user" ? Role::user : Role::assistant;
      request.messages.push_back({parsed, content.get<std::string>(), {}, {}, {}, false});
    }
  }
  if (const auto schema = params.find("schema"); schema != params.end() && !schema->is_null()) {
    if (auto problem = llm::schema_problem(*schema)) {
      return Error::usage("schema " + *problem);
    }
    request.response_schema = *schema;
  }
  if (const auto max_tokens = params.find("max_tokens"); max_tokens != params.end() && max_tokens->is_number_integer()) {
    request.max_tokens = max_tokens->get<std::int64_t>();
  }
  if (const auto temperature = params.find("temperature"); temperature != params.end() && temperature->is_number()) {
    request.temperature = temperature->get<double>();
  }
  if (const auto stream = params.find("stream"); stream != params.end() && stream->is_boolean()) {
    request.stream = stream->get<bool>();
  }
  return request;
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
  return llm::schema_violation(schema, json);
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

class LlmChatKind final : public engine::StepKind {
 public:
  explicit LlmChatKind(llm::ChatClientFactory factory) : m_factory(std::move(factory)) {}

  std::string_view name() const override { return "llm.chat"; }
  std::vector<std::string> secret_variables(const Value&) const override { return llm::key_variables(); }
  std::string_view summary() const override {
    return "ask a language model for one reply, optionally JSON checked against a schema";
  }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"prompt", ParamType::string, false, "the user's message (or give messages)", nullptr, {}},
        {"messages", ParamType::list, false, "the conversation: a list of {role: system|user|assistant, content}",
         nullptr, {}},
        {"system", ParamType::string, false, "the system prompt", nullptr, {}},
        {"schema", ParamType::object, false,
         "JSON schema the reply must satisfy (type, properties, required, items, enum, additionalProperties); "
         "the parsed reply is the output json",
         nullptr, {}},
        {"model", ParamType::string, false, "the model; default AUTOMATA_MODEL", nullptr, {}},
        {"provider", ParamType::string, false,
         "default: from base_url or from the key set (OPENROUTER_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY)", nullptr,
         llm::provider_names()},
        {"base_url", ParamType::string, false,
         "the API root (e.g. http://localhost:11434/v1); default AUTOMATA_LLM_BASE_URL or the provider's", nullptr, {}},
        {"api_key", ParamType::string, false, "the key; default the provider's variable (OPENROUTER_API_KEY, ...)",
         nullptr, {}},
        {"max_tokens", ParamType::integer, false, "most tokens in the reply", nullptr, {}},
        {"max_tokens_total", ParamType::integer, false,
         "the step's budget: no further call (a schema repair) once prompt + completion tokens reach it", nullptr, {}},
        {"temperature", ParamType::number, false, "sampling temperature", nullptr, {}},
        {"stream", ParamType::boolean, false, "stream the reply (printed and heartbeated as it grows)", true, {}},
        {"timeout", ParamType::duration, false, "time allowed for each attempt", "10m", {}},
        {"retries", ParamType::integer, false, "extra attempts after connection errors, 408, 409, 429, 5xx and 529", 3,
         {}},
        {"retry_delay", ParamType::duration, false, "first backoff wait; doubles each retry, with jitter", "1s", {}},
        {"max_retry_wait", ParamType::duration, false,
         "most time spent waiting between attempts (a longer Retry-After fails the step)", "2m", {}},
        {"ca_file", ParamType::string, false, "CA bundle for a self-hosted server's certificate", nullptr, {}},
    };
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    auto built = build_request(context.params());
    if (!built.ok()) {
      return usage_failure(built.error().message, built.error().hint);
    }
    ChatRequest request = std::move(*built);
    // Replies recorded by an earlier run of this attempt, in turn order.
    std::vector<ChatResponse> recorded;
    for (const auto& checkpoint : context.checkpoints()) {
      if (auto response = llm::response_from_checkpoint(checkpoint)) {
        recorded.push_back(std::move(*response));
      }
    }
    std::unique_ptr<llm::ChatClient> client;
    std::string key;
    llm::Usage total;
    const int turns = request.response_schema ? 2 : 1;  // one repair turn for structured output
    for (int turn = 0; turn < turns; ++turn) {
      ChatResponse response;
      if (static_cast<std::size_t>(turn) < recorded.size()) {
        response = recorded[static_cast<std::size_t>(turn)];
      } else {
        if (!client) {
          auto settings = llm::chat_settings(context.params(), context.environment());
          if (!settings.ok()) {
            return usage_failure(settings.error().message, settings.error().hint);
          }
          key = settings->api_key;
          if (request.model.empty()) {
            request.model = settings->model;
          }
          auto made = m_factory(client_params(context), context.environment());
          if (!made.ok()) {
            return usage_failure(llm::redact(made.error().message, key), made.error().hint);
          }
          client = std::move(*made);
        }
        auto asked = ask(context, *client, request, key);
        if (!asked.ok()) {
          return failure(context, asked.error(), key);
        }
        response = std::move(*asked);
        Value checkpoint = llm::response_checkpoint(response);
        checkpoint["turn"] = turn;
        if (auto saved = context.checkpoint(std::move(checkpoint)); !saved.ok()) {
          return StepResult::failure("llm.chat: cannot record the reply: " + saved.error().message);
        }
      }
      context.add_llm_usage(response.usage.model, response.usage.prompt_tokens, response.usage.completion_tokens);
      total.prompt_tokens += response.usage.prompt_tokens;
      total.completion_tokens += response.usage.completion_tokens;
      total.model = response.usage.model;
      Value outputs = {{"text", context.mask(llm::redact(response.message.content, key))},
                       {"finish_reason", response.finish_reason},
                       {"model", total.model},
                       {"usage", {{"prompt_tokens", total.prompt_tokens}, {"completion_tokens", total.completion_tokens}}}};
      if (!request.response_schema) {
        return StepResult::success(std::move(outputs));
      }
      Value json;
      const auto problem = reply_problem(*request.response_schema, response.message.content, json);
      if (!problem) {
        outputs["json"] = std::move(json);
        return StepResult::success(std::move(outputs));
      }
      if (turn + 1 == turns) {
        StepResult failed = StepResult::failure(context.mask(llm::redact(
            fmt::format("llm.chat: the reply does not satisfy the schema even after a repair turn ({}); simplify the "
                        "schema or the prompt, or try a stronger model",
                        *problem),
            key)));
        failed.outputs = std::move(outputs);
        return failed;
      }
      if (const auto budget = context.params().find("max_tokens_total");
          budget != context.params().end() && budget->is_number_integer() &&
          total.prompt_tokens + total.completion_tokens >= budget->get<std::int64_t>()) {
        StepResult failed = StepResult::failure(
            context.mask(llm::redact(fmt::format("llm.chat: budget exceeded: the step used {} tokens, its "
                                                 "max_tokens_total is {}; the reply does not satisfy the schema ({}) "
                                                 "and no repair turn was asked",
                                                 total.prompt_tokens + total.completion_tokens,
                                                 budget->get<std::int64_t>(), *problem),
                                     key)),
            false);
        failed.outputs = std::move(outputs);
        return failed;
      }
      context.heartbeat(fmt::format("the reply does not satisfy the schema ({}): asking for a repair", *problem));
      request.messages.push_back({Role::assistant, response.message.content, {}, {}, {}, false});
      request.messages.push_back(
          {Role::user,
           fmt::format("Your reply does not satisfy the JSON schema: {}. Reply again with only the corrected JSON "
                       "value, no other text.",
                       *problem),
           {}, {}, {}, false});
    }
    return StepResult::failure("llm.chat: no reply");  // not reached: the last turn returns
  }

 private:
  static Result<ChatResponse> ask(StepContext& context, llm::ChatClient& client, const ChatRequest& request,
                                  const std::string& key) {
    std::size_t received = 0;
    auto last_beat = context.clock().steady_now() - k_heartbeat_interval;
    llm::ChatObserver observer;
    observer.cancel = &context.cancel_token();
    observer.on_retry = [&context, &key](const std::string& note) { context.heartbeat(llm::redact(note, key)); };
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

  static StepResult failure(StepContext& context, const Error& error, const std::string& key) {
    const std::string text = context.mask(llm::redact(
        error.hint.empty() ? "llm.chat: " + error.message : fmt::format("llm.chat: {}: {}", error.message, error.hint),
        key));
    StepResult failed = StepResult::failure(text, error.code != Errc::usage);
    failed.cancelled = error.code == Errc::cancelled;
    return failed;
  }

  llm::ChatClientFactory m_factory;
};

}  // namespace

std::unique_ptr<engine::StepKind> make_llm_chat_kind() {
  return std::make_unique<LlmChatKind>(llm::default_chat_client_factory());
}

std::unique_ptr<engine::StepKind> make_llm_chat_kind(llm::ChatClientFactory factory) {
  return std::make_unique<LlmChatKind>(std::move(factory));
}

}  // namespace automata::tools
