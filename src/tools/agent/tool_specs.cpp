// The tool descriptions and JSON schemas a model is given. Descriptions say
// the rules the tools enforce, so the model does not have to learn them by
// failing.
#include "tools/agent/toolbox.hpp"

namespace automata::tools::agent {
namespace {

Value string_prop(const char* description) { return {{"type", "string"}, {"description", description}}; }
Value integer_prop(const char* description) { return {{"type", "integer"}, {"description", description}}; }

Value object_schema(Value properties, Value required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)},
          {"additionalProperties", false}};
}

std::vector<llm::ToolSpec> build_specs() {
  std::vector<llm::ToolSpec> specs;
  specs.push_back({"run_shell_command",
                   "Run a bash command in the workspace (a fresh shell each time: cd and variables do not persist). "
                   "Returns the exit code and the end of stdout and stderr. Interactive commands, destructive "
                   "commands and force-pushes are refused.",
                   object_schema({{"command", string_prop("the bash command line")},
                                  {"timeout_seconds", integer_prop("stop the command after this many seconds")}},
                                 {"command"})});
  specs.push_back({"read_file", "Read a text file of the workspace, whole or a range of lines.",
                   object_schema({{"path", string_prop("relative to the workspace root")},
                                  {"start_line", integer_prop("first line (1-based)")},
                                  {"end_line", integer_prop("last line (inclusive)")}},
                                 {"path"})});
  specs.push_back({"write_file", "Create or overwrite a text file of the workspace with the given content.",
                   object_schema({{"path", string_prop("relative to the workspace root")},
                                  {"content", string_prop("the whole new content")}},
                                 {"path", "content"})});
  specs.push_back({"list_directory", "List files and directories (directories end with /); .git is skipped.",
                   object_schema({{"path", string_prop("relative to the workspace root (default: the root)")},
                                  {"depth", integer_prop("levels to descend (default 2)")}},
                                 Value::array())});
  specs.push_back({"search_files",
                   "Search file contents with an ECMAScript regular expression; returns path:line: text for each "
                   "match (capped).",
                   object_schema({{"pattern", string_prop("ECMAScript regular expression")},
                                  {"path", string_prop("directory or file to search (default: the root)")},
                                  {"glob", string_prop("only files whose name (or path, if it has a /) matches, e.g. *.cpp")}},
                                 {"pattern"})});
  Value block = object_schema({{"search", string_prop("exact text that occurs once in the file")},
                               {"replace", string_prop("the text that replaces it")}},
                              {"search", "replace"});
  specs.push_back({"apply_patch",
                   "Edit files, all or nothing: either a unified diff (`diff`, with `path` when it has no file "
                   "headers), or exact search/replace on one file (`path` with `search` and `replace`, or `path` "
                   "with `blocks`). A search text must occur exactly once.",
                   object_schema({{"path", string_prop("the file to edit")},
                                  {"diff", string_prop("a unified diff")},
                                  {"search", string_prop("exact text that occurs once in the file")},
                                  {"replace", string_prop("the text that replaces it")},
                                  {"blocks", {{"type", "array"}, {"items", block}, {"description", "several edits in order"}}}},
                                 Value::array())});
  specs.push_back({"finish", "Call when the task is done (or cannot be done), with a summary of what was changed and why.",
                   object_schema({{"summary", string_prop("what was done, for the person reviewing it")}}, {"summary"})});
  return specs;
}

}  // namespace

const std::vector<llm::ToolSpec>& AgentToolbox::specs() {
  static const std::vector<llm::ToolSpec> k_specs = build_specs();
  return k_specs;
}

}  // namespace automata::tools::agent
