#pragma once
// Replies as real providers and servers send them, written down from their
// SDKs' fixtures and their own output (ids, fingerprints and all), for the
// scripted server to replay: the shapes a loose reading gets wrong.
#include <string>
#include <vector>

#include "engine/value.hpp"

namespace automata::test::payloads {

// Ollama 0.20 (qwen2.5-coder:7b): each call whole in its own chunk, all at index 0.
inline std::vector<Value> ollama_reusing_index_0() {
  return {
      Value::parse(R"({"id":"chatcmpl-412","object":"chat.completion.chunk","created":1744122000,
        "model":"qwen2.5-coder:7b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant",
        "content":"","tool_calls":[{"id":"call_k3b9x2fq","index":0,"type":"function","function":{"name":"read_file",
        "arguments":"{\"path\":\"a.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"id":"chatcmpl-412","object":"chat.completion.chunk","created":1744122000,
        "model":"qwen2.5-coder:7b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant",
        "content":"","tool_calls":[{"id":"call_7wq0m1ds","index":0,"type":"function","function":{"name":"read_file",
        "arguments":"{\"path\":\"b.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"id":"chatcmpl-412","object":"chat.completion.chunk","created":1744122001,
        "model":"qwen2.5-coder:7b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant",
        "content":""},"finish_reason":"tool_calls"}]})"),
      Value::parse(R"({"id":"chatcmpl-412","object":"chat.completion.chunk","created":1744122001,
        "model":"qwen2.5-coder:7b","system_fingerprint":"fp_ollama","choices":[],
        "usage":{"prompt_tokens":180,"completion_tokens":42,"total_tokens":222}})"),
  };
}

// Ollama before 0.4.7: no index, each call whole in its own chunk.
inline std::vector<Value> ollama_without_index() {
  return {
      Value::parse(R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1733000000,"model":"llama3.1",
        "system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"",
        "tool_calls":[{"id":"call_2hx5mv9a","type":"function","function":{"name":"read_file",
        "arguments":"{\"path\":\"a.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1733000000,"model":"llama3.1",
        "system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"",
        "tool_calls":[{"id":"call_c8pz41rn","type":"function","function":{"name":"read_file",
        "arguments":"{\"path\":\"b.txt\"}"}}]},"finish_reason":null}]})"),
      Value::parse(R"({"id":"chatcmpl-77","object":"chat.completion.chunk","created":1733000001,"model":"llama3.1",
        "system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},
        "finish_reason":"stop"}]})"),
  };
}

// Gemini's OpenAI endpoint: both calls whole in one delta array, no index,
// the thought signature on the first.
inline std::vector<Value> gemini_parallel_calls() {
  return {
      Value::parse(R"({"choices":[{"delta":{"role":"assistant","tool_calls":[
        {"extra_content":{"google":{"thought_signature":"CiQBVKhc7uZ0i4lq9RcXJ2c5mRk="}},
         "function":{"arguments":"{\"path\":\"a.txt\"}","name":"read_file"},"id":"function-call-5521","type":"function"},
        {"function":{"arguments":"{\"path\":\"b.txt\"}","name":"read_file"},"id":"function-call-5522","type":"function"}]},
        "finish_reason":"tool_calls","index":0}],"created":1757000000,"id":"aF3gaPzRLt-n1MkP","model":"gemini-2.5-flash",
        "object":"chat.completion.chunk","usage":{"completion_tokens":31,"prompt_tokens":95,"total_tokens":126}})"),
  };
}

// LiteLLM in front of Bedrock: Bedrock's text block is index 0, so the
// first tool call is index 1 (and its arguments come in fragments).
inline std::vector<Value> litellm_bedrock_from_index_1() {
  const auto chunk = [](const std::string& delta, const std::string& finish) {
    return Value::parse(R"({"id":"chatcmpl-9f2c","created":1750000000,
      "model":"bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0","object":"chat.completion.chunk",
      "system_fingerprint":null,"choices":[{"index":0,"delta":)" + delta + R"(,"finish_reason":)" + finish + "}]}");
  };
  return {
      chunk(R"({"content":"I'll read it.","role":"assistant","function_call":null,"tool_calls":null})", "null"),
      chunk(R"({"content":null,"role":"assistant","function_call":null,"tool_calls":[{"id":"tooluse_Xk2mQ9rTSv",
        "function":{"arguments":"","name":"read_file"},"type":"function","index":1}]})", "null"),
      chunk(R"({"content":null,"function_call":null,"tool_calls":[{"id":null,"function":{"arguments":"{\"path\": ",
        "name":null},"type":"function","index":1}]})", "null"),
      chunk(R"({"content":null,"function_call":null,"tool_calls":[{"id":null,"function":{"arguments":"\"a.txt\"}",
        "name":null},"type":"function","index":1}]})", "null"),
      chunk(R"({"content":null,"function_call":null,"tool_calls":null})", R"("tool_calls")"),
  };
}

// OpenAI's structured-output refusal, streamed: content null, the refusal in pieces, finish_reason stop.
inline std::vector<Value> openai_refusal_chunks() {
  const std::string head = R"({"id":"chatcmpl-9nYAG","object":"chat.completion.chunk","created":1721596428,
    "model":"gpt-4o-2024-08-06","system_fingerprint":"fp_5e997b69d8","choices":[{"index":0,"delta":)";
  return {
      Value::parse(head + R"({"role":"assistant","content":null,"refusal":""},"logprobs":null,"finish_reason":null}]})"),
      Value::parse(head + R"({"refusal":"I'm sorry, "},"logprobs":null,"finish_reason":null}]})"),
      Value::parse(head + R"({"refusal":"I can't assist with that."},"logprobs":null,"finish_reason":null}]})"),
      Value::parse(head + R"({},"logprobs":null,"finish_reason":"stop"}]})"),
      Value::parse(R"({"id":"chatcmpl-9nYAG","object":"chat.completion.chunk","created":1721596428,
        "model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":81,"completion_tokens":9,"total_tokens":90}})"),
  };
}

// The same, not streamed.
inline Value openai_refusal_body() {
  return Value::parse(R"({"id":"chatcmpl-9nYAG","object":"chat.completion","created":1721596428,
    "model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":null,
    "refusal":"I'm sorry, I can't assist with that."},"logprobs":null,"finish_reason":"stop"}],
    "usage":{"prompt_tokens":81,"completion_tokens":9,"total_tokens":90},"system_fingerprint":"fp_5e997b69d8"})");
}

// Gemini's OpenAI endpoint calling one tool, the call's thought signature
// beside it in extra_content (required back on the next turn).
inline std::vector<Value> gemini_call(const std::string& id, const std::string& name, const Value& arguments,
                                      const std::string& signature) {
  Value call = {{"extra_content", {{"google", {{"thought_signature", signature}}}}},
                {"function", {{"arguments", arguments.dump()}, {"name", name}}},
                {"id", id},
                {"type", "function"}};
  Value chunk = Value::parse(R"({"choices":[{"delta":{"role":"assistant"},"finish_reason":"tool_calls","index":0}],
    "created":1757000100,"id":"bG4haQmSMu-o2NlQ","model":"gemini-2.5-flash","object":"chat.completion.chunk",
    "usage":{"completion_tokens":18,"prompt_tokens":640,"total_tokens":658}})");
  chunk["choices"][0]["delta"]["tool_calls"] = Value::array({std::move(call)});
  return {std::move(chunk)};
}

}  // namespace automata::test::payloads
