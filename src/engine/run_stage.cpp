#include "engine/run_stage.hpp"

namespace automata::engine {

RunStage next_stage(RunStage current, bool run_failed, StopMode stop) {
  switch (current) {
    case RunStage::main:
      return run_failed || stop == StopMode::cancel ? RunStage::compensate : RunStage::finally;
    case RunStage::compensate:
      return run_failed && stop != StopMode::cancel ? RunStage::on_failure : RunStage::finally;
    case RunStage::on_failure:
      return RunStage::finally;
    case RunStage::finally:
    case RunStage::end:
      return RunStage::end;
  }
  return RunStage::end;
}

bool schedules_steps(RunStage stage) {
  return stage == RunStage::main || stage == RunStage::on_failure || stage == RunStage::finally;
}

Phase phase_of(RunStage stage) {
  switch (stage) {
    case RunStage::on_failure:
      return Phase::on_failure;
    case RunStage::finally:
      return Phase::finally;
    default:
      return Phase::main;
  }
}

const char* stage_name(RunStage stage) {
  switch (stage) {
    case RunStage::main:
      return "main";
    case RunStage::compensate:
      return "compensate";
    case RunStage::on_failure:
      return "on_failure";
    case RunStage::finally:
      return "finally";
    case RunStage::end:
      return "end";
  }
  return "end";
}

}  // namespace automata::engine
