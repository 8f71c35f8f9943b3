#pragma once
// Where a workflow's name leads, for the workflow a run starts with and for
// the child workflows it runs (step kind `workflow`, `file:`):
//   - the built-in workflows are compiled into the binary; their table lives
//     in commands/ (a generated source) and reaches the engine as plain data,
//     so the engine does not depend on a higher layer;
//   - a built-in is named "builtin:NAME" in diagnostics and in the journal
//     (RunStarted `file`), never by a path a file could take;
//   - a child's relative `file:` is relative to the directory of the workflow
//     file that names it; in a built-in, a bare name (no '/', no .yaml/.yml)
//     is another built-in.
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace automata::engine {

struct BuiltinWorkflow {
  std::string_view name;    // the file's stem: workflows/agent.yaml is "agent"
  std::string_view source;  // the file's exact bytes
};

class WorkflowLibrary {
 public:
  WorkflowLibrary() = default;
  explicit WorkflowLibrary(std::span<const BuiltinWorkflow> builtins) : m_builtins(builtins) {}
  static const WorkflowLibrary& none();  // no built-ins (engine tests)

  std::span<const BuiltinWorkflow> builtins() const { return m_builtins; }
  const BuiltinWorkflow* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::span<const BuiltinWorkflow> m_builtins;
};

inline constexpr std::string_view k_builtin_prefix = "builtin:";
std::string builtin_file_name(std::string_view name);
// "builtin:agent" -> "agent"; nullopt for any other file name.
std::optional<std::string> builtin_name_of(std::string_view file);
// No '/' and no .yaml/.yml ending: a name that may be a built-in's.
bool is_bare_name(std::string_view argument);

struct WorkflowSource {
  std::string file;    // as named in messages and in the journal
  std::string source;  // its exact bytes
};

// The workflow that `child` (a `file:` value) names in the workflow
// `parent_file`. `base` is the directory a relative parent file is relative
// to (the run's working directory). A child that cannot be found or read is
// an error whose message is one sentence (a diagnostic, or a step's error).
Result<WorkflowSource> resolve_child_workflow(const WorkflowLibrary& library, const std::string& parent_file,
                                              const std::string& child, const std::filesystem::path& base);

// The directory a workflow's relative names are relative to: that of its
// file (made absolute against `base`), or `base` for a built-in.
std::filesystem::path workflow_directory(const std::string& file, const std::filesystem::path& base);

}  // namespace automata::engine
