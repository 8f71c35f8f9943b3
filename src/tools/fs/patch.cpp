#include "tools/fs/patch.hpp"

#include <optional>

#include <fmt/format.h>

#include "tools/fs/unified_diff.hpp"

namespace automata::tools::fs {
namespace {

// One file's change, computed before anything is written.
struct PlannedChange {
  std::string path;                     // as the diff or caller named it
  std::string key;                      // resolved relative path
  std::optional<std::string> original;  // nullopt: the file does not exist yet
  std::optional<std::string> result;    // nullopt: delete the file
};

std::string unchanged_suffix(std::size_t files) {
  return files > 1 ? "; no file was changed" : "; the file is unchanged";
}

Error with_suffix(const Error& error, std::size_t files) {
  return Error::failed(error.message + unchanged_suffix(files));
}

PlannedChange* find_planned(std::vector<PlannedChange>& plan, const std::string& key) {
  for (auto& change : plan) {
    if (change.key == key) {
      return &change;
    }
  }
  return nullptr;
}

// The current content of a file as the plan sees it (an earlier part of the
// same patch may have changed it already).
Result<std::optional<std::string>> planned_content(const Workspace& workspace, std::vector<PlannedChange>& plan,
                                                   const std::string& path, const ResolvedPath& resolved,
                                                   std::size_t max_bytes) {
  if (const auto* earlier = find_planned(plan, resolved.relative.string())) {
    return earlier->result;
  }
  if (!resolved.exists) {
    return std::optional<std::string>();
  }
  TRY_ASSIGN(auto file, workspace.read_text(path, max_bytes));
  return std::optional<std::string>(std::move(file.content));
}

void record(std::vector<PlannedChange>& plan, const std::string& path, const ResolvedPath& resolved,
            std::optional<std::string> before, std::optional<std::string> after) {
  if (auto* earlier = find_planned(plan, resolved.relative.string())) {
    earlier->result = std::move(after);
    return;
  }
  plan.push_back({path, resolved.relative.string(), std::move(before), std::move(after)});
}

// Writes the plan; on a failure, puts back what was already changed.
Result<void> commit(const Workspace& workspace, const std::vector<PlannedChange>& plan) {
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& change = plan[i];
    Result<void> done;
    if (change.result) {
      // A new file of a diff may be in a new directory.
      const WriteOptions options{change.original ? WriteMode::overwrite : WriteMode::create, !change.original};
      auto written = workspace.write_text(change.key, *change.result, options);
      if (!written.ok()) {
        done = std::move(written).error();
      }
    } else if (change.original) {
      done = workspace.remove_file(change.key);
    }
    if (done.ok()) {
      continue;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const auto& undo = plan[j];
      if (undo.original) {
        (void)workspace.write_text(undo.key, *undo.original, WriteOptions{WriteMode::overwrite, false});
      } else if (undo.result) {
        (void)workspace.remove_file(undo.key);
      }
    }
    return Error::failed(done.error().message + (i > 0 ? "; the files written before it were restored" : ""));
  }
  return {};
}

// "a/x.c" is read as x.c (git's prefix) unless only a/x.c exists.
void use_path_as_written(const Workspace& workspace, FileDiff& file) {
  if (file.old_path.empty() || file.old_as_written == file.old_path) {
    return;
  }
  const auto exists = [&](const std::string& path) {
    auto resolved = workspace.resolve(path);
    return resolved.ok() && resolved->exists;
  };
  if (exists(file.old_path) || !exists(file.old_as_written)) {
    return;
  }
  if (file.new_path == file.old_path) {
    file.new_path = file.old_as_written;
  }
  file.old_path = file.old_as_written;
}

PatchOutcome outcome_of(const std::vector<PlannedChange>& plan, std::size_t hunks) {
  PatchOutcome outcome;
  outcome.hunks = hunks;
  for (const auto& change : plan) {
    outcome.files.push_back(change.path);
    if (!change.original && change.result) {
      outcome.created.push_back(change.path);
    } else if (change.original && !change.result) {
      outcome.deleted.push_back(change.path);
    }
  }
  return outcome;
}

}  // namespace

Result<PatchOutcome> apply_diff(const Workspace& workspace, std::string_view diff, std::string_view path,
                                std::size_t max_bytes) {
  auto parsed = parse_unified_diff(diff);
  if (!parsed.ok()) {
    return Error::failed(parsed.error().message + "; no file was changed");
  }
  auto files = std::move(parsed.value());
  const std::size_t count = files.size();
  if (!path.empty()) {
    if (count > 1) {
      return Error::failed(fmt::format(
          "path {} was given but the diff changes {} files; leave path out for a multi-file diff; no file was changed",
          path, count));
    }
    // The caller's path wins; a /dev/null side keeps its meaning.
    auto& file = files[0];
    const bool creating = file.old_path.empty() && !file.new_path.empty();
    const bool deleting = file.new_path.empty() && !file.old_path.empty();
    file.old_path = creating ? std::string() : std::string(path);
    file.new_path = deleting ? std::string() : std::string(path);
  } else if (files[0].old_path.empty() && files[0].new_path.empty()) {
    return Error::failed("the diff names no file (no ---/+++ lines); give path; no file was changed");
  } else {
    for (auto& file : files) {
      use_path_as_written(workspace, file);
    }
  }

  std::vector<PlannedChange> plan;
  std::size_t hunks = 0;
  for (const auto& file : files) {
    const bool creating = file.old_path.empty();
    const bool deleting = file.new_path.empty();
    const std::string& source = creating ? file.new_path : file.old_path;
    auto resolved = workspace.resolve_for_write(source);
    if (!resolved.ok()) {
      return with_suffix(resolved.error(), count);
    }
    auto before = planned_content(workspace, plan, source, resolved.value(), max_bytes);
    if (!before.ok()) {
      return with_suffix(before.error(), count);
    }
    if (creating && before.value()) {
      return with_suffix(Error::failed(fmt::format("cannot create {}: it already exists", source)), count);
    }
    if (!creating && !before.value()) {
      return with_suffix(Error::failed(fmt::format("cannot patch {}: no such file", source)), count);
    }
    auto after = apply_hunks(before.value().value_or(""), file.hunks, file.path());
    if (!after.ok()) {
      return with_suffix(after.error(), count);
    }
    hunks += file.hunks.size();
    if (deleting) {
      if (!after.value().empty()) {
        return with_suffix(
            Error::failed(fmt::format("cannot delete {}: the diff removes only part of it ({} bytes would be left)",
                                      source, after.value().size())),
            count);
      }
      record(plan, source, resolved.value(), before.value(), std::nullopt);
      continue;
    }
    Result<ResolvedPath> target = creating ? resolved : workspace.resolve_for_write(file.new_path);
    if (!target.ok()) {
      return with_suffix(target.error(), count);
    }
    if (target.value().relative != resolved.value().relative) {
      // A rename: the old file goes, the new one must not exist.
      if (target.value().exists || find_planned(plan, target.value().relative.string())) {
        return with_suffix(Error::failed(fmt::format("cannot rename {} to {}: {} already exists", source, file.new_path,
                                                     file.new_path)),
                           count);
      }
      record(plan, source, resolved.value(), before.value(), std::nullopt);
      record(plan, file.new_path, target.value(), std::nullopt, std::move(after.value()));
      continue;
    }
    record(plan, source, resolved.value(), before.value(), std::move(after.value()));
  }
  if (auto committed = commit(workspace, plan); !committed.ok()) {
    return committed.error();
  }
  return outcome_of(plan, hunks);
}

Result<PatchOutcome> apply_blocks(const Workspace& workspace, std::string_view path,
                                  const std::vector<SearchReplace>& blocks, std::size_t max_bytes) {
  if (blocks.empty()) {
    return Error::failed("no search/replace block given; the file is unchanged");
  }
  auto resolved = workspace.resolve_for_write(path);
  if (!resolved.ok()) {
    return with_suffix(resolved.error(), 1);
  }
  auto file = workspace.read_text(path, max_bytes);
  if (!file.ok()) {
    return with_suffix(file.error(), 1);
  }
  auto after = apply_search_replace(file.value().content, blocks, path);
  if (!after.ok()) {
    return with_suffix(after.error(), 1);
  }
  std::vector<PlannedChange> plan;
  record(plan, std::string(path), resolved.value(), std::move(file.value().content), std::move(after.value()));
  if (auto committed = commit(workspace, plan); !committed.ok()) {
    return committed.error();
  }
  return outcome_of(plan, blocks.size());
}

}  // namespace automata::tools::fs
