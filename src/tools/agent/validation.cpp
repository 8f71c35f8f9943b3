#include "tools/agent/validation.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "tools/agent/truncate.hpp"

namespace automata::tools::agent {
namespace {

namespace stdfs = std::filesystem;

// ---------------------------------------------------------------------------
// Test counts

// Summary lines are short; longer lines are skipped so std::regex (which
// recurses per character) never sees a huge line.
constexpr std::size_t max_summary_line = 1000;

// ESC [ parameters final-byte (colours, cursor moves), and two-byte escapes.
std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\x1b') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t end = i + 2;
      while (end < text.size() && !(text[end] >= 0x40 && text[end] <= 0x7e)) {
        ++end;
      }
      i = end;  // the final byte is skipped by the loop's ++i
    } else {
      ++i;  // ESC and the one byte after it
    }
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    at = end + 1;
  }
  return lines;
}

int to_int(const std::string& digits) {
  try {
    return std::stoi(digits);
  } catch (const std::exception&) {
    return 0;  // absurdly long: not a count worth trusting
  }
}

// "3 failed, 12 passed, 1 skipped" -> the number before each word.
std::optional<int> count_of(const std::string& text, const std::regex& word) {
  std::smatch match;
  if (!std::regex_search(text, match, word)) {
    return std::nullopt;
  }
  return to_int(match[1].str());
}

// Which runner a summary came from, so a second line of the same summary
// (mocha's "failing", TAP's "# fail") completes it rather than replacing it.
enum class Summary { none, pytest, ctest, cargo, jest, mocha, tap };

struct CountParser {
  Summary last = Summary::none;
  TestCounts counts;
  int cargo_passed = 0;
  int cargo_failed = 0;
  // go test -v: a line per test; only used when no summary was seen.
  int go_passed = 0;
  int go_failed = 0;
  bool go_verbose = false;

  void take(Summary kind, std::optional<int> passed, std::optional<int> failed) {
    last = kind;
    counts = TestCounts{passed, failed};
  }

  bool pytest(const std::string& line) {
    // "===== 3 failed, 12 passed in 0.52s =====", "5 passed in 0.1s", "1 error in 0.2s"
    static const std::regex summary(R"(^[= ]*((\d+ [a-z]+,? )+)in \d+(\.\d+)?s\b)");
    static const std::regex passed(R"((\d+) passed\b)");
    static const std::regex failed(R"((\d+) failed\b)");
    static const std::regex errors(R"((\d+) errors?\b)");
    static const std::regex no_tests(R"(^[= ]*no tests ran in \d+(\.\d+)?s\b)");
    std::smatch match;
    if (std::regex_search(line, no_tests)) {
      take(Summary::pytest, 0, 0);
      return true;
    }
    if (!std::regex_search(line, match, summary)) {
      return false;
    }
    const std::string parts = match[1].str();
    const auto p = count_of(parts, passed);
    const auto f = count_of(parts, failed);
    const auto e = count_of(parts, errors);
    if (!p && !f && !e) {
      return false;  // "3 files in 0.2s": some other tool's timing line
    }
    // pytest leaves out the zeros, so a missing kind is none of them.
    take(Summary::pytest, p.value_or(0), f.value_or(0) + e.value_or(0));
    return true;
  }

  bool ctest(const std::string& line) {
    static const std::regex summary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
    std::smatch match;
    if (!std::regex_search(line, match, summary)) {
      return false;
    }
    const int failed = to_int(match[2].str());
    take(Summary::ctest, std::max(0, to_int(match[3].str()) - failed), failed);
    return true;
  }

  bool cargo(const std::string& line) {
    // One line per test binary (unit tests, each integration test, doctests): summed.
    static const std::regex summary(R"(test result: \w+\. (\d+) passed; (\d+) failed;)");
    std::smatch match;
    if (!std::regex_search(line, match, summary)) {
      return false;
    }
    if (last != Summary::cargo) {
      cargo_passed = 0;
      cargo_failed = 0;
    }
    cargo_passed += to_int(match[1].str());
    cargo_failed += to_int(match[2].str());
    take(Summary::cargo, cargo_passed, cargo_failed);
    return true;
  }

  bool jest(const std::string& line) {
    // "Tests:       1 failed, 5 passed, 6 total" (not "Test Suites:")
    static const std::regex summary(R"(^\s*Tests:\s+(.*\d+ total.*)$)");
    static const std::regex passed(R"((\d+) passed\b)");
    static const std::regex failed(R"((\d+) failed\b)");
    std::smatch match;
    if (!std::regex_search(line, match, summary)) {
      return false;
    }
    const std::string parts = match[1].str();
    take(Summary::jest, count_of(parts, passed).value_or(0), count_of(parts, failed).value_or(0));
    return true;
  }

  bool mocha(const std::string& line) {
    static const std::regex passing(R"(^\s*(\d+) passing\b)");
    static const std::regex failing(R"(^\s*(\d+) failing\b)");
    std::smatch match;
    if (std::regex_search(line, match, passing)) {
      take(Summary::mocha, to_int(match[1].str()), 0);
      return true;
    }
    if (std::regex_search(line, match, failing)) {
      take(Summary::mocha, last == Summary::mocha ? counts.passed : std::nullopt, to_int(match[1].str()));
      return true;
    }
    return false;
  }

  bool tap(const std::string& line) {
    // "# pass 5" / "# fail 1"; node's spec reporter writes "ℹ pass 5".
    static const std::regex pass(R"(^\s*(#|\xE2\x84\xB9)\s*pass\s+(\d+)\s*$)");
    static const std::regex fail(R"(^\s*(#|\xE2\x84\xB9)\s*fail\s+(\d+)\s*$)");
    std::smatch match;
    if (std::regex_search(line, match, pass)) {
      take(Summary::tap, to_int(match[2].str()), last == Summary::tap ? counts.failed : std::nullopt);
      return true;
    }
    if (std::regex_search(line, match, fail)) {
      take(Summary::tap, last == Summary::tap ? counts.passed : std::nullopt, to_int(match[2].str()));
      return true;
    }
    return false;
  }

  void go(std::string_view line) {
    // Top-level tests only: a subtest's line is indented, and its parent has a line of its own.
    if (line.rfind("--- PASS: ", 0) == 0) {
      ++go_passed;
    } else if (line.rfind("--- FAIL: ", 0) == 0) {
      ++go_failed;
    } else if (line.rfind("=== RUN ", 0) == 0) {
      go_verbose = true;
    }
  }

  void feed(std::string_view text) {
    go(text);
    if (text.size() > max_summary_line) {
      return;
    }
    const std::string line(text);
    // A line is one runner's summary at most; the cheap-to-reject checks first.
    (void)(cargo(line) || ctest(line) || jest(line) || mocha(line) || tap(line) || pytest(line));
  }

  TestCounts result() const {
    if (last != Summary::none) {
      return counts;
    }
    if (go_passed + go_failed > 0) {
      // Without -v, passing tests print nothing: their number is unknown.
      const bool passes_listed = go_verbose || go_passed > 0;
      return TestCounts{passes_listed ? std::optional<int>(go_passed) : std::nullopt, go_failed};
    }
    return TestCounts{};
  }
};

// ---------------------------------------------------------------------------
// Detection

std::optional<std::string> read_text(const stdfs::path& path) {
  std::error_code error;
  if (!stdfs::is_regular_file(path, error)) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return std::nullopt;
  }
  return text.str();
}

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A rule whose targets (before the colon) include `test`: "test:", "test ::",
// "all test: deps". Not recipes (tab), not ".PHONY: test", not "test := x".
bool makefile_has_test_target(std::string_view text) {
  for (std::string_view line : split_lines(text)) {
    if (line.empty() || line.front() == '\t' || line.front() == '#') {
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon).find('=') != std::string_view::npos) {
      continue;
    }
    const std::string_view after = line.substr(colon + 1);
    if (after.rfind("=", 0) == 0 || after.rfind(":=", 0) == 0) {
      continue;  // ":=" / "::=": a variable, not a rule
    }
    std::istringstream targets{std::string(line.substr(0, colon))};
    const std::vector<std::string> words{std::istream_iterator<std::string>(targets),
                                         std::istream_iterator<std::string>()};
    if (std::find(words.begin(), words.end(), "test") != words.end()) {
      return true;
    }
  }
  return false;
}

bool has_makefile_test_target(const stdfs::path& workspace) {
  // GNU make's own order: the first file found is the one make reads.
  for (const char* name : {"GNUmakefile", "makefile", "Makefile"}) {
    if (const auto text = read_text(workspace / name)) {
      return makefile_has_test_target(*text);
    }
  }
  return false;
}

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// `name` called as a command: "add_test (" yes, "my_add_test(" and "add_tests(" no.
bool calls_command(std::string_view text, std::string_view name) {
  for (std::size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
    if (at > 0 && is_identifier_char(text[at - 1])) {
      continue;
    }
    std::size_t next = at + name.size();
    while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) {
      ++next;
    }
    if (next < text.size() && text[next] == '(') {
      return true;
    }
  }
  return false;
}

bool uses_ctest(const stdfs::path& workspace) {
  const auto text = read_text(workspace / "CMakeLists.txt");
  if (!text) {
    return false;
  }
  // CMake commands are case-insensitive.
  const std::string lower = lowercase(*text);
  std::string squeezed;
  std::copy_if(lower.begin(), lower.end(), std::back_inserter(squeezed),
               [](char c) { return c != ' ' && c != '\t'; });
  return calls_command(lower, "enable_testing") || calls_command(lower, "add_test") ||
         contains(squeezed, "include(ctest)");
}

bool has_npm_test_script(const stdfs::path& workspace) {
  const auto text = read_text(workspace / "package.json");
  if (!text) {
    return false;
  }
  const Value package = Value::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!package.is_object()) {
    return false;
  }
  const auto scripts = package.find("scripts");
  if (scripts == package.end() || !scripts->is_object()) {
    return false;
  }
  const auto test = scripts->find("test");
  // `npm init` writes a test script that only fails: "echo \"Error: no test specified\" && exit 1".
  return test != scripts->end() && test->is_string() && !contains(test->get<std::string>(), "no test specified");
}

bool is_python_test_file(const stdfs::path& path) {
  const std::string name = path.filename().string();
  if (path.extension() != ".py") {
    return false;
  }
  return name.rfind("test_", 0) == 0 || (name.size() > 8 && name.substr(name.size() - 8) == "_test.py");
}

bool directory_has_python_tests(const stdfs::path& directory) {
  std::error_code error;
  if (!stdfs::is_directory(directory, error)) {
    return false;
  }
  // Test packages nest (tests/unit/test_x.py); the depth limit keeps a huge tree cheap.
  constexpr int max_depth = 4;
  stdfs::recursive_directory_iterator it(directory, stdfs::directory_options::skip_permission_denied, error);
  for (; !error && it != stdfs::recursive_directory_iterator(); it.increment(error)) {
    if (it.depth() >= max_depth) {
      it.disable_recursion_pending();
    }
    std::error_code kind_error;
    if (it->is_regular_file(kind_error) && is_python_test_file(it->path())) {
      return true;
    }
  }
  return false;
}

bool top_level_has_python_tests(const stdfs::path& workspace) {
  std::error_code error;
  stdfs::directory_iterator it(workspace, error);
  for (; !error && it != stdfs::directory_iterator(); it.increment(error)) {
    std::error_code kind_error;
    if (it->is_regular_file(kind_error) && it->path().filename().string().rfind("test_", 0) == 0 &&
        it->path().extension() == ".py") {
      return true;
    }
  }
  return false;
}

bool file_contains(const stdfs::path& path, std::string_view needle) {
  const auto text = read_text(path);
  return text && contains(*text, needle);
}

bool uses_pytest(const stdfs::path& workspace) {
  std::error_code error;
  return stdfs::is_regular_file(workspace / "pytest.ini", error) ||
         stdfs::is_regular_file(workspace / "conftest.py", error) ||
         file_contains(workspace / "tox.ini", "[pytest]") || file_contains(workspace / "setup.cfg", "[tool:pytest]") ||
         file_contains(workspace / "pyproject.toml", "[tool.pytest") ||
         directory_has_python_tests(workspace / "tests") || directory_has_python_tests(workspace / "test") ||
         top_level_has_python_tests(workspace);
}

bool has_file(const stdfs::path& path) {
  std::error_code error;
  return stdfs::is_regular_file(path, error);
}

// 'it'\''s': safe inside a bash command whatever the path holds.
std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::vector<std::string> detect_commands(const stdfs::path& workspace, const stdfs::path& build_root) {
  if (has_makefile_test_target(workspace)) {
    return {"make test"};
  }
  if (uses_ctest(workspace)) {
    const std::string build_dir = shell_quote((build_root / "ctest").string());
    return {fmt::format("cmake -S . -B {0} && cmake --build {0} -j && ctest --test-dir {0} --output-on-failure",
                        build_dir)};
  }
  if (has_npm_test_script(workspace)) {
    return {"npm test"};
  }
  if (uses_pytest(workspace)) {
    return {"python3 -m pytest -q"};
  }
  if (has_file(workspace / "Cargo.toml")) {
    return {"cargo test"};
  }
  if (has_file(workspace / "go.mod")) {
    return {"go test ./..."};
  }
  return {};
}

// ---------------------------------------------------------------------------
// Running

std::string combined_output(const shell_policy::CommandResult& run) {
  std::string output = run.out;
  if (!output.empty() && !run.err.empty() && output.back() != '\n') {
    output += '\n';
  }
  output += run.err;
  return output;
}

ValidationCommandResult run_one(shell_policy::ShellPolicy& policy, const std::string& command,
                                const engine::CancelToken& cancel, const engine::OutputHandler& on_output) {
  ValidationCommandResult result;
  result.command = command;
  shell_policy::CommandResult run;
  try {
    run = policy.run(command, cancel, on_output);
  } catch (const std::exception& error) {
    // Out of memory or an output handler that threw: reported like a command that could not start.
    result.exit_code = -1;
    result.refused = fmt::format("could not run \"{}\": {}", command, error.what());
    return result;
  }
  result.duration_ms = run.duration.count();
  if (!run.ran) {
    result.exit_code = -1;
    result.refused = run.refused.empty() ? std::string("not run") : run.refused;
    return result;
  }
  result.exit_code = run.exit_code;
  result.timed_out = run.timed_out;
  result.passed = run.exit_code == 0 && !run.timed_out && !run.cancelled;
  result.output_tail = combined_output(run);
  result.counts = parse_test_counts(result.output_tail);
  return result;
}

std::optional<int> sum_counts(const std::vector<ValidationCommandResult>& commands,
                              std::optional<int> TestCounts::*field) {
  std::optional<int> sum;
  for (const auto& command : commands) {
    if (const auto count = command.counts.*field) {
      sum = sum.value_or(0) + *count;
    }
  }
  return sum;
}

Value optional_int(std::optional<int> value) { return value ? Value(*value) : Value(nullptr); }

// ---------------------------------------------------------------------------
// Feedback

// `text` in at most max_bytes, note included: head and tail kept.
std::string cut_to(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  // The note's own size: "\n[... 123,456,789 bytes cut ...]\n" with room for any count.
  constexpr std::size_t note_room = 48;
  if (max_bytes <= note_room) {
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    return std::string(text.substr(0, end));
  }
  return truncate_middle(text, max_bytes - note_room);
}

// A fence longer than any backtick run in the output, so the output cannot close it.
std::string fence_for(std::string_view text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string counts_text(const TestCounts& counts) {
  if (counts.passed && counts.failed) {
    return fmt::format("{} tests passed, {} failed", *counts.passed, *counts.failed);
  }
  if (counts.failed) {
    return fmt::format("{} tests failed", *counts.failed);
  }
  if (counts.passed) {
    return fmt::format("{} tests passed", *counts.passed);
  }
  return {};
}

std::string failure_headline(const ValidationCommandResult& failed) {
  if (!failed.refused.empty()) {
    return fmt::format("Validation failed: `{}` did not run: {}", failed.command, failed.refused);
  }
  std::string headline;
  if (failed.timed_out) {
    headline = fmt::format("Validation failed: `{}` timed out after {}s (exit code {})", failed.command,
                           failed.duration_ms / 1000, failed.exit_code);
  } else {
    headline = fmt::format("Validation failed: `{}` exited with code {}", failed.command, failed.exit_code);
  }
  if (const std::string counts = counts_text(failed.counts); !counts.empty()) {
    headline += fmt::format(" ({})", counts);
  }
  return headline;
}

const ValidationCommandResult* first_failure(const ValidationReport& report) {
  for (const auto& command : report.commands) {
    if (!command.passed) {
      return &command;
    }
  }
  return nullptr;
}

}  // namespace

TestCounts parse_test_counts(std::string_view output) {
  try {
    const std::string plain = strip_ansi(output);
    CountParser parser;
    for (std::string_view line : split_lines(plain)) {
      parser.feed(line);
    }
    return parser.result();
  } catch (const std::exception&) {
    return TestCounts{};  // std::regex can throw on pathological input (error_complexity): counts unknown
  }
}

std::vector<std::string> detect_validation_commands(const std::filesystem::path& workspace,
                                                    const std::filesystem::path& build_root) {
  try {
    return detect_commands(workspace, build_root);
  } catch (const std::exception&) {
    return {};  // e.g. a path that cannot be converted: nothing recognized
  }
}

std::optional<int> ValidationReport::tests_passed() const { return sum_counts(commands, &TestCounts::passed); }

std::optional<int> ValidationReport::tests_failed() const { return sum_counts(commands, &TestCounts::failed); }

ValidationReport run_validation(engine::ProcessLauncher& launcher, const std::vector<std::string>& commands,
                                const ValidationOptions& options, const engine::CancelToken& cancel,
                                const engine::OutputHandler& on_output) {
  ValidationReport report;
  shell_policy::ShellPolicy policy(options.shell, launcher);
  for (const auto& command : commands) {
    if (cancel.cancelled()) {
      report.passed = false;  // what was not run did not pass
      break;
    }
    report.commands.push_back(run_one(policy, command, cancel, on_output));
    if (!report.commands.back().passed) {
      report.passed = false;
      if (options.stop_at_first_failure) {
        break;
      }
    }
  }
  return report;
}

Value validation_to_json(const ValidationReport& report) {
  Value commands = Value::array();
  for (const auto& command : report.commands) {
    Value entry = Value::object();
    entry["command"] = command.command;
    entry["exit_code"] = command.exit_code;
    entry["passed"] = command.passed;
    entry["timed_out"] = command.timed_out;
    if (!command.refused.empty()) {
      entry["refused"] = command.refused;
    }
    entry["tests_passed"] = optional_int(command.counts.passed);
    entry["tests_failed"] = optional_int(command.counts.failed);
    entry["duration_ms"] = command.duration_ms;
    entry["output_tail"] = command.output_tail;
    commands.push_back(std::move(entry));
  }
  Value json = Value::object();
  json["passed"] = report.passed;
  json["tests_passed"] = optional_int(report.tests_passed());
  json["tests_failed"] = optional_int(report.tests_failed());
  json["commands"] = std::move(commands);
  return json;
}

std::string validation_feedback(const ValidationReport& report, std::size_t max_bytes) {
  const ValidationCommandResult* failed = first_failure(report);
  if (failed == nullptr) {
    return cut_to(report.passed ? "Validation passed." : "Validation did not complete (cancelled).", max_bytes);
  }
  std::string head = failure_headline(*failed) + ".\n";
  for (const auto& command : report.commands) {
    if (&command == failed) {
      break;
    }
    head += fmt::format("(`{}` passed before it.)\n", command.command);
  }
  const std::string foot =
      "Fix the code so that the validation passes (do not weaken, skip or delete the tests), then call finish again.";
  if (failed->output_tail.empty()) {
    return cut_to(head + (failed->refused.empty() ? "It printed nothing.\n" : "") + foot, max_bytes);
  }
  const std::string intro = "Its output (stdout, then stderr):\n";
  // The output gets what the rest leaves; the fences are sized for the uncut output (at least as long as needed).
  const std::string fence = fence_for(failed->output_tail);
  // The frame: "<fence>\n" before, "\n" possibly added after the output, "<fence>\n\n" after.
  const std::size_t frame = head.size() + intro.size() + 2 * fence.size() + 4 + foot.size();
  if (frame >= max_bytes) {
    return cut_to(head + foot, max_bytes);
  }
  std::string output = cut_to(failed->output_tail, max_bytes - frame);
  if (!output.empty() && output.back() != '\n') {
    output += '\n';
  }
  return cut_to(fmt::format("{}{}{}\n{}{}\n\n{}", head, intro, fence, output, fence, foot), max_bytes);
}

}  // namespace automata::tools::agent
