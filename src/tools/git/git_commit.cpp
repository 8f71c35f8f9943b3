// git.commit: stages all changes (or the listed paths, deletions included)
// and commits them. Nothing to commit is an outcome, not an error:
// {changed: false, commit: HEAD}.
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

constexpr std::string_view k_kind = "git.commit";

class PathSpec {
 public:
  explicit PathSpec(const std::vector<std::string>& paths) : m_paths(paths) {
    for (const auto& path : m_paths) {
      m_pointers.push_back(const_cast<char*>(path.c_str()));
    }
    m_spec.strings = m_pointers.data();
    m_spec.count = m_pointers.size();
  }
  const git_strarray* get() const { return &m_spec; }

 private:
  std::vector<std::string> m_paths;
  std::vector<char*> m_pointers;
  git_strarray m_spec{};
};

// Paths that differ between two trees (either may be null).
Result<std::vector<std::string>> changed_files(git_repository* repo, git_tree* from, git_tree* to) {
  git_diff* raw = nullptr;
  if (git_diff_tree_to_tree(&raw, repo, from, to, nullptr) != 0) {
    return Error::failed(fmt::format("git.commit: cannot compare trees: {}", last_error()));
  }
  Diff diff(raw);
  std::vector<std::string> files;
  for (std::size_t i = 0; i < git_diff_num_deltas(raw); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(raw, i);
    files.emplace_back(delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path);
  }
  return files;
}

class GitCommitKind final : public engine::StepKind {
 public:
  std::string_view name() const override { return k_kind; }
  std::string_view summary() const override { return "commit all or the listed paths"; }
  const std::vector<ParamSpec>& params() const override {
    static const std::vector<ParamSpec> k_params = {
        repo_param(),
        {"message", ParamType::string, true, "commit message", nullptr, {}},
        {"paths", ParamType::list, false, "paths (or globs) to commit (default: every change)", Value::array(), {}},
        {"author_name", ParamType::string, false, "author (default: user.name)", "", {}},
        {"author_email", ParamType::string, false, "author's email (default: user.email)", "", {}},
        {"allow_empty", ParamType::boolean, false, "commit even when nothing changed", false, {}}};
    return k_params;
  }

  StepResult execute(StepContext& context) override {
    const Value& params = context.params();
    auto opened = open_repository(context, k_kind);
    if (!opened.ok()) {
      return StepResult::failure(opened.error().message, false);
    }
    git_repository* repo = opened.value().get();
    std::vector<std::string> paths;
    for (const auto& path : params.value("paths", Value::array())) {
      paths.push_back(path.is_string() ? path.get<std::string>() : path.dump());
    }
    if (paths.empty()) {
      paths.emplace_back("*");
    }
    const PathSpec spec(paths);
    git_index* raw_index = nullptr;
    if (git_repository_index(&raw_index, repo) != 0) {
      return StepResult::failure(fmt::format("git.commit: cannot read the index: {}", last_error()));
    }
    Index index(raw_index);
    git_oid tree_id;
    if (git_index_add_all(raw_index, spec.get(), GIT_INDEX_ADD_DEFAULT, nullptr, nullptr) != 0 ||
        git_index_update_all(raw_index, spec.get(), nullptr, nullptr) != 0 || git_index_write(raw_index) != 0 ||
        git_index_write_tree(&tree_id, raw_index) != 0) {
      return StepResult::failure(fmt::format("git.commit: cannot stage the changes: {}", last_error()), false);
    }
    git_tree* raw_tree = nullptr;
    if (git_tree_lookup(&raw_tree, repo, &tree_id) != 0) {
      return StepResult::failure(fmt::format("git.commit: cannot read the staged tree: {}", last_error()));
    }
    Tree tree(raw_tree);
    auto parent = head_commit(repo, k_kind);
    if (!parent.ok()) {
      return StepResult::failure(parent.error().message, false);
    }
    Tree parent_tree;
    if (parent.value()) {
      git_tree* raw_parent_tree = nullptr;
      if (git_commit_tree(&raw_parent_tree, parent.value().get()) != 0) {
        return StepResult::failure(fmt::format("git.commit: cannot read HEAD's tree: {}", last_error()));
      }
      parent_tree.reset(raw_parent_tree);
    }
    auto files = changed_files(repo, parent_tree.get(), tree.get());
    if (!files.ok()) {
      return StepResult::failure(files.error().message);
    }
    Value file_list = Value::array();
    for (const auto& file : files.value()) {
      file_list.push_back(file);
    }
    if (files.value().empty() && parent.value() && !params.value("allow_empty", false)) {
      return StepResult::success({{"commit", oid_text(*git_commit_id(parent.value().get()))},
                                  {"changed", false},
                                  {"files", file_list}});
    }
    auto author = author_signature(repo, params, k_kind);
    if (!author.ok()) {
      return StepResult::failure(author.error().message, false);
    }
    const std::string message = params.value("message", std::string());
    git_oid commit_id;
    const git_commit* parents[] = {parent.value().get()};
    if (git_commit_create(&commit_id, repo, "HEAD", author.value().get(), author.value().get(), nullptr,
                          message.c_str(), tree.get(), parent.value() ? 1 : 0, parents) != 0) {
      return StepResult::failure(fmt::format("git.commit: cannot commit: {}", last_error()));
    }
    return StepResult::success({{"commit", oid_text(commit_id)}, {"changed", true}, {"files", file_list}});
  }
};

}  // namespace

std::unique_ptr<engine::StepKind> make_git_commit_kind() { return std::make_unique<GitCommitKind>(); }

}  // namespace automata::tools
