#include "tools/agent/prompt.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "tools/agent/truncate.hpp"

namespace automata::tools::agent {
namespace {

namespace stdfs = std::filesystem;

constexpr int k_tree_depth = 3;

constexpr std::string_view k_role =
    "You are a coding agent working in a repository checked out in your workspace. You act only through the "
    "tools you are given; every path is relative to the workspace root and cannot leave it.\n"
    "\n"
    "How to work:\n"
    "- Look before you change: list_directory, search_files and read_file show the code.\n"
    "- Change files with apply_patch (exact search/replace or a unified diff) or write_file for new files.\n"
    "- run_shell_command runs one bash command in a fresh shell, in the workspace root, with a time limit; "
    "use it to build and run the tests. Destructive and interactive commands are refused.\n"
    "- A tool result marked as an error says what went wrong: fix the call instead of repeating it.\n"
    "- Make the smallest change that does the task; keep the project's style.\n"
    "- When the task is done (or cannot be done), call finish with a summary of what you changed and why. "
    "Every reply must call a tool; text alone does not advance the work.\n";

}  // namespace

std::string build_system_prompt(const PromptInputs& inputs) {
  std::string prompt(k_role);
  if (!inputs.instructions.empty()) {
    prompt += "\n## Instructions\n\n" + inputs.instructions + "\n";
  }
  prompt += "\n## Task\n\n";
  if (!inputs.task.title.empty()) {
    prompt += "Title: " + inputs.task.title + "\n\n";
  }
  if (!inputs.task.description.empty()) {
    prompt += inputs.task.description + "\n";
  }
  if (!inputs.task.requirements.empty()) {
    prompt += "\nRequirements (each must hold when you call finish):\n";
    for (const auto& requirement : inputs.task.requirements) {
      prompt += "- " + requirement + "\n";
    }
  }
  if (!inputs.plan.empty()) {
    prompt += "\n## Implementation plan\n\nFollow this plan; where the code shows it is wrong, do the better thing "
              "and say so in your summary.\n\n" +
              inputs.plan;
  }
  if (!inputs.overview.empty()) {
    prompt += "\n## Repository overview\n\n" + inputs.overview;
  }
  return prompt;
}

std::string plan_text(const Value& plan) {
  if (plan.is_null() || (plan.is_string() && plan.get<std::string>().empty())) {
    return {};
  }
  if (plan.is_string()) {
    std::string text = plan.get<std::string>();
    return text.back() == '\n' ? text : text + "\n";
  }
  if (!plan.is_object()) {
    return plan.dump(2) + "\n";
  }
  const auto text_of = [](const Value& item) { return item.is_string() ? item.get<std::string>() : item.dump(); };
  std::string text;
  if (const auto summary = plan.find("summary"); summary != plan.end() && summary->is_string()) {
    text += summary->get<std::string>() + "\n\n";
  }
  const auto list = [&](const char* key, const char* heading, bool numbered) {
    const auto found = plan.find(key);
    if (found == plan.end() || !found->is_array() || found->empty()) {
      return;
    }
    text += std::string(heading) + ":\n";
    int n = 0;
    for (const auto& item : *found) {
      text += numbered ? fmt::format("{}. {}\n", ++n, text_of(item)) : fmt::format("- {}\n", text_of(item));
    }
    text += "\n";
  };
  list("steps", "Steps", true);
  list("files_to_create", "Files to create", false);
  list("files_to_modify", "Files to modify", false);
  list("validation", "Validation criteria", false);
  if (text.empty()) {
    return plan.dump(2) + "\n";
  }
  text.pop_back();  // one blank line between sections, none at the end
  return text;
}

std::string first_user_message(const AgentTask& task) {
  const std::string what = task.title.empty() ? std::string("the task") : fmt::format("the task \"{}\"", task.title);
  return fmt::format("Work on {} described in the system prompt. Call finish with a summary when it is done.", what);
}

std::string repository_overview(const fs::Workspace& workspace, std::size_t max_entries, std::size_t readme_bytes) {
  std::vector<std::string> entries;
  bool capped = false;
  std::error_code ec;
  stdfs::recursive_directory_iterator it(workspace.root(), stdfs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    const bool is_dir = it->is_directory(ec) && !it->is_symlink(ec);
    if (it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (entries.size() >= max_entries) {
      capped = true;
      break;
    }
    entries.push_back(it->path().lexically_relative(workspace.root()).generic_string() + (is_dir ? "/" : ""));
    if (is_dir && it.depth() + 1 >= k_tree_depth) {
      it.disable_recursion_pending();
    }
  }
  std::sort(entries.begin(), entries.end());
  std::string overview = "Files:\n";
  for (const auto& entry : entries) {
    overview += entry + "\n";
  }
  if (entries.empty()) {
    overview += "(the workspace is empty)\n";
  }
  if (capped) {
    overview += fmt::format("[... more; the first {} entries are shown]\n", max_entries);
  }
  for (const char* name : {"README.md", "README", "README.rst", "README.txt", "readme.md"}) {
    auto readme = workspace.read_text(name);
    if (readme.ok()) {
      std::size_t cut = std::min(readme_bytes, readme->content.size());
      while (cut > 0 && cut < readme->content.size() && (static_cast<unsigned char>(readme->content[cut]) & 0xC0) == 0x80) {
        --cut;  // not inside a UTF-8 sequence
      }
      std::string head = readme->content.substr(0, cut);
      overview += fmt::format("\n{} ({}):\n{}", name,
                              head.size() < readme->content.size() ? fmt::format("first {} bytes", head.size())
                                                                   : std::string("whole"),
                              head);
      if (!head.empty() && head.back() != '\n') {
        overview += "\n";
      }
      break;
    }
  }
  return overview;
}

}  // namespace automata::tools::agent
