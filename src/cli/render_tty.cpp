// --output tty: live progress for a person at a terminal (cli.md).
//
// Screen layout, bottom to top: the live region (one line per running step,
// then the overall bar) is redrawn in place; finished steps are printed above
// it as permanent lines that scroll away normally. Callers (the engine's
// threads) only update state under m_mutex; one render thread composes a frame
// every redraw_interval and writes it with a single console write, so a slow
// terminal never slows a step. Invariant: every live line is shorter than the
// terminal width, so the region is exactly m_drawn rows and moving the cursor
// up m_drawn - 1 rows returns to its first row.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "cli/format.hpp"
#include "cli/junit.hpp"
#include "cli/renderer.hpp"

namespace automata::cli {

namespace {

using std::chrono::milliseconds;

constexpr std::size_t k_tail_lines = 10;
constexpr std::size_t k_bar_cells = 20;
constexpr std::size_t k_min_bar_cells = 5;
constexpr std::size_t k_max_live_steps = 8;
constexpr milliseconds k_spinner_period{80};
constexpr std::string_view k_spinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

constexpr std::string_view k_hide_cursor = "\x1b[?25l";
constexpr std::string_view k_show_cursor = "\x1b[?25h";
constexpr std::string_view k_clear_line = "\x1b[K";
constexpr std::string_view k_clear_below = "\x1b[J";

milliseconds since(engine::SteadyTime now, engine::SteadyTime then) {
  return std::chrono::duration_cast<milliseconds>(now - then);
}

struct LiveStep {
  std::string id;
  engine::SteadyTime started;
  std::string last;  // last output line or heartbeat message, sanitized
  std::optional<engine::SteadyTime> retry_at;
  std::string retry_label;  // "retry 2/3"
};

class TtyRenderer final : public Renderer {
 public:
  TtyRenderer(Console& console, const RenderOptions& options)
      : m_console(console),
        m_options(options),
        m_clock(options.clock != nullptr ? *options.clock : engine::real_clock()),
        m_started(m_clock.steady_now()) {
    if (m_options.redraw_interval.count() > 0) {
      m_thread = std::thread([this] { run_thread(); });
    }
  }

  ~TtyRenderer() override { TtyRenderer::close(); }

  void on_record(const Value& record) override {
    const std::lock_guard lock(m_mutex);
    m_report.apply(record);
    m_seen_record = true;
    const std::string type = field_text(record, "type");
    const std::string id = field_text(record, "step");
    const StepReport* step = id.empty() ? nullptr : m_report.find(id);
    const std::string name = step != nullptr ? step->display() : id;
    const bool normal = !m_options.quiet;
    const auto now = m_clock.steady_now();

    if (type == "RunStarted" || type == "RunResumed") {
      m_started = now;
      if (normal) {
        m_pending.push_back(m_report.workflow().empty()
                                ? fmt::format("▶ resumed run {}", m_report.run())
                                : fmt::format("▶ {} · run {}{}", m_report.workflow(), m_report.run(),
                                              type == "RunResumed" ? " (resumed)" : ""));
      }
    } else if (type == "StepStarted") {
      LiveStep& live = live_step(id);
      live = LiveStep{id, now, {}, std::nullopt, {}};
    } else if (type == "StepHeartbeat") {
      if (LiveStep* live = find_live(id)) {
        std::string message = sanitize_line(field_text(record, "message"));
        if (const auto it = record.find("progress"); it != record.end() && it->is_number()) {
          message += fmt::format("{}{:.0f}%", message.empty() ? "" : " ", it->get<double>() * 100.0);
        }
        if (!message.empty()) {
          live->last = std::move(message);
        }
      }
    } else if ((type == "StepCompleted" || type == "StepFailed") && step != nullptr) {
      erase_live(id);
      std::deque<std::string> tail;
      if (const auto it = m_tails.find(id); it != m_tails.end()) {
        tail = std::move(it->second);
        m_tails.erase(it);
      }
      const bool failed = step->state == StepState::failed;
      if (failed || normal) {
        m_pending.push_back(symbol(step_symbol(step->state)) + " " + step_outcome(*step));
      }
      if (failed) {
        for (const auto& line : tail) {
          m_pending.push_back("    " + line);
        }
      }
    } else if (type == "StepRetryScheduled" && step != nullptr) {
      const auto next = field_int(record, "next_attempt").value_or(step->attempts + 1);
      const auto delay = field_int(record, "delay_ms").value_or(0);
      if (normal) {
        m_pending.push_back(symbol("↻") + " " + retry_outcome(*step, next, delay));
      }
      LiveStep& live = live_step(id);
      live = LiveStep{id, now, {}, now + milliseconds(delay),
                      step->max_attempts ? fmt::format("retry {}/{}", next, *step->max_attempts)
                                         : fmt::format("retry {}", next)};
    } else if (type == "StepSkipped" && step != nullptr) {
      erase_live(id);
      if (normal) {
        m_pending.push_back(symbol("⊘") + " " + step_outcome(*step));
      }
    } else if (type == "SignalReceived" && normal) {
      m_pending.push_back(fmt::format("signal {} received", field_text(record, "name")));
    } else if (type == "CompensationStarted" && normal) {
      m_pending.push_back(fmt::format("↶ compensating {}", name));
    } else if (type == "CompensationCompleted" && normal) {
      m_pending.push_back(fmt::format("↶ compensated {}", name));
    } else if (type == "CompensationFailed") {
      m_pending.push_back(fmt::format("{} compensation of {} failed: {}", symbol("✗"), name,
                                      sanitize_line(field_text(record, "error"))));
    } else if (m_report.status() != "running") {
      m_live.clear();
    }
  }

  void on_output(std::string_view step, std::string_view raw) override {
    std::string line = sanitize_line(raw);
    const std::lock_guard lock(m_mutex);
    const std::string id(step);
    if (m_options.verbose) {
      const StepReport* report = m_report.find(id);
      m_pending.push_back(fmt::format("[{}] {}", report != nullptr ? report->display() : id, line));
    }
    if (line.empty()) {
      return;
    }
    if (LiveStep* live = find_live(id)) {
      live->last = line;
    }
    auto& tail = m_tails[id];
    tail.push_back(std::move(line));
    if (tail.size() > k_tail_lines) {
      tail.pop_front();
    }
  }

  void on_total(std::size_t total) override {
    const std::lock_guard lock(m_mutex);
    m_total = total;
  }

  void flush() override { draw(false); }

  void close() override {
    {
      const std::lock_guard lock(m_mutex);
      if (m_closed) {
        return;
      }
      m_closed = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
    draw(true);
    if (!m_options.github_step_summary.empty()) {
      const std::lock_guard lock(m_mutex);
      if (const auto written = append_step_summary(m_options.github_step_summary, m_report); !written) {
        m_console.err("automata: " + written.error().message + "\n");
      }
    }
  }

 private:
  std::string symbol(std::string_view glyph) const { return paint_symbol(glyph, m_options.color); }

  LiveStep* find_live(const std::string& id) {
    for (auto& live : m_live) {
      if (live.id == id) {
        return &live;
      }
    }
    return nullptr;
  }

  LiveStep& live_step(const std::string& id) {
    if (LiveStep* live = find_live(id)) {
      return *live;
    }
    m_live.push_back(LiveStep{id, {}, {}, std::nullopt, {}});
    return m_live.back();
  }

  void erase_live(const std::string& id) {
    std::erase_if(m_live, [&](const LiveStep& live) { return live.id == id; });
  }

  void run_thread() {
    std::unique_lock lock(m_mutex);
    while (!m_closed) {
      m_wake.wait_for(lock, m_options.redraw_interval, [this] { return m_closed; });
      if (m_closed || m_console.stdout_closed()) {
        break;
      }
      lock.unlock();
      draw(false);
      lock.lock();
    }
  }

  // Under m_mutex. Each line is at most `columns` wide.
  std::string step_line(const LiveStep& live, engine::SteadyTime now, std::size_t columns) const {
    const StepReport* report = m_report.find(live.id);
    const std::string name = report != nullptr ? report->display() : live.id;
    const std::size_t room = columns > 2 ? columns - 2 : 0;  // after the symbol and a space
    if (live.retry_at) {
      const std::string text = fmt::format("{} {} in {}", name, live.retry_label,
                                           format_duration(std::max(milliseconds(0), since(*live.retry_at, now))));
      return symbol("↻") + " " + elide_middle(text, room);
    }
    const auto frame = static_cast<std::size_t>(since(now, m_started) / k_spinner_period) % std::size(k_spinner);
    const std::string spinner = paint(k_spinner[frame], "36", m_options.color);
    const std::string head = fmt::format("{} {}", name, format_duration(since(now, live.started)));
    const std::size_t head_width = display_width(head);
    if (head_width >= room) {
      return spinner + " " + elide_middle(head, room);
    }
    std::string line = spinner + " " + head;
    const std::size_t rest = room - head_width;
    constexpr std::string_view k_separator = " · ";
    if (!live.last.empty() && rest > k_separator.size() + 1) {
      line += paint(std::string(k_separator) + elide_middle(live.last, rest - display_width(k_separator)), "2",
                    m_options.color);
    }
    return line;
  }

  std::string bar_line(engine::SteadyTime now, std::size_t columns) const {
    const std::size_t done = m_report.done();
    std::size_t total = m_total != 0 ? m_total : m_report.planned();
    if (total != 0 && total < done) {
      total = done;
    }
    const milliseconds elapsed = since(now, m_started);
    if (total == 0) {
      return elide_middle(fmt::format("{} done · {}", done, format_duration(elapsed)), columns);
    }
    std::string counts = fmt::format("{}/{} · {}", done, total, format_duration(elapsed));
    if (const auto eta = estimate_remaining(done, total, elapsed); eta && done < total) {
      counts += " · ETA " + format_coarse(*eta);
    }
    // The bar gives way to the numbers on a narrow terminal.
    const std::size_t counts_width = display_width(counts);
    const std::size_t room = columns > counts_width + 3 ? columns - counts_width - 3 : 0;
    const std::size_t cells = std::min(k_bar_cells, room);
    if (cells < k_min_bar_cells) {
      return elide_middle(counts, columns);
    }
    const std::size_t filled = std::min(done, total) * cells / total;
    return fmt::format("[{}{}] {}", std::string(filled, '#'), std::string(cells - filled, '.'), counts);
  }

  // Under m_mutex.
  std::vector<std::string> live_lines(engine::SteadyTime now, std::size_t columns, std::size_t rows) const {
    std::vector<std::string> lines;
    if (m_options.quiet || !m_seen_record) {
      return lines;
    }
    // The region must fit on the screen, or moving up cannot reach its top.
    const std::size_t max_steps = std::min(k_max_live_steps, rows > 3 ? rows - 2 : 1);
    const bool more = m_live.size() > max_steps;
    const std::size_t shown = more ? max_steps - 1 : m_live.size();
    for (std::size_t i = 0; i < shown; ++i) {
      lines.push_back(step_line(m_live[i], now, columns));
    }
    if (more) {
      lines.push_back(elide_middle(fmt::format("  … and {} more running", m_live.size() - shown), columns));
    }
    lines.push_back(bar_line(now, columns));
    return lines;
  }

  void draw(bool final) {
    const std::lock_guard draw_lock(m_draw_mutex);
    const auto now = m_clock.steady_now();
    const int fd = m_console.out_fd();
    const int width = terminal_width(fd).value_or(m_options.width);
    // Never fill the last column: some terminals wrap at once when it is written.
    const std::size_t columns = width > 1 ? static_cast<std::size_t>(width - 1) : 1;
    const auto rows = static_cast<std::size_t>(terminal_height(fd).value_or(static_cast<int>(k_max_live_steps + 2)));

    std::vector<std::string> pending;
    std::vector<std::string> live;
    std::string final_line;
    {
      const std::lock_guard lock(m_mutex);
      pending.swap(m_pending);
      if (!final) {
        live = live_lines(now, columns, rows);
      } else if (m_report.status() != "running") {
        const Outcome outcome = run_outcome(m_report, since(now, m_started).count());
        final_line = symbol(outcome.symbol) + " " + outcome.text;
      }
    }
    if (!final && pending.empty() && live == m_last_live) {
      return;
    }
    m_last_live = live;

    std::string frame;
    if (!live.empty() && !m_cursor_hidden) {
      frame += k_hide_cursor;
      m_cursor_hidden = true;
    }
    if (m_drawn > 0) {
      frame += '\r';
      if (m_drawn > 1) {
        frame += fmt::format("\x1b[{}A", m_drawn - 1);
      }
      // Permanent lines may wrap, and a shorter region leaves rows behind:
      // start from a clean screen then; otherwise overwrite row by row.
      if (!pending.empty() || live.size() < m_drawn) {
        frame += k_clear_below;
      }
    }
    for (const auto& line : pending) {
      frame += line;
      frame += '\n';
    }
    for (std::size_t i = 0; i < live.size(); ++i) {
      frame += k_clear_line;
      frame += live[i];
      if (i + 1 < live.size()) {
        frame += '\n';
      }
    }
    m_drawn = live.size();
    if (!final_line.empty()) {
      frame += final_line;
      frame += '\n';
    }
    if (final && m_cursor_hidden) {
      frame += k_show_cursor;
      m_cursor_hidden = false;
    }
    m_console.out(frame);
  }

  Console& m_console;
  const RenderOptions m_options;
  const engine::Clock& m_clock;

  std::mutex m_mutex;  // everything below up to m_draw_mutex
  std::condition_variable m_wake;
  RunReport m_report;
  engine::SteadyTime m_started;
  bool m_seen_record = false;
  std::size_t m_total = 0;
  std::vector<LiveStep> m_live;  // running or waiting-to-retry steps, in start order
  std::vector<std::string> m_pending;  // permanent lines not yet drawn
  std::unordered_map<std::string, std::deque<std::string>> m_tails;
  bool m_closed = false;

  std::mutex m_draw_mutex;  // the screen: everything below
  std::size_t m_drawn = 0;  // rows of the live region on screen
  std::vector<std::string> m_last_live;
  bool m_cursor_hidden = false;

  std::thread m_thread;
};

}  // namespace

std::unique_ptr<Renderer> make_tty_renderer(Console& console, const RenderOptions& options) {
  return std::make_unique<TtyRenderer>(console, options);
}

}  // namespace automata::cli
