#include "engine/run_lock.hpp"

#include <doctest/doctest.h>

#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::engine;

namespace {

// Runs try_acquire in a child process: exit 0 when it is refused with the
// message naming `holder`, 1 when it succeeds, 2 for any other failure.
int acquire_in_child(const std::filesystem::path& run_dir, pid_t holder) {
  const pid_t child = ::fork();
  if (child == 0) {
    auto lock = RunLock::try_acquire(run_dir);
    if (lock.ok()) {
      ::_exit(1);
    }
    const std::string expected =
        fmt::format("run {} is being driven by another process (pid {})", run_dir.filename().string(), holder);
    ::_exit(lock.error().message == expected ? 0 : 2);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_SUITE("run lock") {
  TEST_CASE("the lock file is created 0600 and holds the pid") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    CHECK(lock->run_dir() == dir.path());
    CHECK(test::read_file(dir / "lock") == fmt::format("{}\n", ::getpid()));
    struct stat info {};
    REQUIRE(::stat((dir / "lock").c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
  }

  TEST_CASE("a second lock in the same process is refused until the first is released") {
    test::ScratchDir dir;
    const std::string id = dir.path().filename().string();
    {
      auto first = RunLock::try_acquire(dir.path());
      REQUIRE(first.ok());
      auto second = RunLock::try_acquire(dir.path());
      REQUIRE_FALSE(second.ok());
      CHECK(second.error().code == Errc::infra);
      CHECK(second.error().message ==
            fmt::format("run {} is being driven by another process (pid {})", id, ::getpid()));
      CHECK(second.error().hint == fmt::format("wait for it to finish, or `automata cancel {}`", id));

      // A trailing separator names the same run.
      auto slash = RunLock::try_acquire(dir.path().string() + "/");
      REQUIRE_FALSE(slash.ok());
      CHECK(slash.error().message == second.error().message);
    }
    CHECK(RunLock::try_acquire(dir.path()).ok());
  }

  TEST_CASE("moving a lock keeps it held") {
    test::ScratchDir dir;
    auto acquired = RunLock::try_acquire(dir.path());
    REQUIRE(acquired.ok());
    RunLock moved = std::move(*acquired);
    { RunLock discarded = std::move(*acquired); }  // the moved-from lock releases nothing
    CHECK_FALSE(RunLock::try_acquire(dir.path()).ok());

    test::ScratchDir other_dir;
    auto other = RunLock::try_acquire(other_dir.path());
    REQUIRE(other.ok());
    moved = std::move(*other);  // releases the first run's lock
    CHECK(moved.run_dir() == other_dir.path());
    CHECK(RunLock::try_acquire(dir.path()).ok());
    CHECK_FALSE(RunLock::try_acquire(other_dir.path()).ok());
  }

  TEST_CASE("another process cannot take a held lock") {
    test::ScratchDir dir;
    {
      auto lock = RunLock::try_acquire(dir.path());
      REQUIRE(lock.ok());
      CHECK(acquire_in_child(dir.path(), ::getpid()) == 0);
    }
    CHECK(acquire_in_child(dir.path(), ::getpid()) == 1);
  }

  TEST_CASE("a missing run directory is an error") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir / "missing");
    REQUIRE_FALSE(lock.ok());
    CHECK(lock.error().code == Errc::infra);
    CHECK(lock.error().message ==
          fmt::format("cannot open {}: No such file or directory", (dir / "missing" / "lock").string()));
  }
}
