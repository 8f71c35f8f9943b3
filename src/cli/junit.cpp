#include "cli/junit.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/console.hpp"
#include "cli/format.hpp"

namespace automata::cli {

namespace {

std::string first_line(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return std::string(line);
}

int to_int(std::int64_t value) { return static_cast<int>(value); }

std::string seconds(std::int64_t ms) { return fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0); }

bool allowed_in_xml(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// attribute: line breaks and tabs as character references, so that attribute
// value normalisation keeps them; in content only '\r' needs one.
std::string escape(std::string_view raw, bool attribute) {
  const std::string text = strip_ansi(raw);
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t c = next_code_point(text, pos);
    if (!allowed_in_xml(c)) {
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: append_utf8(out, c); break;
    }
  }
  return out;
}

std::string markdown_cell(std::string_view raw) {
  const std::string text = strip_ansi(raw);
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '<': out += "&lt;"; break;
      case '\n': out += ' '; break;
      case '\r': break;
      default: out += c; break;
    }
  }
  return out;
}

std::string step_result(const StepReport& step) {
  std::vector<std::string> details;
  if (step.exit_code && step.state == StepState::failed) {
    details.push_back(fmt::format("exit {}", *step.exit_code));
  }
  if (step.attempts > 1) {
    details.push_back(fmt::format("attempt {}", step.attempts));
  }
  std::string result;
  switch (step.state) {
    case StepState::succeeded: result = "✓ succeeded"; break;
    case StepState::failed: result = "✗ failed"; break;
    case StepState::skipped: result = "⊘ skipped"; break;
    case StepState::compensated: result = "↶ compensated"; break;
    case StepState::compensation_failed: result = "✗ compensation failed"; break;
    case StepState::retrying: result = "↻ waiting to retry"; break;
    case StepState::scheduled:
    case StepState::running: result = "unfinished"; break;
  }
  if (!details.empty()) {
    result += fmt::format(" ({})", fmt::join(details, ", "));
  }
  if (step.state == StepState::compensation_failed && !step.compensation_error.empty()) {
    result += ": " + first_line(step.compensation_error);
  } else if (step.state == StepState::failed && !step.error.empty()) {
    result += ": " + first_line(step.error);
  } else if (step.state == StepState::skipped && !step.reason.empty()) {
    result += ": " + first_line(step.reason);
  }
  return result;
}

}  // namespace

std::string field_text(const Value& record, const char* key) {
  if (!record.is_object()) {
    return {};
  }
  const auto it = record.find(key);
  if (it == record.end()) {
    return {};
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number() || it->is_boolean()) {
    return it->dump();
  }
  return {};
}

std::optional<std::int64_t> field_int(const Value& record, const char* key) {
  if (!record.is_object()) {
    return std::nullopt;
  }
  const auto it = record.find(key);
  if (it == record.end()) {
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  if (it->is_number_float()) {
    return static_cast<std::int64_t>(it->get<double>());
  }
  return std::nullopt;
}

std::string StepReport::display() const {
  if (name.empty()) {
    return id;
  }
  const auto bracket = id.find('[');
  if (bracket != std::string::npos && name.find('[') == std::string::npos) {
    return name + id.substr(bracket);
  }
  return name;
}

StepReport& RunReport::step(const std::string& id) {
  const auto [it, inserted] = m_index.try_emplace(id, m_steps.size());
  if (inserted) {
    m_steps.push_back(StepReport{});
    m_steps.back().id = id;
  }
  return m_steps[it->second];
}

const StepReport* RunReport::find(std::string_view id) const {
  const auto it = m_index.find(std::string(id));
  return it == m_index.end() ? nullptr : &m_steps[it->second];
}

std::size_t RunReport::done() const {
  std::size_t count = 0;
  for (const auto& step : m_steps) {
    count += step.finished() ? 1 : 0;
  }
  return count;
}

void RunReport::apply(const Value& record) {
  const std::string type = field_text(record, "type");
  if (type == "RunStarted" || type == "RunResumed") {
    if (auto run = field_text(record, "run"); !run.empty()) {
      m_run = std::move(run);
    }
    if (auto workflow = field_text(record, "workflow"); !workflow.empty()) {
      m_workflow = std::move(workflow);
    }
    if (const auto it = record.find("steps"); it != record.end() && it->is_array()) {
      m_planned = it->size();
    }
    m_status = "running";
    m_duration_ms.reset();
    m_error.clear();
    return;
  }
  static const std::unordered_map<std::string_view, std::string_view> k_run_endings = {
      {"RunCompleted", "succeeded"}, {"RunFailed", "failed"},        {"RunCancelled", "cancelled"},
      {"RunPaused", "paused"},       {"RunInterrupted", "interrupted"},
  };
  if (const auto ending = k_run_endings.find(type); ending != k_run_endings.end()) {
    m_status = std::string(ending->second);
    m_duration_ms = field_int(record, "duration_ms");
    const bool has_reason = type == "RunInterrupted" || type == "RunPaused";
    m_error = field_text(record, has_reason ? "reason" : "error");
    m_waiting_for.clear();
    if (const auto waits = record.find("waiting_for"); waits != record.end() && waits->is_array()) {
      for (const auto& wait : *waits) {
        if (wait.is_object()) {
          m_waiting_for.emplace_back(field_text(wait, "signal"), field_text(wait, "command"));
        }
      }
    }
    m_resume_command = field_text(record, "resume_command");
    return;
  }

  const std::string id = field_text(record, "step");
  if (!id.empty() && (type == "CompensationCompleted" || type == "CompensationFailed")) {
    StepReport& s = step(id);
    const bool failed = type == "CompensationFailed";
    s.state = failed ? StepState::compensation_failed : StepState::compensated;
    s.compensation_error = failed ? field_text(record, "error") : std::string();
    return;
  }
  if (id.empty() || type.rfind("Step", 0) != 0 || type == "StepHeartbeat") {
    return;
  }
  StepReport& s = step(id);
  const auto attempt = field_int(record, "attempt");
  if (attempt && *attempt > s.attempts) {
    s.attempts = to_int(*attempt);
  }
  if (type == "StepScheduled") {
    if (auto name = field_text(record, "name"); !name.empty()) {
      s.name = std::move(name);
    }
    s.state = StepState::scheduled;
  } else if (type == "StepStarted") {
    s.state = StepState::running;
    s.attempts = std::max(s.attempts, 1);
  } else if (type == "StepCompleted" || type == "StepFailed") {
    const bool failed = type == "StepFailed";
    s.state = failed ? StepState::failed : StepState::succeeded;
    s.duration_ms = field_int(record, "duration_ms").value_or(0);
    const auto exit_code = field_int(record, "exit_code");
    s.exit_code = exit_code ? std::optional<int>(to_int(*exit_code)) : std::nullopt;
    s.error = failed ? field_text(record, "error") : std::string();
    s.attempts = std::max(s.attempts, 1);
  } else if (type == "StepRetryScheduled") {
    s.state = StepState::retrying;
    if (const auto max = field_int(record, "max_attempts")) {
      s.max_attempts = to_int(*max);
    }
  } else if (type == "StepSkipped") {
    s.state = StepState::skipped;
    s.reason = field_text(record, "reason");
  }
}

std::string_view step_symbol(StepState state) {
  switch (state) {
    case StepState::succeeded: return "✓";
    case StepState::failed: return "✗";
    case StepState::skipped: return "⊘";
    case StepState::compensated: return "↶";
    case StepState::compensation_failed: return "✗";
    case StepState::retrying: return "↻";
    case StepState::scheduled:
    case StepState::running: break;
  }
  return {};
}

std::string step_outcome(const StepReport& step) {
  const std::string duration = format_duration(std::chrono::milliseconds(step.duration_ms));
  switch (step.state) {
    case StepState::succeeded: return fmt::format("{} {}", step.display(), duration);
    case StepState::failed: {
      std::string line = step.display();
      line += step.exit_code ? fmt::format(" exit {} · {}", *step.exit_code, duration) : " " + duration;
      // The engine's error for a plain non-zero exit is "exit code N": said already.
      const bool just_the_exit_code = step.exit_code && step.error == fmt::format("exit code {}", *step.exit_code);
      if (!step.error.empty() && !just_the_exit_code) {
        line += " · " + first_line(step.error);
      }
      return line;
    }
    case StepState::skipped:
      return step.reason.empty() ? step.display() + " skipped"
                                 : fmt::format("{} skipped ({})", step.display(), first_line(step.reason));
    case StepState::compensated: return fmt::format("{} compensated {}", step.display(), duration);
    case StepState::compensation_failed:
      return step.compensation_error.empty()
                 ? step.display() + " compensation failed"
                 : fmt::format("{} compensation failed · {}", step.display(), first_line(step.compensation_error));
    case StepState::retrying: return step.display() + " waiting to retry";
    case StepState::scheduled: return step.display() + " scheduled";
    case StepState::running: return step.display() + " running";
  }
  return step.display();
}

std::string retry_outcome(const StepReport& step, std::int64_t next_attempt, std::int64_t delay_ms) {
  const std::string of = step.max_attempts ? fmt::format("/{}", *step.max_attempts) : std::string();
  return fmt::format("{} retry {}{} in {}", step.display(), next_attempt, of,
                     format_delay(std::chrono::milliseconds(delay_ms)));
}

std::string failure_cause(const RunReport& report) {
  const std::string& error = report.error();
  constexpr std::string_view k_prefix = "step '";
  const std::size_t id_end = error.find("' failed: ");
  if (error.rfind(k_prefix, 0) != 0 || id_end == std::string::npos) {
    return error;
  }
  const std::string id = error.substr(k_prefix.size(), id_end - k_prefix.size());
  const StepReport* step = report.find(id);
  const bool shown = step != nullptr && step->state == StepState::failed &&
                     step->error == error.substr(id_end + std::string_view("' failed: ").size());
  return shown ? error.substr(0, id_end + std::string_view("' failed").size()) : error;
}

Outcome run_outcome(const RunReport& report, std::int64_t elapsed_ms) {
  const std::string duration = format_duration(std::chrono::milliseconds(report.duration_ms().value_or(elapsed_ms)));
  const std::string workflow =
      !report.workflow().empty() ? report.workflow() : (report.run().empty() ? "run" : "run " + report.run());
  const std::string resume = fmt::format(" · resume with: automata resume {}", report.run().empty() ? "last" : report.run());
  const std::string& status = report.status();
  if (status == "succeeded") {
    const std::size_t count = report.steps().size();
    return {"✓", fmt::format("{} succeeded in {} ({} step{})", workflow, duration, count, count == 1 ? "" : "s")};
  }
  if (status == "failed") {
    const std::string cause = failure_cause(report);
    const std::string why = cause.empty() ? std::string() : ": " + first_line(cause);
    return {"✗", fmt::format("{} failed in {}{}", workflow, duration, why)};
  }
  if (status == "cancelled") {
    return {"⊘", fmt::format("{} cancelled after {}", workflow, duration)};
  }
  if (status == "paused") {
    if (report.waiting_for().empty()) {
      return {"⏸", fmt::format("{} paused after {}{}", workflow, duration, resume)};
    }
    std::vector<std::string> names;
    std::vector<std::string> commands;
    for (const auto& [signal, command] : report.waiting_for()) {
      names.push_back("'" + signal + "'");
      commands.push_back(command);
    }
    const std::string then = report.resume_command().empty() ? std::string() : ", then: " + report.resume_command();
    return {"⏸", fmt::format("{} paused after {}: waiting for signal {} · send it with: {}{}", workflow, duration,
                             fmt::join(names, ", "), fmt::join(commands, " or "), then)};
  }
  if (status == "interrupted") {
    const std::string why = report.error().empty() ? std::string() : " (" + first_line(report.error()) + ")";
    return {"⏸", fmt::format("{} interrupted after {}{}{}", workflow, duration, why, resume)};
  }
  return {"", fmt::format("{} running for {}", workflow, duration)};
}

std::string xml_escape(std::string_view text) { return escape(text, true); }

std::string junit_xml(const RunReport& report, const StepLog& step_log) {
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::size_t skipped = 0;
  std::int64_t steps_ms = 0;
  for (const auto& step : report.steps()) {
    failures += step.state == StepState::failed || step.state == StepState::compensation_failed ? 1 : 0;
    skipped += step.state == StepState::skipped || step.state == StepState::compensated ? 1 : 0;
    errors += step.finished() ? 0 : 1;
    steps_ms += step.state == StepState::skipped ? 0 : step.duration_ms;
  }
  const std::string name = xml_escape(report.workflow().empty() ? "automata" : report.workflow());
  const std::string counts =
      fmt::format(R"(tests="{}" failures="{}" errors="{}" skipped="{}" time="{}")", report.steps().size(), failures,
                  errors, skipped, seconds(report.duration_ms().value_or(steps_ms)));

  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"{}\" {}>\n", name, counts);
  xml += fmt::format("  <testsuite name=\"{}\" {}>\n", name, counts);
  for (const auto& step : report.steps()) {
    std::string body;
    if (step.state == StepState::failed) {
      const std::string exit = step.exit_code ? fmt::format("exit {}", *step.exit_code) : std::string();
      std::string message = step.error.empty() ? (exit.empty() ? std::string("failed") : exit) : first_line(step.error);
      std::string text = step.error;
      if (step.exit_code) {
        text += fmt::format("{}exit code: {}", text.empty() ? "" : "\n", *step.exit_code);
      }
      body += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_escape(message),
                          exit.empty() ? "failure" : exit, escape(text, false));
    } else if (step.state == StepState::compensation_failed) {
      const std::string message = "compensation failed: " + first_line(step.compensation_error);
      body += fmt::format("      <failure message=\"{}\" type=\"compensation\">{}</failure>\n", xml_escape(message),
                          escape(step.compensation_error, false));
    } else if (step.state == StepState::compensated) {
      // It succeeded and was then undone: not a pass the run kept.
      body += "      <skipped message=\"compensated\"/>\n";
    } else if (step.state == StepState::skipped) {
      body += step.reason.empty() ? std::string("      <skipped/>\n")
                                  : fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(step.reason));
    } else if (!step.finished()) {
      body += fmt::format("      <error message=\"did not finish (run {})\"/>\n", xml_escape(report.status()));
    }
    std::string out;
    if (step.attempts > 1) {
      out = step.max_attempts ? fmt::format("attempts: {} of {}", step.attempts, *step.max_attempts)
                              : fmt::format("attempts: {}", step.attempts);
    }
    if (step_log) {
      const std::string log = step_log(step);
      if (!log.empty()) {
        out += (out.empty() ? "" : "\n") + log;
      }
    }
    if (!out.empty()) {
      body += fmt::format("      <system-out>{}</system-out>\n", escape(out, false));
    }
    const std::string head =
        fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", name, xml_escape(step.id),
                    seconds(step.state == StepState::skipped ? 0 : step.duration_ms));
    xml += body.empty() ? head + "/>\n" : head + ">\n" + body + "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

std::string junit_xml(const std::vector<Value>& records, const StepLog& step_log) {
  RunReport report;
  for (const auto& record : records) {
    report.apply(record);
  }
  return junit_xml(report, step_log);
}

std::string summary_markdown(const RunReport& report) {
  const Outcome outcome = run_outcome(report, 0);
  std::string md = fmt::format("### {}{}\n\n", outcome.symbol.empty() ? "" : std::string(outcome.symbol) + " ",
                               markdown_cell(outcome.text));
  md += "| step | result | duration |\n| --- | --- | --- |\n";
  for (const auto& step : report.steps()) {
    const bool timed = step.state == StepState::succeeded || step.state == StepState::failed ||
                       step.state == StepState::compensated || step.state == StepState::compensation_failed;
    md += fmt::format("| {} | {} | {} |\n", markdown_cell(step.display()), markdown_cell(step_result(step)),
                      timed ? format_duration(std::chrono::milliseconds(step.duration_ms)) : "");
  }
  return md;
}

Result<void> append_step_summary(const std::string& path, const RunReport& report) {
  const std::string markdown = summary_markdown(report) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  int error = fd < 0 ? errno : write_all(fd, markdown);
  if (fd >= 0 && ::close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error != 0) {
    return Error::infra(fmt::format("cannot append the step summary to {}: {}", path, std::strerror(error)));
  }
  return {};
}

}  // namespace automata::cli
