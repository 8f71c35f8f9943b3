#include "engine/run_stage.hpp"

#include <doctest/doctest.h>

namespace automata::engine {

TEST_SUITE("run stage") {

TEST_CASE("a run that succeeds goes from its main steps straight to finally, then ends") {
  CHECK(next_stage(RunStage::main, false, StopMode::none) == RunStage::finally);
  CHECK(next_stage(RunStage::finally, false, StopMode::none) == RunStage::end);
  CHECK(next_stage(RunStage::end, false, StopMode::none) == RunStage::end);
}

TEST_CASE("a failed or rolled-back run compensates, runs on_failure, then finally") {
  for (const StopMode stop : {StopMode::none, StopMode::rollback}) {
    CHECK(next_stage(RunStage::main, true, stop) == RunStage::compensate);
    CHECK(next_stage(RunStage::compensate, true, stop) == RunStage::on_failure);
    CHECK(next_stage(RunStage::on_failure, true, stop) == RunStage::finally);
  }
}

TEST_CASE("a cancelled run compensates and skips on_failure") {
  CHECK(next_stage(RunStage::main, false, StopMode::cancel) == RunStage::compensate);
  CHECK(next_stage(RunStage::compensate, false, StopMode::cancel) == RunStage::finally);
  CHECK(next_stage(RunStage::compensate, true, StopMode::cancel) == RunStage::finally);
}

TEST_CASE("which stages schedule steps of the DAG, and of which phase") {
  CHECK(schedules_steps(RunStage::main));
  CHECK_FALSE(schedules_steps(RunStage::compensate));
  CHECK(schedules_steps(RunStage::on_failure));
  CHECK(schedules_steps(RunStage::finally));
  CHECK_FALSE(schedules_steps(RunStage::end));
  CHECK(phase_of(RunStage::on_failure) == Phase::on_failure);
  CHECK(phase_of(RunStage::finally) == Phase::finally);
  CHECK(phase_of(RunStage::main) == Phase::main);
  CHECK(std::string(stage_name(RunStage::compensate)) == "compensate");
}

}  // TEST_SUITE
}  // namespace automata::engine
