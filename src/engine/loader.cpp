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
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/hash.hpp"
#include "engine/child_checks.hpp"
#include "engine/inputs.hpp"
#include "engine/suggest.hpp"
#include "engine/workflow_checks.hpp"
#include "engine/yaml_document.hpp"
#include "engine/yaml_value.hpp"

namespace automata::engine {
namespace {

const std::vector<std::string> k_top_keys = {"version",  "name",        "description", "inputs",     "secrets",
                                              "env",      "defaults",    "concurrency", "budget",     "steps",
                                              "on_failure", "finally",   "outputs"};
const std::vector<std::string> k_budget_keys = {"max_tokens_total", "max_cost"};
const std::vector<std::string> k_step_keys = {"name", "run", "uses", "with", "needs", "if", "matrix", "max_parallel",
                                              "fail_fast", "env", "working_directory", "shell", "timeout", "retry",
                                              "continue_on_error", "compensate", "outputs"};
// A compensation runs once (the driver does not retry it), so it takes no `retry`.
const std::vector<std::string> k_compensate_keys = {"name", "run", "uses", "with", "env", "working_directory",
                                                    "shell", "timeout"};
// Step keys a compensation does not take, and why (the message says so).
const std::vector<std::pair<std::string, std::string>> k_compensate_refused = {
    {"retry", "a compensation runs once and is not retried"},
    {"needs", "compensations run newest completed step first; they have no 'needs'"},
    {"if", "a compensation runs for every completed step that has one; it has no 'if'"},
    {"matrix", "the compensation of a matrix step runs once per completed instance, with its matrix values"},
    {"compensate", "a compensation is not compensated itself"},
    {"outputs", "a compensation has no outputs"},
    {"continue_on_error", "a failed compensation never stops the others"},
};
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

bool is_env_name(std::string_view text) {
  if (text.empty() || (text.front() >= '0' && text.front() <= '9')) {
    return false;
  }
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return node.size() == 0 ? "an empty map" : "a map";
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
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
      if (!root.IsDefined() || root.IsNull()) {
        m_diag.error(SourcePos{1, 1}, "the workflow file is empty: it needs at least 'steps', a map of step ids to "
                                      "steps, e.g. steps: { hello: { run: echo hello } }");
      } else {
        m_diag.error(at(root), fmt::format("a workflow file must be a map with keys such as 'name' and "
                                                    "'steps', got {}",
                                                    describe(root)));
      }
      return;
    }
    check_keys(root, k_top_keys, "at the top level");
    if (const auto node = root["version"]) {
      const auto v = integer(node, "version");
      if (v && *v != 1) {
        m_diag.error(at(node), fmt::format("unsupported version {} (this automata reads version 1)", *v));
      }
    }
    if (const auto node = root["name"]) {
      if (auto s = string(node, "name")) {
        wf.name = *s;
        if (!is_identifier(wf.name)) {
          m_diag.error(at(node),
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
          m_diag.error(at(node), fmt::format("'concurrency' must be at least 1, got {}", *n));
        } else {
          wf.concurrency = static_cast<int>(*n);
        }
      }
    }
    if (const auto node = root["budget"]) {
      read_budget(node, wf);
    }
    const auto steps = root["steps"];
    if (!steps) {
      m_diag.error(at(root), "a workflow needs 'steps': a map of step ids to steps");
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
  // Where a node is. yaml-cpp places an empty value (`run:` with nothing
  // after it) at the next token, often on a later line; point just after the
  // colon of its key instead.
  SourcePos at(const YAML::Node& node) const {
    const SourcePos pos = position_of(node);
    if (!node.IsNull()) {
      return pos;
    }
    const std::string_view source = m_diag.source();
    std::size_t end = m_diag.offset_of(pos);
    for (const std::string_view literal : {"~", "null", "Null", "NULL"}) {
      const std::size_t after = end + literal.size();
      if (source.substr(end, literal.size()) == literal &&
          (after >= source.size() || std::string_view(" \t\r\n,]}").find(source[after]) != std::string_view::npos)) {
        return pos;
      }
    }
    // Walk back over blank lines and comments to the colon ending the key.
    for (int lines = 0; lines < 8 && end > 0; ++lines) {
      std::size_t line_start = source.rfind('\n', end - 1);
      line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
      std::string_view text = source.substr(line_start, end - line_start);
      if (const std::size_t hash = text.find(" #"); hash != std::string_view::npos) {
        text = text.substr(0, hash);
      } else if (!text.empty() && text.front() == '#') {
        text = {};
      }
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
      }
      if (!text.empty() && text.back() == ':') {
        return m_diag.position_of(line_start + text.size());
      }
      if (!text.empty() && text.find_first_not_of(" \t") != std::string_view::npos) {
        return pos;
      }
      if (line_start == 0) {
        break;
      }
      end = line_start - 1;
    }
    return pos;
  }

  // yaml-cpp keeps every entry of a map whose key repeats, and a lookup sees
  // only the first: a repeated key is always a mistake worth reporting.
  void check_duplicates(const YAML::Node& map, const std::string& where) {
    std::map<std::string, SourcePos> first;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      const SourcePos pos = at(it->first);
      const auto [known, inserted] = first.emplace(key, pos);
      if (!inserted) {
        m_diag.error(pos, fmt::format("duplicate key '{}' {} (first given at {}:{}); remove one of them", key, where,
                                      known->second.line, known->second.column));
      }
    }
  }

  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where,
                  const std::vector<std::pair<std::string, std::string>>& refusals = {}) {
    check_duplicates(map, where);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
        continue;
      }
      std::string message = fmt::format("unknown key '{}' {}", key, where);
      const auto refused =
          std::find_if(refusals.begin(), refusals.end(), [&](const auto& r) { return r.first == key; });
      if (refused != refusals.end()) {
        message += ": " + refused->second;
      } else if (auto suggestion = did_you_mean(key, allowed)) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      m_diag.error(at(it->first), message);
    }
  }

  bool expect_map(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) {
      return true;
    }
    m_diag.error(at(node), fmt::format("'{}' must be a map, got {}", what, describe(node)));
    return false;
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      return node.Scalar();
    }
    m_diag.error(at(node), fmt::format("'{}' must be a string, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<TemplateText> template_text(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      return TemplateText{node.Scalar(), at(node)};
    }
    m_diag.error(at(node), fmt::format("'{}' must be a string, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_number_integer()) {
      return v.get<std::int64_t>();
    }
    m_diag.error(at(node), fmt::format("'{}' must be a whole number, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<double> number(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_number()) {
      return v.get<double>();
    }
    m_diag.error(at(node), fmt::format("'{}' must be a number, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& what) {
    const Value v = node.IsScalar() ? scalar_to_value(node) : Value();
    if (v.is_boolean()) {
      return v.get<bool>();
    }
    m_diag.error(at(node), fmt::format("'{}' must be true or false, got {}", what, describe(node)));
    return std::nullopt;
  }

  std::optional<Duration> duration(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      if (auto d = parse_duration(node.Scalar())) {
        return d;
      }
    }
    std::string message = fmt::format("'{}' must be a duration: a number and a unit (ms, s, m, h, d), e.g. 500ms, "
                                      "90s, 10m, 1h30m; got {}",
                                      what, describe(node));
    if (node.IsScalar() && scalar_to_value(node).is_number()) {
      message += fmt::format(" (did you mean '{}s'?)", node.Scalar());
    }
    m_diag.error(at(node), message);
    return std::nullopt;
  }

  // A timeout of zero would fail every attempt at once: refused.
  std::optional<Duration> timeout(const YAML::Node& node) {
    auto d = duration(node, "timeout");
    if (d && d->count() == 0) {
      m_diag.error(at(node), "'timeout' must be longer than 0s; leave it out for no timeout");
      return std::nullopt;
    }
    return d;
  }

  NamedTemplates named_templates(const YAML::Node& node, const std::string& what) {
    NamedTemplates out;
    if (!expect_map(node, what)) {
      return out;
    }
    check_duplicates(node, fmt::format("in '{}'", what));
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        continue;
      }
      if (it->second.IsScalar() || it->second.IsNull()) {
        out.emplace_back(key, TemplateText{it->second.IsNull() ? "" : it->second.Scalar(), at(it->second)});
      } else {
        m_diag.error(at(it->second),
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
      input.pos = at(it->first);
      if (!is_identifier(input.name)) {
        m_diag.error(input.pos,
                     fmt::format("input name '{}' may contain only letters, digits, '-' and '_'", input.name));
      }
      for (const auto& existing : wf.inputs) {
        if (existing.name == input.name) {
          m_diag.error(input.pos, fmt::format("duplicate input '{}' (first defined at line {}); rename or remove one",
                                              input.name, existing.pos.line));
        }
      }
      const YAML::Node body = it->second;  // by value: the iterator yields a temporary
      if (!body.IsMap()) {
        m_diag.error(at(body), fmt::format("input '{}' must be a map like {{ type: string, default: x }}, got {}",
                                                    input.name, describe(body)));
        continue;
      }
      check_keys(body, k_input_keys, fmt::format("in input '{}'", input.name));
      bool type_known = true;
      if (const auto type = body["type"]) {
        const std::string t = type.IsScalar() ? type.Scalar() : "";
        const auto found = std::find(k_input_types.begin(), k_input_types.end(), t);
        if (found == k_input_types.end()) {
          type_known = false;
          std::string message = type.IsScalar() ? fmt::format("unknown input type '{}'", t)
                                                : fmt::format("the type of input '{}' must be a name, got {}",
                                                              input.name, describe(type));
          if (auto suggestion = did_you_mean(t, k_input_types)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
          }
          m_diag.error(at(type), message + "; the types are string, number, boolean, list and choice");
        } else {
          input.type = static_cast<InputType>(found - k_input_types.begin());
        }
      }
      if (const auto description = body["description"]) {
        input.description = string(description, "description").value_or("");
      }
      if (const auto options = body["options"]) {
        if (!options.IsSequence() || options.size() == 0) {
          m_diag.error(at(options), fmt::format("'options' of input '{}' must be a non-empty list, got {}", input.name,
                                                   describe(options)));
        } else {
          for (const auto& option : options) {
            input.options.push_back(yaml_to_value(option));
          }
        }
      }
      if (input.type == InputType::choice && input.options.empty() && !body["options"]) {
        m_diag.error(input.pos, fmt::format("input '{}' is a choice but has no 'options': add e.g. options: [a, b]",
                                            input.name));
      }
      if (input.type != InputType::choice && body["options"] && type_known) {
        m_diag.error(at(body["options"]),
                     fmt::format("input '{}' has 'options' but is not a choice: set type: choice", input.name));
      }
      if (const auto def = body["default"]; def && type_known) {
        Value value = yaml_to_value(def);
        auto checked = check_input_value(input, value);
        if (!checked.ok()) {
          m_diag.error(at(def), fmt::format("default of input '{}': {}", input.name, checked.error().message));
        } else {
          input.default_value = std::move(checked.value());
        }
      }
      wf.inputs.push_back(std::move(input));
    }
  }

  void read_secrets(const YAML::Node& node, Workflow& wf) {
    if (!node.IsSequence()) {
      m_diag.error(at(node), fmt::format("'secrets' must be a list of environment variable names, got {}",
                                                  describe(node)));
      return;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || !is_env_name(item.Scalar())) {
        m_diag.error(at(item),
                     fmt::format("a secret is named by an environment variable (letters, digits and '_', not starting "
                                 "with a digit), got {}",
                                 describe(item)));
        continue;
      }
      if (std::find(wf.secrets.begin(), wf.secrets.end(), item.Scalar()) != wf.secrets.end()) {
        m_diag.error(at(item), fmt::format("secret '{}' is listed twice in 'secrets'", item.Scalar()));
        continue;
      }
      wf.secrets.push_back(item.Scalar());
    }
  }

  void read_budget(const YAML::Node& node, Workflow& wf) {
    if (!expect_map(node, "budget")) {
      return;
    }
    check_keys(node, k_budget_keys, "in 'budget'");
    if (const auto n = node["max_tokens_total"]) {
      if (auto tokens = integer(n, "max_tokens_total")) {
        if (*tokens < 1) {
          m_diag.error(at(n), fmt::format("'max_tokens_total' must be at least 1, got {}", *tokens));
        } else {
          wf.max_tokens_total = *tokens;
        }
      }
    }
    if (const auto n = node["max_cost"]) {
      if (auto cost = number(n, "max_cost")) {
        if (*cost <= 0) {
          m_diag.error(at(n), fmt::format("'max_cost' must be more than 0 (US dollars), got {}", *cost));
        } else {
          wf.max_cost = *cost;
        }
      }
    }
  }

  void read_defaults(const YAML::Node& node, Workflow& wf) {
    if (!expect_map(node, "defaults")) {
      return;
    }
    check_keys(node, k_defaults_keys, "in 'defaults'");
    if (const auto n = node["timeout"]) {
      wf.default_timeout = timeout(n);
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
          m_diag.error(at(n), fmt::format("'max_attempts' must be between 1 and 1000, got {}", *v));
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
          m_diag.error(at(n), fmt::format("'backoff' must be at least 1.0, got {}", n.Scalar()));
        } else {
          retry.backoff = *v;
        }
      }
    }
    if (const auto n = node["jitter"]) {
      if (auto v = number(n, "jitter")) {
        if (*v < 0.0 || *v > 1.0) {
          m_diag.error(at(n), fmt::format("'jitter' must be between 0 and 1, got {}", n.Scalar()));
        } else {
          retry.jitter = *v;
        }
      }
    }
    if (const auto n = node["non_retryable_exit_codes"]) {
      if (!n.IsSequence()) {
        m_diag.error(at(n), fmt::format("'non_retryable_exit_codes' must be a list of exit codes, e.g. [2, 3], "
                                                 "got {}",
                                                 describe(n)));
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
      m_diag.error(at(node),
                   fmt::format("'{}' must be a map of step ids to steps, got {}", section, describe(node)));
      return;
    }
    if (phase == Phase::main && node.size() == 0) {
      m_diag.error(at(node), "'steps' is empty: a workflow needs at least one step");
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      StepDef step;
      step.id = it->first.Scalar();
      step.pos = at(it->first);
      step.phase = phase;
      if (!is_identifier(step.id)) {
        m_diag.error(step.pos, fmt::format("step id '{}' may contain only letters, digits, '-' and '_'", step.id));
      }
      if (const StepDef* first = wf.find_step(step.id)) {
        m_diag.error(step.pos, fmt::format("duplicate step id '{}' (first defined at line {}); ids must be unique "
                                           "across steps, on_failure and finally",
                                           step.id, first->pos.line));
        continue;
      }
      read_step_body(it->second, step, wf, k_step_keys, {}, fmt::format("step '{}'", step.id));
      wf.steps.push_back(std::move(step));
      wf.step_index.emplace(wf.steps.back().id, wf.steps.size() - 1);
    }
  }

  // `label` names the step in messages: "step 'a'" or "the compensation of step 'a'".
  void read_step_body(const YAML::Node& body, StepDef& step, Workflow& wf, const std::vector<std::string>& keys,
                      const std::vector<std::pair<std::string, std::string>>& refusals, const std::string& label) {
    if (!body.IsMap()) {
      m_diag.error(at(body),
                   fmt::format("{} must be a map (e.g. {{ run: make }}), got {}", label, describe(body)));
      return;
    }
    check_keys(body, keys, "in " + label, refusals);
    // Keys not allowed here were reported as unknown; they are not read too.
    const auto field = [&](const char* key) {
      return std::find(keys.begin(), keys.end(), key) != keys.end() ? body[key] : YAML::Node(YAML::NodeType::Undefined);
    };
    if (const auto n = field("name")) {
      step.name = string(n, "name").value_or("");
    }
    const auto run = field("run");
    const auto uses = field("uses");
    if (run && uses) {
      m_diag.error(at(uses),
                   fmt::format("{} has both 'run' and 'uses': it is either a shell command or a step kind; remove one",
                               label));
    } else if (!run && !uses) {
      m_diag.error(step.pos, fmt::format("{} has neither 'run' (a shell command) nor 'uses' (a step kind)", label));
    }
    if (run) {
      step.run = template_text(run, "run");
      step.uses = "shell";
      step.uses_pos = at(run);
    }
    // With both, the step stays a shell step: its `with` is not checked too.
    if (uses && !run) {
      step.uses_pos = at(uses);
      if (auto kind = string(uses, "uses")) {
        step.uses = *kind;
        if (*kind == "shell") {
          m_diag.error(step.uses_pos, "a shell step is written with 'run: COMMAND', not 'uses: shell'");
          step.uses.clear();
        } else if (m_kinds.find(*kind) == nullptr) {
          std::string message = fmt::format("unknown step kind '{}'", *kind);
          auto names = m_kinds.names();
          std::erase(names, "shell");
          if (auto suggestion = did_you_mean(*kind, names)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
          } else {
            message += fmt::format("; the step kinds are {}", fmt::join(names, ", "));
          }
          m_diag.error(step.uses_pos, message);
          step.uses.clear();
        }
      }
    }
    if (const auto with = field("with")) {
      if (!uses || run) {
        m_diag.error(at(with),
                     fmt::format("'with' gives parameters to a step kind, but {} has no 'uses'; a shell step takes "
                                 "'env' instead",
                                 label));
      } else if (expect_map(with, "with")) {
        check_duplicates(with, "in 'with'");
        step.with = yaml_to_value(with);
        for (auto it = with.begin(); it != with.end(); ++it) {
          step.with_positions.emplace_back(it->first.Scalar(), at(it->first));
          // A child workflow's inputs are checked against the child, each at its key.
          if (it->first.Scalar() == "inputs" && it->second.IsMap()) {
            for (auto input = it->second.begin(); input != it->second.end(); ++input) {
              step.child_input_positions.emplace_back(input->first.Scalar(), at(input->first));
            }
          }
        }
      }
    }
    if (const auto n = field("needs")) {
      if (n.IsScalar()) {
        step.needs.push_back(n.Scalar());
        step.needs_pos.push_back(at(n));
      } else if (n.IsSequence()) {
        for (const auto& item : n) {
          if (!item.IsScalar()) {
            m_diag.error(at(item), fmt::format("each entry of 'needs' must be a step id, got {}", describe(item)));
            continue;
          }
          if (auto id = std::optional<std::string>(item.Scalar())) {
            if (std::find(step.needs.begin(), step.needs.end(), *id) != step.needs.end()) {
              m_diag.error(at(item), fmt::format("'{}' is listed twice in the needs of {}", *id, label));
              continue;
            }
            step.needs.push_back(*id);
            step.needs_pos.push_back(at(item));
          }
        }
      } else {
        m_diag.error(at(n), fmt::format("'needs' must be a step id or a list of step ids, got {}", describe(n)));
      }
    }
    if (const auto n = field("if")) {
      if (n.IsScalar()) {
        step.if_expr = TemplateText{n.Scalar(), at(n)};
      } else {
        m_diag.error(at(n), fmt::format("'if' must be an expression, got {}", describe(n)));
      }
    }
    if (const auto n = field("matrix")) {
      read_matrix(n, step);
    }
    if (const auto n = field("max_parallel")) {
      if (auto v = integer(n, "max_parallel")) {
        if (*v < 1) {
          m_diag.error(at(n), fmt::format("'max_parallel' must be at least 1, got {}", *v));
        } else {
          step.max_parallel = static_cast<int>(*v);
        }
      }
    }
    if (const auto n = field("fail_fast")) {
      step.fail_fast = boolean(n, "fail_fast").value_or(true);
    }
    if (const auto n = field("env")) {
      step.env = named_templates(n, "env");
    }
    if (const auto n = field("working_directory")) {
      step.working_directory = template_text(n, "working_directory");
    }
    if (const auto n = field("shell")) {
      step.shell = string(n, "shell").value_or("");
    }
    step.timeout = wf.default_timeout;
    if (const auto n = field("timeout")) {
      step.timeout = timeout(n);
    }
    step.retry = wf.default_retry;
    if (const auto n = field("retry")) {
      read_retry(n, step.retry);
    }
    if (const auto n = field("continue_on_error")) {
      step.continue_on_error = boolean(n, "continue_on_error").value_or(false);
    }
    if (const auto n = field("compensate")) {
      auto compensation = std::make_shared<StepDef>();
      compensation->id = step.id;
      compensation->pos = at(n);
      compensation->phase = step.phase;
      read_step_body(n, *compensation, wf, k_compensate_keys, k_compensate_refused,
                     fmt::format("the compensation of step '{}'", step.id));
      step.compensate = std::move(compensation);
    }
    if (const auto n = field("outputs")) {
      step.outputs = named_templates(n, "outputs");
    }
  }

  void read_matrix(const YAML::Node& node, StepDef& step) {
    MatrixDef matrix;
    bool any_axis = false;
    if (node.IsScalar()) {
      matrix.from = TemplateText{node.Scalar(), at(node)};
      step.matrix = std::move(matrix);
      return;
    }
    if (!node.IsMap()) {
      m_diag.error(at(node), fmt::format("'matrix' must be a map of axes to lists (e.g. {{ os: [a, b] }}) or "
                                                  "one ${{{{ }}}} expression giving a list, got {}",
                                                  describe(node)));
      return;
    }
    check_duplicates(node, "in 'matrix'");
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const YAML::Node value = it->second;  // by value: the iterator yields a temporary
      if (matrix.axes.contains(key)) {
        continue;  // a repeated axis: reported by check_duplicates
      }
      if (key == "include" || key == "exclude") {
        if (!value.IsSequence()) {
          m_diag.error(at(value), fmt::format("matrix '{}' must be a list of maps, e.g. [{{ os: a }}], got {}",
                                                       key, describe(value)));
          continue;
        }
        for (const auto& entry : value) {
          if (!entry.IsMap()) {
            m_diag.error(at(entry), fmt::format("each matrix '{}' entry must be a map, got {}", key,
                                                         describe(entry)));
            continue;
          }
          (key == "include" ? matrix.include : matrix.exclude).push_back(yaml_to_value(entry));
        }
        continue;
      }
      any_axis = true;
      if (!is_identifier(key)) {
        m_diag.error(at(it->first), fmt::format("matrix axis '{}' may contain only letters, digits, '-' and '_'",
                                                         key));
      }
      // An axis is a list, or one expression giving a list when the step is ready.
      if (value.IsScalar() && value.Scalar().find("${{") != std::string::npos) {
        matrix.axes[key] = value.Scalar();
        matrix.axis_positions.emplace_back(key, at(value));
        continue;
      }
      if (!value.IsSequence() || value.size() == 0) {
        m_diag.error(at(value), fmt::format("matrix axis '{}' must be a non-empty list or an expression "
                                                     "giving one, got {}",
                                                     key, describe(value)));
        continue;
      }
      matrix.axes[key] = yaml_to_value(value);
    }
    if (!any_axis && matrix.include.empty()) {
      m_diag.error(at(node), "'matrix' has no axes: give at least one list, e.g. { os: [a, b] }");
    }
    step.matrix = std::move(matrix);
  }

  Diagnostics& m_diag;
  const StepKindRegistry& m_kinds;
};

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
  if (step_index.size() == steps.size()) {
    const auto it = step_index.find(std::string(id));
    return it == step_index.end() ? nullptr : &steps[it->second];
  }
  for (const auto& step : steps) {
    if (step.id == id) {
      return &step;
    }
  }
  return nullptr;
}

namespace {

// The files being loaded, outermost first: a child that runs its own
// ancestor is not loaded again (that recursion is guarded by its `if`).
using LoadStack = std::vector<std::string>;

std::string stack_key(const std::string& file) {
  std::error_code ec;
  return builtin_name_of(file) ? file : std::filesystem::absolute(file, ec).lexically_normal().string();
}

LoadOutcome load_source(const std::string& file, std::string source, const StepKindRegistry& kinds,
                        const WorkflowLibrary& library, LoadStack& stack) {
  auto wf = std::make_shared<Workflow>();
  wf->file = file;
  wf->source = std::move(source);
  wf->source_hash = sha256_hex(wf->source);
  Diagnostics diagnostics(file, wf->source);
  try {
    const std::optional<YAML::Node> parsed = parse_workflow_yaml(diagnostics);
    const YAML::Node root = parsed.value_or(YAML::Node());
    if (parsed) {
      Reader(diagnostics, kinds).read(root, *wf);
    }
    if (parsed && root.IsMap()) {
      check_workflow(*wf, kinds, diagnostics);
      stack.push_back(stack_key(file));
      check_child_workflows(*wf, library, diagnostics, [&](const WorkflowSource& child) -> std::optional<LoadOutcome> {
        if (std::find(stack.begin(), stack.end(), stack_key(child.file)) != stack.end()) {
          return std::nullopt;
        }
        return load_source(child.file, child.source, kinds, library, stack);
      });
      stack.pop_back();
    }
  } catch (const YAML::Exception& e) {
    report_yaml_exception(diagnostics, e);
  }
  LoadOutcome outcome;
  outcome.diagnostics = diagnostics.items();
  outcome.rendered = diagnostics.render();
  if (diagnostics.empty()) {
    if (wf->name.empty()) {
      wf->name = builtin_name_of(file).value_or(std::filesystem::path(file).stem().string());
    }
    outcome.workflow = std::move(wf);
  }
  return outcome;
}

}  // namespace

LoadOutcome load_workflow(const std::string& file, std::string source, const StepKindRegistry& kinds,
                          const WorkflowLibrary& library) {
  LoadStack stack;
  return load_source(file, std::move(source), kinds, library, stack);
}

LoadOutcome load_workflow_file(const std::string& file, const StepKindRegistry& kinds, const WorkflowLibrary& library) {
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
  return load_workflow(file, buffer.str(), kinds, library);
}

}  // namespace automata::engine
