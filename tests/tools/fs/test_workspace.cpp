// Workspace: confinement of every path (.., absolute, symlinks), size and
// text checks on reads, atomic writes that keep the mode.
#include "tools/fs/workspace.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::tools::fs;
using automata::test::read_file;
using automata::test::ScratchDir;
namespace stdfs = std::filesystem;

namespace {

// A workspace "ws" inside a scratch directory, with "outside.txt" next to it.
struct Fixture {
  ScratchDir dir;
  stdfs::path root = dir / "ws";
  Workspace workspace = [this] {
    stdfs::create_directories(root);
    dir.write("outside.txt", "secret\n");
    return Workspace::open(root).value();
  }();
  std::string canonical_root() const { return stdfs::canonical(root).string(); }
};

std::string error_of(const Result<TextFile>& result) { return result.ok() ? "(ok)" : result.error().message; }
std::string error_of(const Result<WriteOutcome>& result) { return result.ok() ? "(ok)" : result.error().message; }
std::string error_of(const Result<ResolvedPath>& result) { return result.ok() ? "(ok)" : result.error().message; }

}  // namespace

TEST_SUITE("fs workspace") {

TEST_CASE("paths that climb out with .. are refused") {
  Fixture f;
  const auto root = f.canonical_root();
  CHECK(error_of(f.workspace.resolve("../outside.txt")) ==
        fmt::format("refused \"../outside.txt\": \"..\" leads out of the workspace {}; give a path inside it", root));
  CHECK(error_of(f.workspace.resolve("a/../../outside.txt")) ==
        fmt::format("refused \"a/../../outside.txt\": \"..\" leads out of the workspace {}; give a path inside it",
                    root));
  CHECK(error_of(f.workspace.read_text("..")) ==
        fmt::format("refused \"..\": \"..\" leads out of the workspace {}; give a path inside it", root));
  // Staying inside is fine.
  f.dir.write("ws/b.txt", "b\n");
  CHECK(f.workspace.read_text("a/../b.txt").value().content == "b\n");
  CHECK(f.workspace.read_text("./b.txt").value().content == "b\n");
}

TEST_CASE("absolute paths outside are refused, inside are accepted") {
  Fixture f;
  const auto root = f.canonical_root();
  CHECK(error_of(f.workspace.read_text((f.dir / "outside.txt").string())) ==
        fmt::format("refused \"{}\": an absolute path outside the workspace {}; give a path inside it",
                    (f.dir / "outside.txt").string(), root));
  CHECK(error_of(f.workspace.read_text("/etc/passwd")) ==
        fmt::format("refused \"/etc/passwd\": an absolute path outside the workspace {}; give a path inside it", root));
  f.dir.write("ws/in.txt", "in\n");
  CHECK(f.workspace.read_text(root + "/in.txt").value().content == "in\n");
  CHECK(error_of(f.workspace.write_text("/tmp/automata-escape.txt", "x", {})) ==
        fmt::format("refused \"/tmp/automata-escape.txt\": an absolute path outside the workspace {}; give a path "
                    "inside it",
                    root));
  CHECK_FALSE(stdfs::exists("/tmp/automata-escape.txt"));
}

TEST_CASE("symlinks that lead out are refused for reads and writes") {
  Fixture f;
  const auto root = f.canonical_root();
  const auto outside_dir = stdfs::canonical(f.dir.path());
  stdfs::create_symlink(f.dir / "outside.txt", f.root / "file-link");
  stdfs::create_directory_symlink(f.dir.path(), f.root / "dir-link");
  CHECK(error_of(f.workspace.read_text("file-link")) ==
        fmt::format("refused \"file-link\": \"file-link\" is a symlink to {}, outside the workspace {}",
                    (outside_dir / "outside.txt").string(), root));
  CHECK(error_of(f.workspace.read_text("dir-link/outside.txt")) ==
        fmt::format("refused \"dir-link/outside.txt\": \"dir-link\" is a symlink to {}, outside the workspace {}",
                    outside_dir.string(), root));
  CHECK(error_of(f.workspace.write_text("file-link", "pwned\n", {})) ==
        fmt::format("refused \"file-link\": \"file-link\" is a symlink to {}, outside the workspace {}",
                    (outside_dir / "outside.txt").string(), root));
  CHECK(error_of(f.workspace.write_text("dir-link/new.txt", "pwned\n", {})) ==
        fmt::format("refused \"dir-link/new.txt\": \"dir-link\" is a symlink to {}, outside the workspace {}",
                    outside_dir.string(), root));
  CHECK(read_file(f.dir / "outside.txt") == "secret\n");
  CHECK_FALSE(stdfs::exists(f.dir / "new.txt"));
}

TEST_CASE("a dangling symlink is refused rather than written through") {
  Fixture f;
  stdfs::create_symlink(f.dir / "not-yet.txt", f.root / "dangling");
  CHECK(error_of(f.workspace.write_text("dangling", "x", {})) ==
        fmt::format("refused \"dangling\": \"dangling\" is a symlink to {}, which does not exist",
                    (f.dir / "not-yet.txt").string()));
  CHECK_FALSE(stdfs::exists(f.dir / "not-yet.txt"));
}

TEST_CASE("symlinks inside that point inside are followed") {
  Fixture f;
  f.dir.write("ws/src/real.txt", "real\n");
  stdfs::create_symlink("src/real.txt", f.root / "alias.txt");
  stdfs::create_directory_symlink("src", f.root / "source");
  CHECK(f.workspace.read_text("alias.txt").value().content == "real\n");
  CHECK(f.workspace.read_text("source/real.txt").value().content == "real\n");
  const auto resolved = f.workspace.resolve("source/real.txt").value();
  CHECK(resolved.relative == "src/real.txt");
  // Writing through the link changes the target and keeps the link.
  REQUIRE(f.workspace.write_text("alias.txt", "changed\n", {}).ok());
  CHECK(read_file(f.root / "src/real.txt") == "changed\n");
  CHECK(stdfs::is_symlink(f.root / "alias.txt"));
}

TEST_CASE("the size limit refuses larger files") {
  Fixture f;
  f.dir.write("ws/big.txt", std::string(2000, 'x'));
  CHECK(error_of(f.workspace.read_text("big.txt", 1000)) ==
        "refused \"big.txt\": 2000 bytes is over the read limit of 1000 bytes (max_bytes)");
  CHECK(f.workspace.read_text("big.txt", 2000).ok());
}

TEST_CASE("binary and non-UTF-8 files are refused") {
  Fixture f;
  f.dir.write("ws/nul.bin", std::string("ab\0cd", 5));
  f.dir.write("ws/latin1.txt", "caf\xe9\n");
  CHECK(error_of(f.workspace.read_text("nul.bin")) ==
        "refused \"nul.bin\": it contains a NUL byte at offset 2 (a binary file); file tools handle text only");
  CHECK(error_of(f.workspace.read_text("latin1.txt")) ==
        "refused \"latin1.txt\": it is not valid UTF-8 (line 1, byte offset 3): a binary file or another encoding; "
        "file tools handle text only");
  f.dir.write("ws/utf8.txt", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n");
  CHECK(f.workspace.read_text("utf8.txt").ok());
}

TEST_CASE("missing files, directories and the root") {
  Fixture f;
  stdfs::create_directories(f.root / "sub");
  CHECK(error_of(f.workspace.read_text("nope.txt")) == "cannot read \"nope.txt\": no such file");
  CHECK(error_of(f.workspace.read_text("sub")) == "cannot read \"sub\": it is a directory, not a file");
  CHECK(error_of(f.workspace.write_text(".", "x", {})) == "refused \".\": it is the workspace root, not a file");
  CHECK(error_of(f.workspace.read_text("")) == "refused \"\": the path is empty; name a file inside the workspace");
}

TEST_CASE("writes: modes overwrite, create and append") {
  Fixture f;
  auto created = f.workspace.write_text("a.txt", "one\n", {WriteMode::create, false});
  REQUIRE(created.ok());
  CHECK(created->created);
  CHECK(created->bytes == 4);
  CHECK(error_of(f.workspace.write_text("a.txt", "two\n", {WriteMode::create, false})) ==
        "cannot create \"a.txt\": it already exists; use mode overwrite or append to change it");
  auto appended = f.workspace.write_text("a.txt", "two\n", {WriteMode::append, false});
  REQUIRE(appended.ok());
  CHECK_FALSE(appended->created);
  CHECK(appended->bytes == 8);
  CHECK(read_file(f.root / "a.txt") == "one\ntwo\n");
  REQUIRE(f.workspace.write_text("a.txt", "three\n", {}).ok());
  CHECK(read_file(f.root / "a.txt") == "three\n");
  // No temp file is left behind.
  CHECK(std::distance(stdfs::directory_iterator(f.root), stdfs::directory_iterator()) == 1);
}

TEST_CASE("writes keep the mode of an existing file") {
  Fixture f;
  const auto script = f.dir.write("ws/run.sh", "#!/bin/sh\n");
  stdfs::permissions(script, stdfs::perms(0750));
  REQUIRE(f.workspace.write_text("run.sh", "#!/bin/sh\necho hi\n", {}).ok());
  CHECK((stdfs::status(script).permissions() & stdfs::perms::mask) == stdfs::perms(0750));
}

TEST_CASE("missing parent directories need create_dirs") {
  Fixture f;
  CHECK(error_of(f.workspace.write_text("a/b/c.txt", "x\n", {})) ==
        "cannot write \"a/b/c.txt\": directory \"a\" does not exist; set create_dirs to create it");
  REQUIRE(f.workspace.write_text("a/b/c.txt", "x\n", {WriteMode::overwrite, true}).ok());
  CHECK(read_file(f.root / "a/b/c.txt") == "x\n");
}

TEST_CASE("writes into .git are refused; reads are allowed") {
  Fixture f;
  f.dir.write("ws/.git/HEAD", "ref: refs/heads/main\n");
  CHECK(error_of(f.workspace.write_text(".git/HEAD", "x", {})) ==
        "refused \".git/HEAD\": it is inside .git; the repository changes through the git step kinds, not file "
        "writes");
  CHECK(f.workspace.read_text(".git/HEAD").ok());
  CHECK(read_file(f.root / ".git/HEAD") == "ref: refs/heads/main\n");
  // A nested repository's or a submodule's .git too.
  f.dir.write("ws/vendor/lib/.git/config", "[core]\n");
  CHECK(error_of(f.workspace.write_text("vendor/lib/.git/config", "x", {})) ==
        "refused \"vendor/lib/.git/config\": it is inside .git; the repository changes through the git step kinds, "
        "not file writes");
  CHECK(read_file(f.root / "vendor/lib/.git/config") == "[core]\n");
}

TEST_CASE("binary content is refused for writes") {
  Fixture f;
  CHECK(error_of(f.workspace.write_text("x.bin", std::string("a\0b", 3), {})) ==
        "refused to write \"x.bin\": the content contains a NUL byte at offset 1 (a binary file); file tools handle "
        "text only");
  CHECK_FALSE(stdfs::exists(f.root / "x.bin"));
}

TEST_CASE("a workspace that does not exist cannot be opened") {
  ScratchDir dir;
  auto opened = Workspace::open(dir / "missing");
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message == fmt::format("workspace {} cannot be used: No such file or directory",
                                              (dir / "missing").string()));
}

}  // TEST_SUITE
