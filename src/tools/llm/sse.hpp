#pragma once
// Server-sent events (text/event-stream) as the chat APIs stream them: lines
// `event: <name>` and `data: <text>` (several data lines join with "\n"),
// an event ending at a blank line; comments (":") and other fields ignored.
// Bytes arrive in any pieces, a line split across two of them included.
#include <functional>
#include <string>
#include <string_view>

namespace automata::tools::llm {

class SseParser {
 public:
  using Handler = std::function<void(const std::string& event, const std::string& data)>;
  explicit SseParser(Handler handler) : m_handler(std::move(handler)) {}

  void feed(std::string_view bytes);
  // Forgets everything seen: a retried request streams from the start.
  void reset();
  // The stream ended: an event not closed by a blank line is delivered.
  void finish();
  // Every byte seen, for a server that answered a stream request with one
  // plain JSON body instead.
  const std::string& raw() const { return m_raw; }
  bool saw_event() const { return m_saw_event; }

 private:
  void line(std::string_view text);
  void dispatch();

  Handler m_handler;
  std::string m_pending;  // an incomplete line
  std::string m_event;
  std::string m_data;
  bool m_has_data = false;
  bool m_saw_event = false;
  std::string m_raw;
};

}  // namespace automata::tools::llm
