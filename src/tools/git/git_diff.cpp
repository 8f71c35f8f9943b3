// git.diff: what changed against a base (a commit; by default HEAD), in the
// working tree or at another commit: the files with their line counts, the
// stat and the patch as git prints them.
#include <fmt/format.h>

#include "tools/git/git_kinds.hpp"
#include "tools/git/git_support.hpp"

namespace automata::tools {
namespace {

using engine::ParamSpec;
using engine::ParamType;
using engine::StepContext;
using engine::StepResult;
using namespace automata::tools::git;

constexpr std::string_view k_kind = "git.diff";

std::string status_name(git_delta_t status) {
  switch (status) {
    case GIT_DELTA_ADDED:
    case GIT_DELTA_UNTRACKED:
      return "added";
    case GIT_DELTA_DELETED:
      return "deleted";
    case GIT_DELTA_RENAMED:
      return "renamed";
    case GIT_DELTA_COPIED:
      return "copied";
    case GIT_DELTA_TYPECHANGE:
      return "typechange";
    default:
      return "modified";
  }
}

Result<Tree> tree_of(git_commit* commit) {
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, commit) != 0) {
    return Error::failed(fmt::format("git.diff: cannot read a tree: {}", last_error()));
  }
  return Tree(tree);
}

class GitDiffKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "changes against a base: files, stat and patch"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        repo_param(),
        {"base", ParamType::string, false, "commit to compare against", "HEAD", {}},
        {"head", ParamType::string, false, "commit to compare (default: the working tree and index)", "", {}},
        {"merge_base", ParamType::boolean, false, "compare against the merge base of base and head (as base...head)",
         false, {}},
        {"untracked", ParamType::boolean, false, "count untracked files of the working tree as added", true, {}},
        {"paths", ParamType::list, false, "limit to these paths (or globs)", Value::array(), {}},
        {"context_lines", ParamType::integer, false, "lines of context in the patch", 3, {}},
        {"max_patch_bytes", ParamType::integer, false, "cut the patch output after this many bytes", 1000000, {}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    auto opened = open_repository(context, k_kind);
    if (!opened.ok()) {
      return StepResult::failure(opened.error().message, false);
    }
    git_repository* repo = opened.value().get();
    const std::string head_revision = params.value("head", std::string());
    auto base = resolve_commit(repo, params.value("base", std::string("HEAD")), k_kind);
    if (!base.ok()) {
      return StepResult::failure(base.error().message, false);
    }
    Commit head;
    if (!head_revision.empty()) {
      auto resolved = resolve_commit(repo, head_revision, k_kind);
      if (!resolved.ok()) {
        return StepResult::failure(resolved.error().message, false);
      }
      head = std::move(resolved.value());
    }
    if (params.value("merge_base", false)) {
      auto other = head ? resolve_commit(repo, head_revision, k_kind) : resolve_commit(repo, "HEAD", k_kind);
      if (!other.ok()) {
        return StepResult::failure(other.error().message, false);
      }
      git_oid merge_base;
      if (git_merge_base(&merge_base, repo, git_commit_id(base.value().get()), git_commit_id(other.value().get())) !=
          0) {
        return StepResult::failure(fmt::format("git.diff: no merge base: {}", last_error()), false);
      }
      base = resolve_commit(repo, oid_text(merge_base), k_kind);
      if (!base.ok()) {
        return StepResult::failure(base.error().message);
      }
    }
    std::vector<std::string> paths;
    for (const auto& path : params.value("paths", Value::array())) {
      paths.push_back(path.is_string() ? path.get<std::string>() : path.dump());
    }
    std::vector<char*> path_pointers;
    for (auto& path : paths) {
      path_pointers.push_back(path.data());
    }
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.context_lines = static_cast<std::uint32_t>(params.value("context_lines", 3));
    options.pathspec = {path_pointers.data(), path_pointers.size()};
    if (!head && params.value("untracked", true)) {
      options.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS | GIT_DIFF_SHOW_UNTRACKED_CONTENT;
    }
    auto base_tree = tree_of(base.value().get());
    if (!base_tree.ok()) {
      return StepResult::failure(base_tree.error().message);
    }
    git_diff* raw = nullptr;
    int status = 0;
    if (head) {
      auto head_tree = tree_of(head.get());
      if (!head_tree.ok()) {
        return StepResult::failure(head_tree.error().message);
      }
      status = git_diff_tree_to_tree(&raw, repo, base_tree.value().get(), head_tree.value().get(), &options);
    } else {
      status = git_diff_tree_to_workdir_with_index(&raw, repo, base_tree.value().get(), &options);
    }
    if (status != 0) {
      return StepResult::failure(fmt::format("git.diff: cannot compare: {}", last_error()));
    }
    Diff diff(raw);
    // Renames as git shows them by default (diff.renames), not a deletion
    // plus an addition.
    git_diff_find_options similar = GIT_DIFF_FIND_OPTIONS_INIT;
    similar.flags = GIT_DIFF_FIND_RENAMES;
    if (git_diff_find_similar(diff.get(), &similar) != 0) {
      return StepResult::failure(fmt::format("git.diff: cannot detect renames: {}", last_error()));
    }
    return describe(diff.get(), static_cast<std::size_t>(params.value("max_patch_bytes", 1000000)));
  }

 private:
  static StepResult describe(git_diff* diff, std::size_t max_patch_bytes) {
    Value files = Value::array();
    std::size_t insertions = 0;
    std::size_t deletions = 0;
    for (std::size_t i = 0; i < git_diff_num_deltas(diff); ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff, i);
      git_patch* raw_patch = nullptr;
      std::size_t added = 0;
      std::size_t removed = 0;
      if (git_patch_from_diff(&raw_patch, diff, i) == 0 && raw_patch != nullptr) {
        Patch patch(raw_patch);
        git_patch_line_stats(nullptr, &added, &removed, raw_patch);
      }
      insertions += added;
      deletions += removed;
      Value file = {{"path", delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path},
                    {"status", status_name(delta->status)},
                    {"insertions", added},
                    {"deletions", removed}};
      if (delta->status == GIT_DELTA_RENAMED || delta->status == GIT_DELTA_COPIED) {
        file["old_path"] = delta->old_file.path;
      }
      files.push_back(std::move(file));
    }
    git_diff_stats* raw_stats = nullptr;
    Buffer stat;
    if (git_diff_get_stats(&raw_stats, diff) != 0) {
      return StepResult::failure(fmt::format("git.diff: cannot count changes: {}", last_error()));
    }
    DiffStats stats(raw_stats);
    Buffer patch;
    if (git_diff_stats_to_buf(stat.get(), raw_stats, GIT_DIFF_STATS_FULL, 80) != 0 ||
        git_diff_to_buf(patch.get(), diff, GIT_DIFF_FORMAT_PATCH) != 0) {
      return StepResult::failure(fmt::format("git.diff: cannot format the diff: {}", last_error()));
    }
    std::string patch_text = patch.str();
    const bool truncated = patch_text.size() > max_patch_bytes;
    if (truncated) {
      patch_text.resize(max_patch_bytes);
    }
    const bool changed = !files.empty();
    return StepResult::success({{"changed", changed},
                                {"files", std::move(files)},
                                {"insertions", insertions},
                                {"deletions", deletions},
                                {"stat", changed ? stat.str() : std::string()},  // git prints nothing
                                {"patch", std::move(patch_text)},
                                {"patch_truncated", truncated}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_diff_kind() { return std::make_unique<GitDiffKind>(); }

}  // namespace automata::tools
