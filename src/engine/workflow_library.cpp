#include "engine/workflow_library.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/suggest.hpp"

namespace automata::engine {
namespace {

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// Workflow files next to a missing one, for "did you mean".
std::vector<std::string> workflow_files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir.empty() ? "." : dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (ends_with(name, ".yaml") || ends_with(name, ".yml")) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

const WorkflowLibrary& WorkflowLibrary::none() {
  static const WorkflowLibrary k_none;
  return k_none;
}

const BuiltinWorkflow* WorkflowLibrary::find(std::string_view name) const {
  const auto it = std::find_if(m_builtins.begin(), m_builtins.end(),
                               [name](const BuiltinWorkflow& builtin) { return builtin.name == name; });
  return it == m_builtins.end() ? nullptr : &*it;
}

std::vector<std::string> WorkflowLibrary::names() const {
  std::vector<std::string> names;
  for (const auto& builtin : m_builtins) {
    names.emplace_back(builtin.name);
  }
  return names;
}

std::string builtin_file_name(std::string_view name) { return fmt::format("{}{}", k_builtin_prefix, name); }

std::optional<std::string> builtin_name_of(std::string_view file) {
  if (file.substr(0, k_builtin_prefix.size()) != k_builtin_prefix) {
    return std::nullopt;
  }
  return std::string(file.substr(k_builtin_prefix.size()));
}

bool is_bare_name(std::string_view argument) {
  return !argument.empty() && argument.find('/') == std::string_view::npos && !ends_with(argument, ".yaml") &&
         !ends_with(argument, ".yml");
}

std::filesystem::path workflow_directory(const std::string& file, const std::filesystem::path& base) {
  if (builtin_name_of(file)) {
    return base;
  }
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  if (dir.empty()) {
    return base;
  }
  return dir.is_absolute() || base.empty() ? dir : (base / dir).lexically_normal();
}

Result<WorkflowSource> resolve_child_workflow(const WorkflowLibrary& library, const std::string& parent_file,
                                              const std::string& child, const std::filesystem::path& base) {
  const bool parent_is_builtin = builtin_name_of(parent_file).has_value();
  if (parent_is_builtin && is_bare_name(child)) {
    if (const BuiltinWorkflow* builtin = library.find(child)) {
      return WorkflowSource{builtin_file_name(builtin->name), std::string(builtin->source)};
    }
    std::string message = fmt::format("no built-in workflow '{}'", child);
    const auto names = library.names();
    if (auto suggestion = did_you_mean(child, names)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    return Error::usage(message + fmt::format("; the built-ins are {}", fmt::join(names, ", ")));
  }
  std::filesystem::path path(child);
  if (!path.is_absolute()) {
    const std::filesystem::path dir =
        parent_is_builtin ? base : std::filesystem::path(parent_file).parent_path();
    path = (dir.is_absolute() || base.empty() ? dir / path : base / dir / path).lexically_normal();
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    const bool exists = std::filesystem::exists(path, ec);
    std::string message = fmt::format("child workflow {}: {}", path.string(), exists ? "not a regular file" : "no such file");
    if (!exists) {
      if (auto suggestion = did_you_mean(path.filename().string(), workflow_files_in(path.parent_path()))) {
        message += fmt::format(" (did you mean '{}'?)", *suggestion);
      }
      const std::string stem = path.stem().string();
      if (!parent_is_builtin && library.find(stem) != nullptr) {
        message += fmt::format("; a relative file: is relative to the directory of {}, and a built-in is copied "
                               "there with `automata workflows {} > {}`",
                               parent_file, stem, (path.parent_path() / (stem + ".yaml")).string());
      }
    }
    return Error::usage(message);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::usage(fmt::format("child workflow {}: cannot read it: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return WorkflowSource{path.string(), buffer.str()};
}

}  // namespace automata::engine
