#pragma once
// Edits to workspace files, all or nothing: every file of a patch is read,
// checked and patched in memory first; only when all apply are they written
// (each atomically). A write that fails midway restores the files already
// written. Used by the fs.patch step kind and directly by the agent.
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "tools/fs/search_replace.hpp"
#include "tools/fs/workspace.hpp"

namespace automata::tools::fs {

struct PatchOutcome {
  std::vector<std::string> files;    // paths changed, created or deleted, in diff order
  std::vector<std::string> created;  // new files (--- /dev/null)
  std::vector<std::string> deleted;  // removed files (+++ /dev/null)
  std::size_t hunks = 0;             // hunks or search/replace blocks applied
};

// Applies a unified diff. `path`, when given, names the file of a diff that
// touches one file (its own headers are then ignored); it is required for a
// diff that is only hunks. Errors end with "; the file is unchanged" or
// "; no file was changed".
Result<PatchOutcome> apply_diff(const Workspace& workspace, std::string_view diff, std::string_view path = {},
                                std::size_t max_bytes = k_default_max_read_bytes);

// Applies search/replace blocks to one file.
Result<PatchOutcome> apply_blocks(const Workspace& workspace, std::string_view path,
                                  const std::vector<SearchReplace>& blocks,
                                  std::size_t max_bytes = k_default_max_read_bytes);

}  // namespace automata::tools::fs
