// Reads the YAML of a workflow file into the Workflow model. Structural
// problems (unknown keys, wrong types, bad durations, duplicate ids) are
// found here; graph and expression checks are in workflow_checks.cpp. Every
// problem is reported, none stops the reading of the rest.
#include "engine/loader.hpp"

#include <charconv>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/hash.hpp"
#include "engine/inputs.hpp"
#include "engine/suggest.hpp"
#include "engine/workflow_checks.hpp"
#include "engine/yaml_value.hpp"

namespace automata::engine {
namespace {

const std::vector<std::string> k_top_keys = {"version", "name",    "description", "inputs", "secrets", "env",
                                              "defaults", "concurrency", "steps", "on_failure", "finally", "outputs"};
const std::vector<std::string> k_step_keys = {"name", "run", "uses", "with", "needs", "if", "matrix", "max_parallel",
                                              "fail_fast", "env", "working_directory", "shell", "timeout", "retry",
                                              "continue_on_error", "compensate", "outputs"};
const std::vector<std::string> k_compensate_keys = {"name", "run", "uses", "with", "env", "working_directory",
                                                    "shell", "timeout", "retry"};
const std::vector<std::string> k_retry_keys = {"max_attempts", "initial_interval", "backoff", "max_interval",
                                               "jitter", "non_retryable_exit_codes", "when"};
const std::vector<std::string> k_input_keys = {"type", "default", "description", "options"};
const std::vector<std::string> k_defaults_keys = {"timeout", "retry", "shell", "working_directory"};
const std::vector<std::string> k_input_types = {"string", "number", "boolean", "list", "choice"};

bool is_identifier(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

class Reader {
 public:
  Reader(Diagnostics& diagnostics, const StepKindRegistry& kinds) : m_diag(diagnostics), m_kinds(kinds) {}

  void read(const YAML::Node& root, Workflow& wf) {
    if (!root.IsMap()) {
      m_diag.error(root.IsDefined() && !root.IsNull() ? position_of(root) : SourcePos{1, 1},
                   "a workflow file must be a map with at least 'steps'");
      return;
    }
    check_keys(root, k_top_keys, "at the top level");
    if (const auto node = root["version"]) {
      const auto v = integer(node, "version");
      if (v && *v != 1) {
        m_diag.error(position_of(node), fmt::format("unsupported version {} (this automata reads version 1)", *v));
      }
    }
    if (const auto node = root["name"]) {
      if (auto s = string(node, "name")) {
        wf.name = *s;
        if (!is_identifier(wf.name)) {
          m_diag.error(position_of(node),
                       fmt::format("workflow name '{}' may contain only letters, digits, '-' and '_'", wf.name));
        }
      }
    }
    if (const auto node = root["description"]) {
      wf.description = string(node, "description").value_or("");
    }
    if (const auto node = root["inputs"]) {
      read_inputs(node, wf);
    }
    if (const auto node = root["secrets"]) {
      read_secrets(node, wf);
    }
    if (const auto node = root["env"]) {
      wf.env = named_templates(node, "env");
    }
    if (const auto node = root["defaults"]) {
      read_defaults(node, wf);
    }
    if (const auto node = root["concurrency"]) {
      if (auto n = integer(node, "concurrency")) {
        if (*n < 1) {
          m_diag.error(position_of(node), "'concurrency' must be at least 1");
        } else {
          wf.concurrency = static_cast<int>(*n);
        }
      }
    }
    const auto steps = root["steps"];
    if (!steps) {
      m_diag.error(position_of(root), "a workflow needs 'steps': a map of step ids to steps");
    } else {
      read_steps(steps, Phase::main, "steps", wf);
    }
    if (const auto node = root["on_failure"]) {
      read_steps(node, Phase::on_failure, "on_failure", wf);
    }
    if (const auto node = root["finally"]) {
      read_steps(node, Phase::finally, "finally", wf);
    }
    if (const auto node = root["outputs"]) {
      wf.outputs = named_templates(node, "outputs");
    }
  }

 private:
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
        continue;
      }
      std::string message = fmt::format("unknown key '{}' {}", key, where);
      if (auto suggestion = did_you_mean(key, allowed)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(position_of(it->first), message);
    }
  }

  bool expect_map(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) {
      return true;
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be a map, got {}", what, describe(node)));
    return false;
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      return node.Scalar();
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be a string, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<TemplateText> template_text(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      return TemplateText{node.Scalar(), position_of(node)};
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be a string, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_number_integer()) {
      return v.get<std::int64_t>();
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be a whole number, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<double> number(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_number()) {
      return v.get<double>();
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be a number, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_boolean()) {
      return v.get<bool>();
    }
    m_diag.error(position_of(node), fmt::format("'{}' must be true or false, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<Duration> duration(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      if (auto d = parse_duration(node.Scalar())) {
        return d;
      }
    }
    m_diag.error(position_of(node),
                 fmt::format("bad duration {} for '{}': use a number and a unit, e.g. 500ms, 90s, 10m, 2h",
                             describe(node), what));
    return std::nullopt;
  }

  NamedTemplates named_templates(const YAML::Node& node, const std::string& what) {
    NamedTemplates out;
    if (!expect_map(node, what)) {
      return out;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        m_diag.error(position_of(it->first), fmt::format("duplicate key '{}' in '{}'", key, what));
        continue;
      }
      if (it->second.IsScalar() || it->second.IsNull()) {
        out.emplace_back(key, TemplateText{it->second.IsNull() ? "" : it->second.Scalar(), position_of(it->second)});
      } else {
        m_diag.error(position_of(it->second),
                     fmt::format("'{}.{}' must be a string, got {}", what, key, describe(it->second)));
      }
    }
    return out;
  }

  void read_inputs(const YAML::Node& node, Workflow& wf) {
    if (!expect_map(node, "inputs")) {
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      InputDecl input;
      input.name = it->first.Scalar();
      input.pos = position_of(it->first);
      if (!is_identifier(input.name)) {
        m_diag.error(input.pos,
                     fmt::format("input name '{}' may contain only letters, digits, '-' and '_'", input.name));
      }
      for (const auto& existing : wf.inputs) {
        if (existing.name == input.name) {
          m_diag.error(input.pos, fmt::format("duplicate input '{}' (first defined at line {})", input.name,
                                              existing.pos.line));
        }
      }
      const YAML::Node body = it->second;  // by value: the iterator yields a temporary
      if (!body.IsMap()) {
        m_diag.error(position_of(body), fmt::format("input '{}' must be a map like {{ type: string, default: x }}, got {}",
                                                    input.name, describe(body)));
        continue;
      }
      check_keys(body, k_input_keys, fmt::format("in input '{}'", input.name));
      if (const auto type = body["type"]) {
        const std::string t = type.IsScalar() ? type.Scalar() : "";
        const auto found = std::find(k_input_types.begin(), k_input_types.end(), t);
        if (found == k_input_types.end()) {
          std::string message = fmt::format("unknown input type {}", describe(type));
          if (auto suggestion = did_you_mean(t, k_input_types)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
          }
          m_diag.error(position_of(type), message + "; one of string, number, boolean, list, choice");
        } else {
          input.type = static_cast<InputType>(found - k_input_types.begin());
        }
      }
      if (const auto description = body["description"]) {
        input.description = string(description, "description").value_or("");
      }
      if (const auto options = body["options"]) {
        if (!options.IsSequence() || options.size() == 0) {
          m_diag.error(position_of(options), fmt::format("'options' of input '{}' must be a non-empty list", input.name));
        } else {
          for (const auto& option : options) {
            input.options.push_back(yaml_to_value(option));
          }
        }
      }
      if (input.type == InputType::choice && input.options.empty() && !body["options"]) {
        m_diag.error(input.pos, fmt::format("input '{}' is a choice but has no 'options'", input.name));
      }
      if (const auto def = body["default"]) {
        Value value = yaml_to_value(def);
        auto checked = check_input_value(input, value);
        if (!checked.ok()) {
          m_diag.error(position_of(def), fmt::format("default of input '{}': {}", input.name, checked.error().message));
        } else {
          input.default_value = std::move(checked.value());
        }
      }
      wf.inputs.push_back(std::move(input));
    }
  }

  void read_secrets(const YAML::Node& node, Workflow& wf) {
    if (!node.IsSequence()) {
      m_diag.error(position_of(node), fmt::format("'secrets' must be a list of environment variable names, got {}",
                                                  describe(node)));
      return;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || !is_identifier(item.Scalar())) {
        m_diag.error(position_of(item), fmt::format("secret {} must be an environment variable name", describe(item)));
        continue;
      }
      wf.secrets.push_back(item.Scalar());
    }
  }

  void read_defaults(const YAML::Node& node, Workflow& wf) {
    if (!expect_map(node, "defaults")) {
      return;
    }
    check_keys(node, k_defaults_keys, "in 'defaults'");
    if (const auto timeout = node["timeout"]) {
      wf.default_timeout = duration(timeout, "timeout");
    }
    if (const auto retry = node["retry"]) {
      read_retry(retry, wf.default_retry);
    }
    if (const auto shell = node["shell"]) {
      wf.default_shell = string(shell, "shell").value_or("bash");
    }
    if (const auto wd = node["working_directory"]) {
      wf.default_working_directory = template_text(wd, "working_directory");
    }
  }

  void read_retry(const YAML::Node& node, RetryPolicy& retry) {
    if (!expect_map(node, "retry")) {
      return;
    }
    check_keys(node, k_retry_keys, "in 'retry'");
    if (const auto n = node["max_attempts"]) {
      if (auto v = integer(n, "max_attempts")) {
        if (*v < 1 || *v > 1000) {
          m_diag.error(position_of(n), "'max_attempts' must be between 1 and 1000");
        } else {
          retry.max_attempts = static_cast<int>(*v);
        }
      }
    }
    if (const auto n = node["initial_interval"]) {
      retry.initial_interval = duration(n, "initial_interval").value_or(retry.initial_interval);
    }
    if (const auto n = node["max_interval"]) {
      retry.max_interval = duration(n, "max_interval").value_or(retry.max_interval);
    }
    if (const auto n = node["backoff"]) {
      if (auto v = number(n, "backoff")) {
        if (*v < 1.0) {
          m_diag.error(position_of(n), "'backoff' must be at least 1.0");
        } else {
          retry.backoff = *v;
        }
      }
    }
    if (const auto n = node["jitter"]) {
      if (auto v = number(n, "jitter")) {
        if (*v < 0.0 || *v > 1.0) {
          m_diag.error(position_of(n), "'jitter' must be between 0 and 1");
        } else {
          retry.jitter = *v;
        }
      }
    }
    if (const auto n = node["non_retryable_exit_codes"]) {
      if (!n.IsSequence()) {
        m_diag.error(position_of(n), "'non_retryable_exit_codes' must be a list of exit codes");
      } else {
        for (const auto& code : n) {
          if (auto v = integer(code, "non_retryable_exit_codes")) {
            retry.non_retryable_exit_codes.push_back(static_cast<int>(*v));
          }
        }
      }
    }
    if (const auto n = node["when"]) {
      retry.when = template_text(n, "when");
    }
  }

  void read_steps(const YAML::Node& node, Phase phase, const std::string& section, Workflow& wf) {
    if (!node.IsMap()) {
      m_diag.error(position_of(node),
                   fmt::format("'{}' must be a map of step ids to steps, got {}", section, describe(node)));
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      StepDef step;
      step.id = it->first.Scalar();
      step.pos = position_of(it->first);
      step.phase = phase;
      if (!is_identifier(step.id)) {
        m_diag.error(step.pos, fmt::format("step id '{}' may contain only letters, digits, '-' and '_'", step.id));
      }
      if (const StepDef* first = wf.find_step(step.id)) {
        m_diag.error(step.pos, fmt::format("duplicate step id '{}' (first defined at line {})", step.id, first->pos.line));
        continue;
      }
      read_step_body(it->second, step, wf, k_step_keys, fmt::format("in step '{}'", step.id));
      wf.steps.push_back(std::move(step));
    }
  }

  void read_step_body(const YAML::Node& body, StepDef& step, Workflow& wf, const std::vector<std::string>& keys,
                      const std::string& where) {
    if (!body.IsMap()) {
      m_diag.error(position_of(body), fmt::format("step '{}' must be a map (e.g. {{ run: make }}), got {}", step.id,
                                                  describe(body)));
      return;
    }
    check_keys(body, keys, where);
    if (const auto n = body["name"]) {
      step.name = string(n, "name").value_or("");
    }
    const auto run = body["run"];
    const auto uses = body["uses"];
    if (run && uses) {
      m_diag.error(position_of(uses),
                   fmt::format("step '{}' has both 'run' and 'uses'; a step is either a shell command or a step kind",
                               step.id));
    } else if (!run && !uses) {
      m_diag.error(step.pos, fmt::format("step '{}' has neither 'run' (a shell command) nor 'uses' (a step kind)",
                                         step.id));
    }
    if (run) {
      step.run = template_text(run, "run");
      step.uses = "shell";
      step.uses_pos = position_of(run);
    }
    if (uses) {
      step.uses_pos = position_of(uses);
      if (auto kind = string(uses, "uses")) {
        step.uses = *kind;
        if (*kind == "shell" || m_kinds.find(*kind) == nullptr) {
          std::string message = fmt::format("unknown step kind '{}'", *kind);
          auto names = m_kinds.names();
          std::erase(names, "shell");
          if (auto suggestion = did_you_mean(*kind, names)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
          }
          m_diag.error(step.uses_pos, message);
          step.uses.clear();
        }
      }
    }
    if (const auto with = body["with"]) {
      if (!uses) {
        m_diag.error(position_of(with), fmt::format("'with' gives parameters to a step kind; step '{}' has no 'uses'",
                                                    step.id));
      } else if (expect_map(with, "with")) {
        step.with = yaml_to_value(with);
        for (auto it = with.begin(); it != with.end(); ++it) {
          step.with_positions.emplace_back(it->first.Scalar(), position_of(it->first));
        }
      }
    }
    if (const auto n = body["needs"]) {
      if (n.IsScalar()) {
        step.needs.push_back(n.Scalar());
        step.needs_pos.push_back(position_of(n));
      } else if (n.IsSequence()) {
        for (const auto& item : n) {
          if (auto id = string(item, "needs")) {
            step.needs.push_back(*id);
            step.needs_pos.push_back(position_of(item));
          }
        }
      } else {
        m_diag.error(position_of(n), fmt::format("'needs' must be a step id or a list of step ids, got {}", describe(n)));
      }
    }
    if (const auto n = body["if"]) {
      if (n.IsScalar()) {
        step.if_expr = TemplateText{n.Scalar(), position_of(n)};
      } else {
        m_diag.error(position_of(n), fmt::format("'if' must be an expression, got {}", describe(n)));
      }
    }
    if (const auto n = body["matrix"]) {
      read_matrix(n, step);
    }
    if (const auto n = body["max_parallel"]) {
      if (auto v = integer(n, "max_parallel")) {
        if (*v < 1) {
          m_diag.error(position_of(n), "'max_parallel' must be at least 1");
        } else {
          step.max_parallel = static_cast<int>(*v);
        }
      }
    }
    if (const auto n = body["fail_fast"]) {
      step.fail_fast = boolean(n, "fail_fast").value_or(true);
    }
    if (const auto n = body["env"]) {
      step.env = named_templates(n, "env");
    }
    if (const auto n = body["working_directory"]) {
      step.working_directory = template_text(n, "working_directory");
    }
    if (const auto n = body["shell"]) {
      step.shell = string(n, "shell").value_or("");
    }
    step.timeout = wf.default_timeout;
    if (const auto n = body["timeout"]) {
      step.timeout = duration(n, "timeout");
    }
    step.retry = wf.default_retry;
    if (const auto n = body["retry"]) {
      read_retry(n, step.retry);
    }
    if (const auto n = body["continue_on_error"]) {
      step.continue_on_error = boolean(n, "continue_on_error").value_or(false);
    }
    if (const auto n = body["compensate"]) {
      auto compensation = std::make_shared<StepDef>();
      compensation->id = step.id;
      compensation->pos = position_of(n);
      compensation->phase = step.phase;
      read_step_body(n, *compensation, wf, k_compensate_keys, fmt::format("in the compensation of step '{}'", step.id));
      step.compensate = std::move(compensation);
    }
    if (const auto n = body["outputs"]) {
      step.outputs = named_templates(n, "outputs");
    }
  }

  void read_matrix(const YAML::Node& node, StepDef& step) {
    MatrixDef matrix;
    if (node.IsScalar()) {
      matrix.from = TemplateText{node.Scalar(), position_of(node)};
      step.matrix = std::move(matrix);
      return;
    }
    if (!node.IsMap()) {
      m_diag.error(position_of(node), fmt::format("'matrix' must be a map of lists or an expression giving a list, got {}",
                                                  describe(node)));
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const YAML::Node value = it->second;  // by value: the iterator yields a temporary
      if (key == "include" || key == "exclude") {
        if (!value.IsSequence()) {
          m_diag.error(position_of(value), fmt::format("matrix '{}' must be a list of maps", key));
          continue;
        }
        for (const auto& entry : value) {
          if (!entry.IsMap()) {
            m_diag.error(position_of(entry), fmt::format("each matrix '{}' entry must be a map, got {}", key,
                                                         describe(entry)));
            continue;
          }
          (key == "include" ? matrix.include : matrix.exclude).push_back(yaml_to_value(entry));
        }
        continue;
      }
      if (!is_identifier(key)) {
        m_diag.error(position_of(it->first), fmt::format("matrix axis '{}' may contain only letters, digits, '-' and '_'",
                                                         key));
      }
      // An axis is a list, or one expression giving a list when the step is ready.
      if (value.IsScalar() && value.Scalar().find("${{") != std::string::npos) {
        matrix.axes[key] = value.Scalar();
        matrix.axis_positions.emplace_back(key, position_of(value));
        continue;
      }
      if (!value.IsSequence() || value.size() == 0) {
        m_diag.error(position_of(value), fmt::format("matrix axis '{}' must be a non-empty list or an expression "
                                                     "giving one, got {}",
                                                     key, describe(value)));
        continue;
      }
      matrix.axes[key] = yaml_to_value(value);
    }
    if (matrix.axes.empty() && matrix.include.empty()) {
      m_diag.error(position_of(node), "'matrix' has no axes: give at least one list, e.g. { os: [a, b] }");
    }
    step.matrix = std::move(matrix);
  }

  Diagnostics& m_diag;
  const StepKindRegistry& m_kinds;
};

// yaml-cpp's messages are lower-case fragments; make them read as a sentence.
std::string yaml_error_message(const YAML::Exception& e) {
  std::string message = e.msg;
  if (message.empty()) {
    message = "invalid YAML";
  }
  return "YAML syntax error: " + message;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  // A sequence of <number><unit> with units ms, s, m, h, d: "1h30m", "1.5s", "0s".
  if (text.empty()) {
    return std::nullopt;
  }
  double total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
      ++i;
    }
    if (i == number_start) {
      return std::nullopt;
    }
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + number_start, text.data() + i, value);
    if (ec != std::errc() || ptr != text.data() + i) {
      return std::nullopt;
    }
    const std::size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') {
      ++i;
    }
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return std::nullopt;
    }
    total_ms += value * scale;
  }
  return Duration(static_cast<Duration::rep>(total_ms + 0.5));
}

std::string format_duration_spec(Duration duration) {
  const auto ms = duration.count();
  if (ms % 3'600'000 == 0 && ms != 0) {
    return fmt::format("{}h", ms / 3'600'000);
  }
  if (ms % 60'000 == 0 && ms != 0) {
    return fmt::format("{}m", ms / 60'000);
  }
  if (ms % 1000 == 0) {
    return fmt::format("{}s", ms / 1000);
  }
  return fmt::format("{}ms", ms);
}

const StepDef* Workflow::find_step(std::string_view id) const {
  for (const auto& step : steps) {
    if (step.id == id) {
      return &step;
    }
  }
  return nullptr;
}

LoadOutcome load_workflow(const std::string& file, std::string source, const StepKindRegistry& kinds) {
  auto wf = std::make_shared<Workflow>();
  wf->file = file;
  wf->source = std::move(source);
  wf->source_hash = sha256_hex(wf->source);
  Diagnostics diagnostics(file, wf->source);
  try {
    const YAML::Node root = YAML::Load(wf->source);
    Reader(diagnostics, kinds).read(root, *wf);
    if (root.IsMap()) {
      check_workflow(*wf, kinds, diagnostics);
    }
  } catch (const YAML::Exception& e) {
    diagnostics.error({e.mark.line + 1, e.mark.column + 1}, yaml_error_message(e));
  }
  LoadOutcome outcome;
  outcome.diagnostics = diagnostics.items();
  outcome.rendered = diagnostics.render();
  if (diagnostics.empty()) {
    if (wf->name.empty()) {
      wf->name = std::filesystem::path(file).stem().string();
    }
    outcome.workflow = std::move(wf);
  }
  return outcome;
}

LoadOutcome load_workflow_file(const std::string& file, const StepKindRegistry& kinds) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadOutcome outcome;
    Diagnostic d{file, {}, fmt::format("cannot read the workflow file: {}", std::strerror(errno)), {}};
    outcome.rendered = render_diagnostic(d);
    outcome.diagnostics.push_back(std::move(d));
    return outcome;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return load_workflow(file, buffer.str(), kinds);
}

}  // namespace automata::engine
