// --output plain: one line per event, "HH:MM:SS " (UTC, from the record's ts)
// first, no cursor movement, color only when forced. What CI logs want.
//
// Under GitHub Actions (reference 3.9) a step's output is buffered and
// printed when the step ends, inside one ::group:: per attempt (groups do not
// nest), fenced by ::stop-commands:: with a per-run random token so that the
// step cannot issue workflow commands; the tail of a failed step is repeated
// outside its group; each finally failed step gets an ::error:: annotation,
// and close() appends a Markdown summary to $GITHUB_STEP_SUMMARY.
#include <deque>
#include <iterator>
#include <mutex>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

#include "cli/format.hpp"
#include "cli/junit.hpp"
#include "cli/renderer.hpp"

namespace automata::cli {

namespace {

constexpr std::size_t k_tail_lines = 10;
// A step's buffered output beyond this is dropped from its start: its full
// log stays in the run directory.
constexpr std::size_t k_max_buffered_bytes = 4U << 20U;

std::string escape_command_data(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      default: out += c; break;
    }
  }
  return out;
}

std::string escape_command_property(std::string_view text) {
  std::string out;
  for (const char c : escape_command_data(text)) {
    switch (c) {
      case ':': out += "%3A"; break;
      case ',': out += "%2C"; break;
      default: out += c; break;
    }
  }
  return out;
}

std::string random_token() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
}

struct StepOutput {
  std::deque<std::string> lines;
  std::size_t bytes = 0;
  std::size_t dropped = 0;
};

class PlainRenderer final : public Renderer {
 public:
  PlainRenderer(Console& console, const RenderOptions& options)
      : m_console(console),
        m_options(options),
        m_clock(options.clock != nullptr ? *options.clock : engine::real_clock()),
        m_started(m_clock.steady_now()),
        m_token(options.github_actions ? random_token() : std::string()) {}

  ~PlainRenderer() override { PlainRenderer::close(); }

  void on_record(const Value& record) override {
    const std::lock_guard lock(m_mutex);
    m_report.apply(record);
    const std::string type = field_text(record, "type");
    const std::string prefix = time_prefix(record);
    const std::string id = field_text(record, "step");
    const StepReport* step = id.empty() ? nullptr : m_report.find(id);
    const std::string name = step != nullptr ? step->display() : id;
    const bool normal = !m_options.quiet;
    std::string text;
    auto line = [&](std::string_view content) {
      text += prefix;
      text += content;
      text += '\n';
    };

    if (type == "RunStarted" || type == "RunResumed") {
      m_started = m_clock.steady_now();
      if (normal) {
        line(run_banner(type == "RunResumed"));
      }
    } else if (type == "StepScheduled" && m_options.verbose) {
      line(fmt::format("[{}] scheduled{}", name, attempt_note(record)));
    } else if (type == "StepStarted" && normal) {
      line(fmt::format("[{}] started{}", name, attempt_note(record)));
    } else if (type == "StepHeartbeat" && m_options.verbose) {
      line(fmt::format("[{}] {}{}", name, field_text(record, "message"), progress_note(record)));
    } else if ((type == "StepCompleted" || type == "StepFailed") && step != nullptr) {
      finish_step(*step, prefix, text);
    } else if (type == "StepRetryScheduled" && step != nullptr && normal) {
      line(symbol("↻") + " " +
           retry_outcome(*step, field_int(record, "next_attempt").value_or(step->attempts + 1),
                         field_int(record, "delay_ms").value_or(0)));
    } else if (type == "StepSkipped" && step != nullptr && normal) {
      line(symbol("⊘") + " " + step_outcome(*step));
    } else if (type == "SignalReceived" && normal) {
      line(fmt::format("signal {} received", field_text(record, "name")));
    } else if (type == "CompensationStarted" && normal) {
      line(fmt::format("↶ compensating {}", name));
    } else if (type == "CompensationCompleted" && normal) {
      line(fmt::format("↶ compensated {}", name));
    } else if (type == "CompensationFailed") {
      line(fmt::format("{} compensation of {} failed: {}", symbol("✗"), name, field_text(record, "error")));
    } else if (m_report.status() != "running" && type.rfind("Run", 0) == 0) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steady_now() - m_started);
      const Outcome outcome = run_outcome(m_report, elapsed.count());
      line(symbol(outcome.symbol) + " " + outcome.text);
    }
    m_pending += text;
    write_pending();
  }

  void on_output(std::string_view step, std::string_view raw) override {
    std::string content = clean(raw);
    const std::lock_guard lock(m_mutex);
    if (m_options.github_actions || m_options.quiet) {
      StepOutput& output = m_outputs[std::string(step)];
      output.bytes += content.size();
      output.lines.push_back(std::move(content));
      const bool keep_all = m_options.github_actions;
      while (output.lines.size() > 1 && (keep_all ? output.bytes > k_max_buffered_bytes : output.lines.size() > k_tail_lines)) {
        output.bytes -= output.lines.front().size();
        output.lines.pop_front();
        ++output.dropped;
      }
      return;
    }
    const StepReport* report = m_report.find(step);
    fmt::format_to(std::back_inserter(m_pending), "{}[{}] {}\n", now_prefix(),
                   report != nullptr ? report->display() : std::string(step), content);
    // Gathered until the feed is idle (on_idle), a record, or 64 KiB: one
    // write(2) for many lines.
    if (m_pending.size() >= k_pending_limit) {
      write_pending();
    }
  }

  void on_idle() override {
    const std::lock_guard lock(m_mutex);
    write_pending();
  }

  void close() override {
    const std::lock_guard lock(m_mutex);
    if (m_closed) {
      return;
    }
    m_closed = true;
    std::string text;
    if (m_options.github_actions) {
      for (const auto& step : m_report.steps()) {
        const auto output = m_outputs.find(step.id);
        if (output != m_outputs.end() && !step.finished() && !m_options.quiet) {
          text += "::group::" + escape_command_data(step.display() + " (unfinished)") + "\n";
          text += fenced(output->second, "");
          text += "::endgroup::\n";
        }
      }
      for (const auto& step : m_report.steps()) {
        if (step.state != StepState::failed) {
          continue;
        }
        std::string message = step.error.empty() ? std::string("failed") : step.error;
        if (step.exit_code) {
          message += fmt::format(" (exit {})", *step.exit_code);
        }
        text += fmt::format("::error title={}::{}\n", escape_command_property(step.display() + " failed"),
                            escape_command_data(message));
      }
    }
    m_pending += text;
    write_pending();
    if (!m_options.github_step_summary.empty()) {
      write_summary();
    }
  }

 private:
  static constexpr std::size_t k_pending_limit = 64 * 1024;

  void write_pending() {
    m_console.out(m_pending);
    m_pending.clear();
  }

  std::string symbol(std::string_view glyph) const { return paint_symbol(glyph, m_options.color); }

  std::string clean(std::string_view raw) const {
    std::string content = m_options.color ? std::string(raw) : strip_ansi(raw);
    while (!content.empty() && content.back() == '\r') {
      content.pop_back();
    }
    if (m_options.color && content.find('\x1b') != std::string::npos) {
      content += "\x1b[0m";  // a step's unterminated color must not bleed into our lines
    }
    return content;
  }

  std::string now_prefix() const { return format_time_of_day(m_clock.wall_now()) + ' '; }

  // The record's own time: ts is "YYYY-MM-DDTHH:MM:SS.mmmZ".
  std::string time_prefix(const Value& record) const {
    const std::string ts = field_text(record, "ts");
    if (ts.size() >= 19 && ts[10] == 'T' && ts[13] == ':' && ts[16] == ':') {
      return ts.substr(11, 8) + ' ';
    }
    return now_prefix();
  }

  std::string run_banner(bool resumed) const {
    const std::string& workflow = m_report.workflow();
    if (workflow.empty()) {
      return fmt::format("▶ resumed run {}", m_report.run());
    }
    return fmt::format("▶ {} · run {}{}", workflow, m_report.run(), resumed ? " (resumed)" : "");
  }

  static std::string attempt_note(const Value& record) {
    const auto attempt = field_int(record, "attempt");
    return attempt && *attempt > 1 ? fmt::format(" (attempt {})", *attempt) : std::string();
  }

  static std::string progress_note(const Value& record) {
    const auto it = record.find("progress");
    if (it == record.end() || !it->is_number()) {
      return {};
    }
    return fmt::format(" ({:.0f}%)", it->get<double>() * 100.0);
  }

  // Lines between ::stop-commands::TOKEN and ::TOKEN::, each after indent.
  std::string fenced(const StepOutput& output, std::string_view indent, std::size_t last = 0) const {
    std::string text = "::stop-commands::" + m_token + "\n";
    const std::size_t skip = last != 0 && output.lines.size() > last ? output.lines.size() - last : 0;
    if (output.dropped > 0 && skip == 0) {
      text += fmt::format("{}[… {} earlier lines are in the step's log]\n", indent, output.dropped);
    }
    for (std::size_t i = skip; i < output.lines.size(); ++i) {
      text += fmt::format("{}{}\n", indent, output.lines[i]);
    }
    text += "::" + m_token + "::\n";
    return text;
  }

  void finish_step(const StepReport& step, const std::string& prefix, std::string& text) {
    const bool failed = step.state == StepState::failed;
    StepOutput output;
    if (auto it = m_outputs.find(step.id); it != m_outputs.end()) {
      output = std::move(it->second);
      m_outputs.erase(it);
    }
    if (!failed && m_options.quiet) {
      return;
    }
    const std::string line = prefix + symbol(step_symbol(step.state)) + " " + step_outcome(step) + "\n";
    if (!m_options.github_actions) {
      text += line;
      for (std::size_t i = output.lines.size() > k_tail_lines ? output.lines.size() - k_tail_lines : 0;
           i < output.lines.size(); ++i) {
        text += "    " + output.lines[i] + "\n";
      }
      return;
    }
    const std::string title = fmt::format("{} {} ({})", step_symbol(step.state), step.display(),
                                          format_duration(std::chrono::milliseconds(step.duration_ms)));
    text += "::group::" + escape_command_data(title) + "\n";
    if (!output.lines.empty()) {
      text += fenced(output, "");
    }
    text += "::endgroup::\n";
    if (failed) {
      text += line;
      if (!output.lines.empty()) {
        text += fenced(output, "    ", k_tail_lines);
      }
    }
  }

  void write_summary() {
    if (const auto written = append_step_summary(m_options.github_step_summary, m_report); !written) {
      m_console.err("automata: " + written.error().message + "\n");
    }
  }

  Console& m_console;
  const RenderOptions m_options;
  const engine::Clock& m_clock;
  std::mutex m_mutex;
  RunReport m_report;
  engine::SteadyTime m_started;
  std::unordered_map<std::string, StepOutput> m_outputs;
  const std::string m_token;
  bool m_closed = false;
  std::string m_pending;  // output lines not yet written (write_pending)
};

}  // namespace

std::unique_ptr<Renderer> make_plain_renderer(Console& console, const RenderOptions& options) {
  return std::make_unique<PlainRenderer>(console, options);
}

}  // namespace automata::cli
