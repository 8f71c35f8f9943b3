#pragma once
// Keeps a long agent conversation within the model's context window: once the
// messages pass a size, the results of older tool calls are replaced by a
// one-line note (observation masking, as SWE-agent does), oldest first, while
// the last few turns stay whole. The model keeps every call it made and can
// call a tool again for what it needs.
//
// Pure: the same messages and limit give the same request, so a resumed run
// sends what the killed one would have sent.
#include <cstddef>
#include <vector>

#include "tools/llm/chat.hpp"

namespace automata::tools::agent {

// Bytes of text a message contributes to a request (content, call arguments
// and the calls' extra fields).
std::size_t message_bytes(const llm::Message& message);

// `messages` unchanged when they fit in max_bytes (0: no limit); otherwise
// with tool results elided, oldest first, until they fit or only the results
// of the last `keep_recent_turns` assistant turns are left whole.
std::vector<llm::Message> compact_history(const std::vector<llm::Message>& messages, std::size_t max_bytes,
                                          std::size_t keep_recent_turns = 3);

}  // namespace automata::tools::agent
