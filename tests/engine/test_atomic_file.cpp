#include "engine/atomic_file.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <sys/stat.h>

#include <fmt/format.h>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::engine;

namespace {

std::set<std::string> entries(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return 0;
  }
  return info.st_mode & 07777;
}

// Sets the umask for one scope: mkdir and open filter their modes through it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : m_old(::umask(mask)) {}
  ~ScopedUmask() { ::umask(m_old); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t m_old;
};

}  // namespace

TEST_SUITE("atomic file") {
  TEST_CASE("write_file_atomic creates a 0600 file and leaves no temp file") {
    test::ScratchDir dir;
    const auto file = dir / "run.json";
    REQUIRE(write_file_atomic(file, "{\"status\":\"running\"}\n").ok());
    CHECK(test::read_file(file) == "{\"status\":\"running\"}\n");
    CHECK(mode_of(file) == 0600);
    CHECK(entries(dir.path()) == std::set<std::string>{"run.json"});
  }

  TEST_CASE("write_file_atomic replaces content and mode") {
    test::ScratchDir dir;
    const auto file = dir.write("run.json", "old content that is longer than the new one");
    ::chmod(file.c_str(), 0644);
    REQUIRE(write_file_atomic(file, "new").ok());
    CHECK(test::read_file(file) == "new");
    CHECK(mode_of(file) == 0600);

    const ScopedUmask umask(077);
    REQUIRE(write_file_atomic(file, "", 0644).ok());
    CHECK(test::read_file(file).empty());
    CHECK(mode_of(file) == 0644);
    CHECK(entries(dir.path()) == std::set<std::string>{"run.json"});
  }

  TEST_CASE("write_file_atomic failures name the path and clean up") {
    test::ScratchDir dir;
    const auto missing = dir / "missing" / "run.json";
    const auto no_dir = write_file_atomic(missing, "x");
    REQUIRE_FALSE(no_dir.ok());
    CHECK(no_dir.error().code == Errc::infra);
    CHECK(no_dir.error().message == fmt::format("cannot write {}: No such file or directory", missing.string()));

    // rename(2) onto a directory fails after the temp file was written.
    std::filesystem::create_directory(dir / "target");
    const auto onto_dir = write_file_atomic(dir / "target", "x");
    REQUIRE_FALSE(onto_dir.ok());
    CHECK(onto_dir.error().message == fmt::format("cannot write {}: Is a directory", (dir / "target").string()));
    CHECK(entries(dir.path()) == std::set<std::string>{"target"});
  }

  TEST_CASE("create_private_directories makes each new directory 0700 whatever the umask") {
    test::ScratchDir dir;
    std::filesystem::create_directory(dir / "runs");
    ::chmod((dir / "runs").c_str(), 0755);
    {
      const ScopedUmask umask(0277);
      REQUIRE(create_private_directories(dir / "runs" / "20261121T153012Z-7f3a9c" / "logs/").ok());
    }
    CHECK(mode_of(dir / "runs") == 0755);
    CHECK(mode_of(dir / "runs" / "20261121T153012Z-7f3a9c") == 0700);
    CHECK(mode_of(dir / "runs" / "20261121T153012Z-7f3a9c" / "logs") == 0700);
    CHECK(create_private_directories(dir / "runs" / "20261121T153012Z-7f3a9c" / "logs").ok());
  }

  TEST_CASE("create_private_directories refuses a file in the way") {
    test::ScratchDir dir;
    const auto file = dir.write("runs", "not a directory");
    const auto result = create_private_directories(dir / "runs" / "x");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == Errc::infra);
    CHECK(result.error().message == fmt::format("cannot create directory {}: Not a directory", file.string()));
  }
}
