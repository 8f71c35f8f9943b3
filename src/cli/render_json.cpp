// --output json: every record as one compact JSON line on stdout, exactly as
// the journal holds it; step output lines are not part of the stream (they
// are in the step logs), and nothing else is written to stdout.
#include <mutex>
#include <string>
#include <utility>

#include "cli/junit.hpp"
#include "cli/renderer.hpp"

namespace automata::cli {

namespace {

class JsonRenderer final : public Renderer {
 public:
  JsonRenderer(Console& console, std::string step_summary)
      : m_console(console), m_step_summary(std::move(step_summary)) {}

  ~JsonRenderer() override { JsonRenderer::close(); }

  void on_record(const Value& record) override {
    if (!m_step_summary.empty()) {
      const std::lock_guard lock(m_mutex);
      m_report.apply(record);
    }
    // Invalid UTF-8 from a step must not make the line unparseable (or throw).
    std::string line = record.dump(-1, ' ', false, Value::error_handler_t::replace);
    line += '\n';
    m_console.out(line);
  }

  void close() override {
    const std::lock_guard lock(m_mutex);
    if (std::exchange(m_closed, true) || m_step_summary.empty()) {
      return;
    }
    if (const auto written = append_step_summary(m_step_summary, m_report); !written) {
      m_console.err("automata: " + written.error().message + "\n");
    }
  }

 private:
  Console& m_console;
  const std::string m_step_summary;  // $GITHUB_STEP_SUMMARY, or empty
  std::mutex m_mutex;
  RunReport m_report;
  bool m_closed = false;
};

}  // namespace

std::unique_ptr<Renderer> make_json_renderer(Console& console, const RenderOptions& options) {
  return std::make_unique<JsonRenderer>(console, options.github_step_summary);
}

}  // namespace automata::cli
