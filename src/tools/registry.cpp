#include "tools/registry.hpp"

#include "engine/step_kinds_builtin.hpp"
#include "tools/fs/fs_steps.hpp"
#include "tools/shell_step.hpp"

namespace automata::tools {

engine::StepKindRegistry builtin_step_kinds() {
  engine::StepKindRegistry kinds;
  kinds.add(make_fs_patch_kind());
  kinds.add(make_fs_read_kind());
  kinds.add(make_fs_write_kind());
  kinds.add(make_shell_kind());
  kinds.add(engine::make_sleep_kind());
  kinds.add(engine::make_wait_kind());
  kinds.add(engine::make_workflow_kind());
  return kinds;
}

}  // namespace automata::tools
