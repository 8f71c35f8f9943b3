#include "tools/shell_step.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/step_file_name.hpp"

namespace automata::tools {
namespace {

using engine::OutputStream;
using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;

std::vector<std::string> shell_argv(const std::string& shell, const std::string& script) {
  if (shell == "bash") {
    return {"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script};
  }
  if (shell == "sh") {
    return {"sh", "-e", "-c", script};
  }
  // "python3", "pwsh -NoProfile": the shell's words, then -c and the script.
  std::vector<std::string> argv;
  std::istringstream words(shell);
  for (std::string word; words >> word;) {
    argv.push_back(word);
  }
  argv.emplace_back("-c");
  argv.push_back(script);
  return argv;
}

Value typed(const std::string& text) {
  Value parsed = Value::parse(text, nullptr, false);
  return parsed.is_discarded() ? Value(text) : parsed;
}

class ShellKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return "shell"; }
  std::string_view summary() const override { return "run a shell command (the `run:` key)"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        {"run", ParamType::string, true, "the command", nullptr, {}},
        {"shell", ParamType::string, false, "bash, sh, or an interpreter taking -c", "bash", {}}};
    return k_params;
  }
  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    const std::string script = params.value("run", std::string());
    const std::string shell = params.value("shell", std::string("bash"));
    const auto output_file = context.run_directory() / "tmp" /
                             fmt::format("{}.{}.out", engine::safe_file_name(context.step_id()), context.attempt());
    {
      const int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) {
        return StepResult::failure(fmt::format("cannot create {}: {}", output_file.string(), std::strerror(errno)), false);
      }
      ::close(fd);
    }
    engine::ProcessSpec spec;
    spec.argv = shell_argv(shell, script);
    spec.env = context.environment();
    spec.env.push_back("AUTOMATA_OUTPUT=" + output_file.string());
    spec.cwd = context.working_directory();
    spec.kill_grace = std::chrono::milliseconds(3000);
    const auto outcome = context.launcher().run(
        spec, [&](OutputStream stream, std::string_view chunk) { context.output(stream, chunk); },
        context.cancel_token());
    std::ifstream in(output_file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    in.close();
    ::unlink(output_file.c_str());
    if (!outcome.spawn_error.empty()) {
      StepResult failed = StepResult::failure(outcome.spawn_error, false);
      failed.exit_code = outcome.exit_code;
      return failed;
    }
    StepResult result;
    result.exit_code = outcome.exit_code;
    result.cancelled = outcome.cancelled;
    result.timed_out = outcome.timed_out;
    if (outcome.exit_code != 0) {
      result.error = outcome.cancelled ? "cancelled" : fmt::format("exit code {}", outcome.exit_code);
      return result;
    }
    auto outputs = parse_output_file(content.str());
    if (!outputs.ok()) {
      result.error = outputs.error().message;
      result.retryable = false;
      return result;
    }
    result.succeeded = true;
    result.outputs = std::move(outputs.value());
    return result;
  }
};

}  // namespace

Result<Value> parse_output_file(std::string_view content) {
  Value outputs = Value::object();
  std::size_t line_number = 0;
  std::size_t position = 0;
  auto next_line = [&](std::string& line) {
    if (position >= content.size()) {
      return false;
    }
    std::size_t end = content.find('\n', position);
    if (end == std::string_view::npos) {
      end = content.size();
    }
    line = std::string(content.substr(position, end - position));
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    position = end + 1;
    ++line_number;
    return true;
  };
  std::string line;
  while (next_line(line)) {
    if (line.empty()) {
      continue;
    }
    const std::size_t heredoc = line.find("<<");
    const std::size_t equals = line.find('=');
    if (heredoc != std::string::npos && (equals == std::string::npos || heredoc < equals)) {
      const std::string key = line.substr(0, heredoc);
      const std::string delimiter = line.substr(heredoc + 2);
      if (key.empty() || delimiter.empty()) {
        return Error::failed(fmt::format("$AUTOMATA_OUTPUT line {}: expected key<<DELIMITER", line_number));
      }
      const std::size_t start_line = line_number;
      std::string value;
      bool closed = false;
      bool first = true;
      while (next_line(line)) {
        if (line == delimiter) {
          closed = true;
          break;
        }
        value += (first ? "" : "\n") + line;
        first = false;
      }
      if (!closed) {
        return Error::failed(fmt::format("$AUTOMATA_OUTPUT line {}: '{}' is never closed by a line '{}'", start_line,
                                         key, delimiter));
      }
      outputs[key] = typed(value);
      continue;
    }
    if (equals == std::string::npos || equals == 0) {
      return Error::failed(fmt::format("$AUTOMATA_OUTPUT line {}: expected key=value or key<<DELIMITER, got '{}'",
                                       line_number, line.substr(0, 60)));
    }
    outputs[line.substr(0, equals)] = typed(line.substr(equals + 1));
  }
  return outputs;
}

std::unique_ptr<engine::StepKind> make_shell_kind() { return std::make_unique<ShellKind>(); }

}  // namespace automata::tools
