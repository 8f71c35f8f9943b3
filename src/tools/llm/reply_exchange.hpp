#pragma once
// What both wire protocols do with a request once it is built: post it,
// assemble a streamed reply from its server-sent events (or read the one
// body of a server that ignored stream:true), and name the model when the
// reply does not. Only the stream assembler and the body parser differ.
#include <string>

#include "tools/llm/sse.hpp"
#include "tools/llm/transport.hpp"

namespace automata::tools::llm {

// `Stream` has reset(), problem() and response(model), and `feed` takes the
// data of one event.
template <typename Stream>
Result<ChatResponse> exchange_reply(const ChatSettings& settings, const ClientOptions& options,
                                    const ChatRequest& request, const ChatObserver& observer, http::HttpRequest http,
                                    void (Stream::*feed)(const std::string&),
                                    Result<ChatResponse> (*parse)(const Value&)) {
  Stream stream(observer.on_text);
  SseParser parser([&stream, feed](const std::string&, const std::string& data) { (stream.*feed)(data); });
  if (request.stream) {
    http.headers.emplace_back("Accept", "text/event-stream");
    http.on_body_chunk = [&parser](std::string_view bytes) { parser.feed(bytes); };
  }
  const Exchange exchange{settings, options, observer,
                          [&] {
                            stream.reset();
                            parser.reset();
                          },
                          [&]() -> std::optional<std::string> {
                            if (!request.stream) {
                              return std::nullopt;
                            }
                            parser.finish();
                            return parser.saw_event() ? stream.problem() : std::nullopt;
                          }};
  TRY_ASSIGN(auto response, post_json(exchange, std::move(http)));
  const std::string& model = request.model.empty() ? settings.model : request.model;
  if (request.stream && parser.saw_event()) {
    return stream.response(model);
  }
  // Not streamed, or a server that ignored stream:true and sent one body.
  const std::string& text = request.stream ? parser.raw() : response.body;
  const Value body = Value::parse(text, nullptr, false);
  if (body.is_discarded()) {
    return unreadable_reply(settings, "not JSON");
  }
  auto parsed = parse(body);
  if (!parsed.ok()) {
    return unreadable_reply(settings, parsed.error().message);
  }
  if (parsed->usage.model.empty()) {
    parsed->usage.model = model;
  }
  if (observer.on_text && !parsed->message.content.empty()) {
    observer.on_text(parsed->message.content);
  }
  return parsed;
}

}  // namespace automata::tools::llm
