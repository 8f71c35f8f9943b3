// The file tools: thin wrappers over fs::Workspace (confinement, size limits,
// .git protected) and fs::apply_diff / apply_blocks (all or nothing).
#include <fnmatch.h>

#include <algorithm>
#include <fmt/format.h>
#include <regex>

#include "tools/agent/toolbox.hpp"
#include "tools/fs/line_range.hpp"
#include "tools/fs/patch.hpp"

namespace automata::tools::agent {
namespace {

namespace stdfs = std::filesystem;

constexpr std::size_t k_max_list_entries = 500;
constexpr std::size_t k_max_matches = 200;
// std::regex recurses per character: long lines risk the stack, so they are skipped.
constexpr std::size_t k_max_search_line = 2000;

ToolResult error(std::string message) {
  ToolResult result;
  result.content = std::move(message);
  result.is_error = true;
  return result;
}

std::string string_arg(const Value& args, const char* name) {
  const auto it = args.find(name);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<long long> integer_arg(const Value& args, const char* name) {
  const auto it = args.find(name);
  if (it == args.end() || !it->is_number()) {
    return std::nullopt;
  }
  return static_cast<long long>(it->get<double>());
}

// The workspace root when no path is given.
std::string dir_arg(const Value& args) {
  std::string path = string_arg(args, "path");
  return path.empty() ? std::string(".") : path;
}

std::string slash_path(const stdfs::path& path) { return path.empty() ? std::string(".") : path.generic_string(); }

}  // namespace

ToolResult AgentToolbox::read_file(const Value& args) const {
  const std::string path = string_arg(args, "path");
  auto file = m_workspace.read_text(path, m_options.max_file_bytes);
  if (!file.ok()) {
    return error(file.error().message);
  }
  const auto start = integer_arg(args, "start_line").value_or(1);
  const auto end = integer_arg(args, "end_line");
  if (start < 1 || (end && *end < start)) {
    return error("start_line must be at least 1 and end_line not before it");
  }
  auto range = fs::select_lines(file->content, static_cast<std::size_t>(start),
                                end ? std::optional<std::size_t>(static_cast<std::size_t>(*end)) : std::nullopt, path);
  if (!range.ok()) {
    return error(range.error().message);
  }
  ToolResult result;
  if (range->content.size() > m_options.max_output_bytes) {
    result.content = fmt::format("[lines {}-{} of {}: too long to show whole; the middle is cut. Read a smaller "
                                 "range with start_line and end_line]\n{}",
                                 range->first, range->last, range->total, range->content);
  } else if (range->first == 1 && range->last == range->total) {
    result.content = range->content;
  } else {
    result.content = fmt::format("[lines {}-{} of {}]\n{}", range->first, range->last, range->total, range->content);
  }
  return result;
}

ToolResult AgentToolbox::write_file(const Value& args) const {
  const std::string path = string_arg(args, "path");
  const std::string content = string_arg(args, "content");
  if (content.size() > m_options.max_file_bytes) {
    return error(fmt::format("refused: {} bytes is more than the {} a file may have", content.size(), m_options.max_file_bytes));
  }
  auto written = m_workspace.write_text(path, content, fs::WriteOptions{fs::WriteMode::overwrite, true});
  if (!written.ok()) {
    return error(written.error().message);
  }
  ToolResult result;
  result.content = fmt::format("{} {} ({} bytes)", written->created ? "created" : "wrote", slash_path(written->relative),
                               written->bytes);
  result.files_changed.push_back(slash_path(written->relative));
  return result;
}

ToolResult AgentToolbox::list_directory(const Value& args) const {
  auto resolved = m_workspace.resolve(dir_arg(args));
  if (!resolved.ok()) {
    return error(resolved.error().message);
  }
  std::error_code ec;
  if (!resolved->exists || !stdfs::is_directory(resolved->absolute, ec)) {
    return error(fmt::format("\"{}\" is not a directory", string_arg(args, "path")));
  }
  const long long depth = std::clamp<long long>(integer_arg(args, "depth").value_or(2), 1, 10);
  std::vector<std::string> entries;
  bool capped = false;
  // Directory symlinks are listed, not followed: they could lead out of the workspace.
  stdfs::recursive_directory_iterator it(resolved->absolute, stdfs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    const stdfs::path& entry = it->path();
    const bool is_dir = it->is_directory(ec) && !it->is_symlink(ec);
    if (entry.filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (entries.size() >= k_max_list_entries) {
      capped = true;
      break;
    }
    entries.push_back(slash_path(entry.lexically_relative(m_workspace.root())) + (is_dir ? "/" : ""));
    if (is_dir && it.depth() + 1 >= depth) {
      it.disable_recursion_pending();
    }
  }
  std::sort(entries.begin(), entries.end());
  ToolResult result;
  for (const auto& entry : entries) {
    result.content += entry + "\n";
  }
  if (entries.empty()) {
    result.content = "(empty)\n";
  }
  if (capped) {
    result.content += fmt::format("[listing stopped at {} entries: list a subdirectory]\n", k_max_list_entries);
  }
  return result;
}

ToolResult AgentToolbox::search_files(const Value& args) const {
  std::regex pattern;
  try {
    pattern = std::regex(string_arg(args, "pattern"), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return error(fmt::format("invalid regular expression: {}", e.what()));
  }
  auto resolved = m_workspace.resolve(dir_arg(args));
  if (!resolved.ok()) {
    return error(resolved.error().message);
  }
  if (!resolved->exists) {
    return error(fmt::format("\"{}\" does not exist", string_arg(args, "path")));
  }
  const std::string glob = string_arg(args, "glob");
  std::vector<stdfs::path> files;
  std::error_code ec;
  if (stdfs::is_regular_file(resolved->absolute, ec)) {
    files.push_back(resolved->relative);
  } else {
    stdfs::recursive_directory_iterator it(resolved->absolute, stdfs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
        continue;
      }
      const stdfs::path relative = it->path().lexically_relative(m_workspace.root());
      const std::string subject = glob.find('/') != std::string::npos ? relative.generic_string()
                                                                       : relative.filename().string();
      if (glob.empty() || fnmatch(glob.c_str(), subject.c_str(), 0) == 0) {
        files.push_back(relative);
      }
    }
    std::sort(files.begin(), files.end());
  }
  ToolResult result;
  std::size_t matches = 0;
  bool capped = false;
  try {
    for (const auto& file : files) {
      auto text = m_workspace.read_text(file.generic_string(), m_options.max_file_bytes);
      if (!text.ok()) {
        continue;  // binary, too large or unreadable: not text to search
      }
      std::size_t line_number = 0;
      std::size_t start = 0;
      const std::string& content = text->content;
      while (start < content.size() && !capped) {
        std::size_t end = content.find('\n', start);
        if (end == std::string::npos) {
          end = content.size();
        }
        ++line_number;
        const std::string_view line(content.data() + start, end - start);
        if (line.size() <= k_max_search_line && std::regex_search(line.begin(), line.end(), pattern)) {
          if (++matches > k_max_matches) {
            capped = true;
            break;
          }
          result.content += fmt::format("{}:{}: {}\n", file.generic_string(), line_number, line);
        }
        start = end + 1;
      }
      if (capped) {
        break;
      }
    }
  } catch (const std::regex_error& e) {
    return error(fmt::format("the regular expression failed: {}", e.what()));
  }
  if (capped) {
    result.content += fmt::format("[stopped after {} matches: narrow the pattern, path or glob]\n", k_max_matches);
  } else if (matches == 0) {
    result.content = "no matches\n";
  }
  return result;
}

ToolResult AgentToolbox::apply_patch(const Value& args) const {
  const std::string path = string_arg(args, "path");
  const bool has_diff = args.contains("diff") && args["diff"].is_string();
  const bool has_search = args.contains("search") && args["search"].is_string();
  const bool has_blocks = args.contains("blocks") && args["blocks"].is_array();
  if (int(has_diff) + int(has_search) + int(has_blocks) != 1) {
    return error("apply_patch: give exactly one of diff, search (with replace) or blocks");
  }
  Result<fs::PatchOutcome> outcome = Error::failed("");
  if (has_diff) {
    outcome = fs::apply_diff(m_workspace, args["diff"].get<std::string>(), path, m_options.max_file_bytes);
  } else {
    if (path.empty()) {
      return error("apply_patch: path is required with search/replace");
    }
    std::vector<fs::SearchReplace> blocks;
    if (has_search) {
      blocks.push_back({args["search"].get<std::string>(), string_arg(args, "replace")});
    } else {
      for (std::size_t i = 0; i < args["blocks"].size(); ++i) {
        const Value& block = args["blocks"][i];
        if (!block.is_object() || !block.contains("search") || !block["search"].is_string() ||
            (block.contains("replace") && !block["replace"].is_string())) {
          return error(fmt::format("apply_patch: blocks[{}] must be an object with a string search and replace", i));
        }
        blocks.push_back({block["search"].get<std::string>(), block.value("replace", std::string())});
      }
    }
    outcome = fs::apply_blocks(m_workspace, path, blocks, m_options.max_file_bytes);
  }
  if (!outcome.ok()) {
    return error(outcome.error().message);
  }
  ToolResult result;
  std::string files;
  for (const auto& file : outcome->files) {
    files += (files.empty() ? "" : ", ") + file;
  }
  result.content = fmt::format("applied {} {} to {}", outcome->hunks, outcome->hunks == 1 ? "edit" : "edits", files);
  result.files_changed = outcome->files;
  return result;
}

}  // namespace automata::tools::agent
