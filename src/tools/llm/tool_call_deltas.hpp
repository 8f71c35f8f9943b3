#pragma once
// The tool calls of a streamed Chat Completions reply, assembled from their
// deltas. OpenAI sends a first delta with index, id and name, then argument
// fragments with the index alone; servers that speak the protocol loosely
// do otherwise, and a client that keys on the index alone merges their
// calls into one (arguments `{…}{…}`) or invents empty ones:
//  - Ollama gives every call of a reply index 0, each with its own id;
//  - older Ollama and Gemini's OpenAI endpoint send no index at all, each
//    call whole, several in one delta array;
//  - LiteLLM in front of Bedrock numbers from 1 (Bedrock's text block is 0).
// So, as tolerant clients do: a delta with an id belongs to the call with
// that id, or starts one; without an id, to the call last started at its
// index, or (no index) to the call before it, unless it is not the first of
// its delta array or names a tool again after that call's arguments were
// whole. Calls come out in the order they started, whatever their indices.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/value.hpp"
#include "tools/llm/chat.hpp"

namespace automata::tools::llm {

class ToolCallDeltas {
 public:
  // One chunk's delta.tool_calls (elements that are not objects are ignored).
  void add(const Value& tool_calls);
  std::vector<ToolCall> calls() const;

 private:
  struct Partial {
    std::string id;
    std::string name;
    std::string arguments;
    Value extra = Value::object();
  };
  // The call `delta` continues, or a new one; nullopt past the most calls a
  // reply can hold.
  std::optional<std::size_t> target(const Value& delta, std::size_t position);
  std::optional<std::size_t> start(std::optional<std::int64_t> index);

  std::vector<Partial> m_calls;                     // in the order they started
  std::map<std::int64_t, std::size_t> m_by_index;  // the call last started at a wire index
};

// The fields of a tool call (or of one of its deltas) that the protocol does
// not read (all but index, id, type and function): what ToolCall::extra keeps.
Value unknown_call_fields(const Value& call);

// A call's `function.arguments`: a JSON string, or from some servers an object.
std::string raw_arguments(const Value& function);

}  // namespace automata::tools::llm
