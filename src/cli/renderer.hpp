#pragma once
// Renderers turn the engine's event stream into what a person or a script
// sees (cli.md "Global options"). Each is an engine::EventSink; the engine
// calls it from its scheduler and step threads, so all of them are
// thread-safe, and the tty one never makes the caller wait on the terminal:
// callers only update state under a mutex, a render thread draws.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/console.hpp"
#include "engine/clock.hpp"
#include "engine/events.hpp"

namespace automata::cli {

enum class OutputMode { tty, plain, json };

// "auto" -> tty when stdout is a terminal (TERM not dumb), else plain;
// nullopt for anything but auto|tty|plain|json.
inline std::optional<OutputMode> resolve_output_mode(std::string_view flag, const TerminalInfo& stdout_info) {
  if (flag == "auto") {
    return stdout_info.is_tty ? OutputMode::tty : OutputMode::plain;
  }
  if (flag == "tty") {
    return OutputMode::tty;
  }
  if (flag == "plain") {
    return OutputMode::plain;
  }
  if (flag == "json") {
    return OutputMode::json;
  }
  return std::nullopt;
}

struct RenderOptions {
  OutputMode mode = OutputMode::plain;
  bool color = false;
  int width = 80;  // columns of stdout; the tty renderer re-asks the terminal before each redraw
  bool quiet = false;    // only failures and the final line
  bool verbose = false;  // also heartbeats and scheduling (plain), output lines (tty)
  bool github_actions = false;      // plain: ::group::, ::error::, ::stop-commands::
  std::string github_step_summary;  // any mode: file to append a Markdown summary to at close(); empty: none
  const engine::Clock* clock = nullptr;  // nullptr: engine::real_clock()
  // tty: period of the render thread; zero starts no thread (tests draw with flush()).
  std::chrono::milliseconds redraw_interval{66};
};

class Renderer : public engine::EventSink {
 public:
  // Draws whatever is pending now, from the calling thread (tty; the others
  // write as events arrive and have nothing pending).
  virtual void flush() {}
};

std::unique_ptr<Renderer> make_tty_renderer(Console& console, const RenderOptions& options);
std::unique_ptr<Renderer> make_plain_renderer(Console& console, const RenderOptions& options);
std::unique_ptr<Renderer> make_json_renderer(Console& console, const RenderOptions& options);

// The renderer for options.mode; the console must outlive it.
inline std::unique_ptr<Renderer> make_renderer(Console& console, const RenderOptions& options) {
  switch (options.mode) {
    case OutputMode::tty: return make_tty_renderer(console, options);
    case OutputMode::json: return make_json_renderer(console, options);
    case OutputMode::plain: break;
  }
  return make_plain_renderer(console, options);
}

}  // namespace automata::cli
