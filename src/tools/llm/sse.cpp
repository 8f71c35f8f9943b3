#include "tools/llm/sse.hpp"

namespace automata::tools::llm {

void SseParser::feed(std::string_view bytes) {
  m_raw.append(bytes);
  m_pending.append(bytes);
  std::size_t start = 0;
  for (std::size_t end = m_pending.find('\n'); end != std::string::npos; end = m_pending.find('\n', start)) {
    std::string_view text(m_pending.data() + start, end - start);
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    line(text);
    start = end + 1;
  }
  m_pending.erase(0, start);
}

void SseParser::reset() {
  m_pending.clear();
  m_event.clear();
  m_data.clear();
  m_has_data = false;
  m_saw_event = false;
  m_raw.clear();
}

void SseParser::finish() {
  if (!m_pending.empty()) {
    const std::string last = std::move(m_pending);
    m_pending.clear();
    line(last);
  }
  dispatch();
}

void SseParser::line(std::string_view text) {
  if (text.empty()) {
    dispatch();
    return;
  }
  if (text.front() == ':') {
    return;
  }
  const auto colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  if (field == "event") {
    m_event = std::string(value);
  } else if (field == "data") {
    if (m_has_data) {
      m_data += '\n';
    }
    m_data.append(value);
    m_has_data = true;
  }
}

void SseParser::dispatch() {
  if (m_has_data) {
    m_saw_event = true;
    m_handler(m_event, m_data);
  }
  m_event.clear();
  m_data.clear();
  m_has_data = false;
}

}  // namespace automata::tools::llm
