// Server-sent events arrive in arbitrary pieces.
#include "tools/llm/sse.hpp"

#include <doctest/doctest.h>

#include <utility>
#include <vector>

using namespace automata::tools::llm;

TEST_SUITE("llm sse") {

TEST_CASE("events split anywhere, CRLF lines, comments and multi-line data") {
  const std::string stream =
      ": keep-alive\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: line one\ndata: line two\n\n"
      "data: [DONE]\n\n";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    CAPTURE(piece);
    std::vector<std::pair<std::string, std::string>> events;
    SseParser parser([&events](const std::string& event, const std::string& data) { events.emplace_back(event, data); });
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      parser.feed(std::string_view(stream).substr(at, piece));
    }
    parser.finish();
    REQUIRE(events.size() == 3);
    CHECK(events[0] == std::pair<std::string, std::string>{"message_start", "{\"a\":1}"});
    CHECK(events[1] == std::pair<std::string, std::string>{"", "line one\nline two"});
    CHECK(events[2].second == "[DONE]");
  }
}

TEST_CASE("a last event without its blank line is delivered at the end") {
  std::vector<std::string> data;
  SseParser parser([&data](const std::string&, const std::string& text) { data.push_back(text); });
  parser.feed("data: x");
  CHECK(data.empty());
  parser.finish();
  CHECK(data == std::vector<std::string>{"x"});
  parser.reset();
  CHECK_FALSE(parser.saw_event());
  CHECK(parser.raw().empty());
}

}  // TEST_SUITE
