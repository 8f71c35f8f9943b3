// Dispatch and argument checks: a call is checked against its tool's schema
// before anything runs, so each tool sees arguments of the declared types.
#include "tools/agent/toolbox.hpp"

#include <fmt/format.h>

#include "tools/agent/truncate.hpp"

namespace automata::tools::agent {
namespace {

ToolResult format_error(std::string message) {
  ToolResult result;
  result.content = std::move(message);
  result.is_error = true;
  result.format_error = true;
  return result;
}

bool fits_type(const Value& value, const std::string& type) {
  if (type == "string") {
    return value.is_string();
  }
  if (type == "integer") {
    return value.is_number_integer() || (value.is_number_float() && value.get<double>() == static_cast<double>(static_cast<long long>(value.get<double>())));
  }
  if (type == "array") {
    return value.is_array();
  }
  return true;
}

// What is wrong with `args` for `spec`, or empty.
std::string argument_problem(const llm::ToolSpec& spec, const Value& args) {
  const Value& properties = spec.parameters["properties"];
  for (const auto& name : spec.parameters["required"]) {
    if (!args.contains(name.get<std::string>())) {
      return fmt::format("missing required argument \"{}\"", name.get<std::string>());
    }
  }
  for (const auto& [name, value] : args.items()) {
    if (!properties.contains(name)) {
      std::string known;
      for (const auto& [property, schema] : properties.items()) {
        known += (known.empty() ? "" : ", ") + property;
      }
      return fmt::format("unknown argument \"{}\" (arguments: {})", name, known);
    }
    const std::string type = properties[name]["type"].get<std::string>();
    if (!value.is_null() && !fits_type(value, type)) {
      return fmt::format("argument \"{}\" must be {} {}, got {}", name, type == "integer" ? "an" : "a", type,
                         truncate_middle(value.dump(), 80));
    }
  }
  return {};
}

}  // namespace

AgentToolbox::AgentToolbox(fs::Workspace workspace, ToolboxOptions options, engine::ProcessLauncher& launcher)
    : m_workspace(std::move(workspace)), m_options(std::move(options)), m_launcher(launcher) {
  m_workspace.set_protect_git(true);
}

ToolResult AgentToolbox::execute(const llm::ToolCall& call, const engine::CancelToken& cancel,
                                 std::optional<std::chrono::milliseconds> time_left) {
  const llm::ToolSpec* spec = nullptr;
  std::string names;
  for (const auto& candidate : specs()) {
    names += (names.empty() ? "" : ", ") + candidate.name;
    if (candidate.name == call.name) {
      spec = &candidate;
    }
  }
  if (spec == nullptr) {
    return format_error(fmt::format("unknown tool \"{}\"; the tools are: {}", truncate_middle(call.name, 80), names));
  }
  if (!call.arguments.is_object()) {
    return format_error(fmt::format("the arguments of {} are not a JSON object: {}", call.name,
                                    truncate_middle(call.raw_arguments, 200)));
  }
  if (std::string problem = argument_problem(*spec, call.arguments); !problem.empty()) {
    return format_error(fmt::format("{}: {}", call.name, problem));
  }
  if (cancel.cancelled()) {
    return ToolResult{"not run: the step was cancelled", true, false, false, {}, {}};
  }
  const Value& args = call.arguments;
  ToolResult result;
  if (call.name == "run_shell_command") {
    result = run_shell_command(args, cancel, time_left);
  } else if (call.name == "read_file") {
    result = read_file(args);
  } else if (call.name == "write_file") {
    result = write_file(args);
  } else if (call.name == "list_directory") {
    result = list_directory(args);
  } else if (call.name == "search_files") {
    result = search_files(args);
  } else if (call.name == "apply_patch") {
    result = apply_patch(args);
  } else {
    result.finish = true;
    result.summary = args["summary"].get<std::string>();
    result.content = "finished";
  }
  result.content = truncate_middle(result.content, m_options.max_output_bytes);
  return result;
}

}  // namespace automata::tools::agent
