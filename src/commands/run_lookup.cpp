#include "commands/run_lookup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/control.hpp"

namespace automata::commands {

Result<RunRef> find_run(const Invocation& inv, const std::string& argument) {
  const engine::RunStore store = inv.store();
  TRY_ASSIGN(std::string id, store.resolve(argument));
  return RunRef{id, store.run_dir(id)};
}

bool run_is_live(const std::filesystem::path& dir) {
  const int fd = ::open((dir / "lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

Result<std::vector<Value>> read_records(const std::filesystem::path& dir) {
  TRY_ASSIGN(engine::JournalContents contents, engine::load_journal(dir / "journal.jsonl", nullptr));
  return std::move(contents.records);
}

Result<Value> run_status(const RunRef& run) {
  if (run_is_live(run.dir)) {
    auto live = engine::control_request(run.dir / "control.sock", Value{{"op", "status"}});
    if (live.ok() && live->is_object() && live->contains("run")) {
      Value status = std::move(live.value());
      status.erase("live");
      return status;
    }
  }
  TRY_ASSIGN(engine::RunState state, engine::replay_journal(run.dir / "journal.jsonl"));
  if ((state.status == "running" || (state.status == "paused" && state.paused_reason.empty())) &&
      !run_is_live(run.dir)) {
    // No process drives it: it was killed (SIGKILL, power loss) mid-run.
    state.status = "interrupted";
  }
  Value status = state.to_json(true);
  if (state.status == "interrupted" && status.contains("steps")) {
    // Nothing runs in an interrupted run: its unfinished steps say so.
    for (auto& [id, step] : status["steps"].items()) {
      if (step.value("status", std::string()) == "running") {
        step["status"] = "interrupted";
      }
    }
  }
  return status;
}

}  // namespace automata::commands
