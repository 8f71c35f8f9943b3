#include "support/binary.hpp"

#include <algorithm>
#include <sstream>

#include <doctest/doctest.h>

#include "engine/process.hpp"

extern char** environ;

namespace automata::test {

std::string binary_path() { return AUTOMATA_BINARY; }
std::filesystem::path source_dir() { return AUTOMATA_SOURCE_DIR; }

std::vector<Value> Outcome::json_lines() const {
  std::vector<Value> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    Value parsed = Value::parse(line, nullptr, false);
    if (!parsed.is_discarded()) {
      lines.push_back(std::move(parsed));
    }
  }
  return lines;
}

Outcome run_automata(const std::vector<std::string>& args, const Invoke& how) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  // Tests never depend on the developer's terminal or CI settings.
  for (const char* name : {"NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY",
                           "AUTOMATA_OUTPUT", "AUTOMATA_OUTPUT_MODE", "AUTOMATA_JOBS", "AUTOMATA_HOME"}) {
    env.erase(name);
  }
  for (const auto& name : how.unset) {
    env.erase(name);
  }
  for (const auto& [key, value] : how.env) {
    env[key] = value;
  }
  engine::ProcessSpec spec;
  spec.argv.push_back(how.binary.empty() ? binary_path() : how.binary);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  for (const auto& [key, value] : env) {
    spec.env.push_back(key + "=" + value);
  }
  spec.cwd = how.cwd;
  spec.timeout = how.timeout;
  spec.kill_grace = std::chrono::milliseconds(2000);
  Outcome outcome;
  // Under a shim: a suite killed mid-test takes the
  // automata it started (and, through their own shims, its steps) with it.
  engine::PosixProcessLauncher launcher(engine::Supervision::shim);
  engine::CancelToken never;
  const auto result = launcher.run(
      spec,
      [&](engine::OutputStream stream, std::string_view chunk) {
        (stream == engine::OutputStream::out ? outcome.out : outcome.err).append(chunk);
      },
      never);
  outcome.exit_code = result.timed_out ? -124 : result.exit_code;
  if (!result.spawn_error.empty()) {
    // Else a test sees only exit code 127 and no output.
    outcome.err += "[test] " + result.spawn_error + "\n";
    FAIL_CHECK("the automata binary did not start: " << result.spawn_error);
  }
  return outcome;
}

}  // namespace automata::test
