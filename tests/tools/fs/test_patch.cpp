// fs patching: unified diffs (parsing, offsets, every failure mode with the
// file left byte-identical, multi-file all or nothing) and search/replace.
#include "tools/fs/patch.hpp"

#include <doctest/doctest.h>

#include "support/scratch.hpp"
#include "tools/fs/unified_diff.hpp"

using namespace automata;
using namespace automata::tools::fs;
using automata::test::read_file;
using automata::test::ScratchDir;
namespace stdfs = std::filesystem;

namespace {

const std::string k_main = "int main() {\n  int x = 1;\n  int y = 2;\n  return x + y;\n}\n";

struct Fixture {
  ScratchDir dir;
  Workspace workspace = Workspace::open(dir.path()).value();
};

std::string error_of(const Result<PatchOutcome>& result) { return result.ok() ? "(ok)" : result.error().message; }

}  // namespace

TEST_SUITE("fs patch") {

TEST_CASE("a git diff applies; a/ b/ prefixes, index lines and headings are tolerated") {
  Fixture f;
  f.dir.write("src/main.cpp", k_main);
  const std::string diff =
      "diff --git a/src/main.cpp b/src/main.cpp\n"
      "index 1234567..89abcde 100644\n"
      "--- a/src/main.cpp\n"
      "+++ b/src/main.cpp\n"
      "@@ -1,4 +1,4 @@ int main() {\n"
      " int main() {\n"
      "-  int x = 1;\n"
      "+  int x = 10;\n"
      "   int y = 2;\n"
      "   return x + y;\n";
  auto outcome = apply_diff(f.workspace, diff);
  REQUIRE(outcome.ok());
  CHECK(outcome->files == std::vector<std::string>{"src/main.cpp"});
  CHECK(outcome->hunks == 1);
  CHECK(read_file(f.dir / "src/main.cpp") == "int main() {\n  int x = 10;\n  int y = 2;\n  return x + y;\n}\n");
}

TEST_CASE("a diff without prefixes of a file in a directory named a") {
  Fixture f;
  f.dir.write("a/x.txt", "old\n");
  REQUIRE(apply_diff(f.workspace, "--- a/x.txt\n+++ a/x.txt\n@@ -1 +1 @@\n-old\n+new\n").ok());
  CHECK(read_file(f.dir / "a/x.txt") == "new\n");
  CHECK_FALSE(stdfs::exists(f.dir / "x.txt"));
}

TEST_CASE("a CRLF file takes diffs and blocks written with plain newlines, and stays CRLF") {
  Fixture f;
  f.dir.write("win.txt", "one\r\ntwo\r\nthree\r\n");
  REQUIRE(apply_diff(f.workspace, "--- a/win.txt\n+++ b/win.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n").ok());
  CHECK(read_file(f.dir / "win.txt") == "one\r\nTWO\r\nthree\r\n");
  REQUIRE(apply_blocks(f.workspace, "win.txt", {{"TWO\nthree\n", "2\n3\n"}}).ok());
  CHECK(read_file(f.dir / "win.txt") == "one\r\n2\r\n3\r\n");
}

TEST_CASE("hunk line numbers slightly off are found nearby") {
  Fixture f;
  f.dir.write("a.txt", "one\ntwo\nthree\nfour\nfive\nsix\n");
  const std::string diff = "--- a.txt\n+++ a.txt\n@@ -2,2 +2,2 @@\n four\n-five\n+FIVE\n";
  REQUIRE(apply_diff(f.workspace, diff).ok());
  CHECK(read_file(f.dir / "a.txt") == "one\ntwo\nthree\nfour\nFIVE\nsix\n");
}

TEST_CASE("several hunks; a path for a diff that is only hunks") {
  Fixture f;
  f.dir.write("a.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  const std::string diff = "@@ -1,2 +1,3 @@\n 1\n+1.5\n 2\n@@ -8,2 +9,1 @@\n-8\n 9\n";
  CHECK(error_of(apply_diff(f.workspace, diff)) ==
        "the diff names no file (no ---/+++ lines); give path; no file was changed");
  auto outcome = apply_diff(f.workspace, diff, "a.txt");
  REQUIRE(outcome.ok());
  CHECK(outcome->hunks == 2);
  CHECK(read_file(f.dir / "a.txt") == "1\n1.5\n2\n3\n4\n5\n6\n7\n9\n");
}

TEST_CASE("a hunk that does not apply names the hunk and the line; the file is byte-identical") {
  Fixture f;
  f.dir.write("src/main.cpp", k_main);
  const std::string diff =
      "--- a/src/main.cpp\n+++ b/src/main.cpp\n"
      "@@ -1,2 +1,2 @@\n int main() {\n-  int x = 1;\n+  int x = 5;\n"
      "@@ -3,2 +3,2 @@\n-  int y = 3;\n+  int y = 4;\n   return x + y;\n";
  CHECK(error_of(apply_diff(f.workspace, diff)) ==
        "hunk 2 of src/main.cpp does not apply: line 3 expected \"  int y = 3;\", found \"  int y = 2;\"; the file "
        "is unchanged");
  CHECK(read_file(f.dir / "src/main.cpp") == k_main);
}

TEST_CASE("a hunk past the end of the file") {
  Fixture f;
  f.dir.write("a.txt", "a\nb\n");
  const std::string diff = "--- a.txt\n+++ a.txt\n@@ -5,1 +5,1 @@\n-e\n+E\n";
  CHECK(error_of(apply_diff(f.workspace, diff)) ==
        "hunk 1 of a.txt does not apply: line 3 expected \"e\", but the file has only 2 lines; the file is unchanged");
  CHECK(read_file(f.dir / "a.txt") == "a\nb\n");
}

TEST_CASE("fuzz 0: whitespace differences do not match") {
  Fixture f;
  f.dir.write("a.txt", "if (x) {\n\treturn;\n}\n");
  const std::string diff = "--- a.txt\n+++ a.txt\n@@ -1,3 +1,3 @@\n if (x) {\n-    return;\n+    return 0;\n }\n";
  CHECK(error_of(apply_diff(f.workspace, diff)) ==
        "hunk 1 of a.txt does not apply: line 2 expected \"    return;\", found \"\treturn;\"; the file is unchanged");
}

TEST_CASE("\\ No newline at end of file, on either side") {
  Fixture f;
  f.dir.write("a.txt", "a\nb");
  const std::string add_newline = "--- a.txt\n+++ a.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n";
  REQUIRE(apply_diff(f.workspace, add_newline).ok());
  CHECK(read_file(f.dir / "a.txt") == "a\nb\n");
  const std::string drop_newline = "--- a.txt\n+++ a.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n";
  REQUIRE(apply_diff(f.workspace, drop_newline).ok());
  CHECK(read_file(f.dir / "a.txt") == "a\nc");
  // The old side says "no newline" but the file has one (now it does not): the line differs only in that.
  f.dir.write("b.txt", "x\n");
  const std::string wrong = "--- b.txt\n+++ b.txt\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+y\n";
  CHECK(error_of(apply_diff(f.workspace, wrong)) ==
        "hunk 1 of b.txt does not apply: line 1 is \"x\" but differs in the newline at the end of the file; the "
        "file is unchanged");
}

TEST_CASE("/dev/null creates and deletes files") {
  Fixture f;
  f.dir.write("old.txt", "bye\n");
  const std::string diff =
      "--- /dev/null\n+++ b/new/file.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n"
      "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
  auto outcome = apply_diff(f.workspace, diff);
  REQUIRE(outcome.ok());
  CHECK(outcome->created == std::vector<std::string>{"new/file.txt"});
  CHECK(outcome->deleted == std::vector<std::string>{"old.txt"});
  CHECK(read_file(f.dir / "new/file.txt") == "hello\nworld\n");
  CHECK_FALSE(stdfs::exists(f.dir / "old.txt"));
  // Creating a file that exists is refused.
  CHECK(error_of(apply_diff(f.workspace, "--- /dev/null\n+++ b/new/file.txt\n@@ -0,0 +1 @@\n+x\n")) ==
        "cannot create new/file.txt: it already exists; the file is unchanged");
}

TEST_CASE("a diff with different old and new names renames the file") {
  Fixture f;
  f.dir.write("old.txt", "a\nb\n");
  auto outcome = apply_diff(f.workspace, "--- a/old.txt\n+++ b/new.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n");
  REQUIRE(outcome.ok());
  CHECK(outcome->files == std::vector<std::string>{"old.txt", "new.txt"});
  CHECK(outcome->created == std::vector<std::string>{"new.txt"});
  CHECK(outcome->deleted == std::vector<std::string>{"old.txt"});
  CHECK(read_file(f.dir / "new.txt") == "a\nB\n");
  CHECK_FALSE(stdfs::exists(f.dir / "old.txt"));
}

TEST_CASE("a deletion that leaves content, and a rename onto an existing file, are refused") {
  Fixture f;
  f.dir.write("a.txt", "one\ntwo\n");
  f.dir.write("b.txt", "b\n");
  CHECK(error_of(apply_diff(f.workspace, "--- a/a.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n")) ==
        "cannot delete a.txt: the diff removes only part of it (4 bytes would be left); the file is unchanged");
  CHECK(error_of(apply_diff(f.workspace, "--- a/a.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-one\n+ONE\n")) ==
        "cannot rename a.txt to b.txt: b.txt already exists; the file is unchanged");
  CHECK(read_file(f.dir / "a.txt") == "one\ntwo\n");
  CHECK(read_file(f.dir / "b.txt") == "b\n");
}

TEST_CASE("a diff into .git is refused") {
  Fixture f;
  f.dir.write(".git/config", "[core]\n");
  CHECK(error_of(apply_diff(f.workspace, "--- a/.git/config\n+++ b/.git/config\n@@ -1 +1 @@\n-[core]\n+[x]\n")) ==
        "refused \".git/config\": it is inside .git; the repository changes through the git step kinds, not file "
        "writes; the file is unchanged");
}

TEST_CASE("a diff for a file that does not exist") {
  Fixture f;
  CHECK(error_of(apply_diff(f.workspace, "--- a/nope.c\n+++ b/nope.c\n@@ -1 +1 @@\n-a\n+b\n")) ==
        "cannot patch nope.c: no such file; the file is unchanged");
}

TEST_CASE("malformed diffs") {
  Fixture f;
  f.dir.write("a.txt", "a\n");
  CHECK(error_of(apply_diff(f.workspace, "just some prose\n")) ==
        "the diff has no hunks (no \"@@ -l,s +l,s @@\" line); no file was changed");
  CHECK(error_of(apply_diff(f.workspace, "--- a.txt\n+++ a.txt\n@@ -x +1 @@\n-a\n+b\n")) ==
        "diff line 3: malformed hunk header \"@@ -x +1 @@\"; expected \"@@ -l,s +l,s @@\"; no file was changed");
  CHECK(read_file(f.dir / "a.txt") == "a\n");
}

TEST_CASE("multi-file diffs are all or nothing") {
  Fixture f;
  f.dir.write("one.txt", "one\n");
  f.dir.write("two.txt", "two\n");
  const std::string bad =
      "--- a/one.txt\n+++ b/one.txt\n@@ -1 +1 @@\n-one\n+ONE\n"
      "--- a/two.txt\n+++ b/two.txt\n@@ -1 +1 @@\n-deux\n+TWO\n";
  CHECK(error_of(apply_diff(f.workspace, bad)) ==
        "hunk 1 of two.txt does not apply: line 1 expected \"deux\", found \"two\"; no file was changed");
  CHECK(read_file(f.dir / "one.txt") == "one\n");
  CHECK(read_file(f.dir / "two.txt") == "two\n");
  const std::string good =
      "--- a/one.txt\n+++ b/one.txt\n@@ -1 +1 @@\n-one\n+ONE\n"
      "--- a/two.txt\n+++ b/two.txt\n@@ -1 +1 @@\n-two\n+TWO\n";
  auto outcome = apply_diff(f.workspace, good);
  REQUIRE(outcome.ok());
  CHECK(outcome->files == std::vector<std::string>{"one.txt", "two.txt"});
  CHECK(outcome->hunks == 2);
  CHECK(read_file(f.dir / "one.txt") == "ONE\n");
  CHECK(read_file(f.dir / "two.txt") == "TWO\n");
}

TEST_CASE("a diff path that escapes is refused and nothing is written") {
  Fixture f;
  f.dir.write("one.txt", "one\n");
  const std::string diff =
      "--- a/one.txt\n+++ b/one.txt\n@@ -1 +1 @@\n-one\n+ONE\n"
      "--- /dev/null\n+++ b/../evil.txt\n@@ -0,0 +1 @@\n+x\n";
  const auto message = error_of(apply_diff(f.workspace, diff));
  CHECK(message.starts_with("refused \"../evil.txt\": \"..\" leads out of the workspace "));
  CHECK(message.ends_with("; no file was changed"));
  CHECK(read_file(f.dir / "one.txt") == "one\n");
}

TEST_CASE("path with a multi-file diff is refused") {
  Fixture f;
  const std::string diff = "--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n";
  CHECK(error_of(apply_diff(f.workspace, diff, "a")) ==
        "path a was given but the diff changes 2 files; leave path out for a multi-file diff; no file was changed");
}

TEST_CASE("search/replace: a unique match is replaced") {
  Fixture f;
  f.dir.write("src/main.cpp", k_main);
  auto outcome = apply_blocks(f.workspace, "src/main.cpp", {{"  int x = 1;\n", "  int x = 7;\n"}});
  REQUIRE(outcome.ok());
  CHECK(outcome->hunks == 1);
  CHECK(read_file(f.dir / "src/main.cpp") == "int main() {\n  int x = 7;\n  int y = 2;\n  return x + y;\n}\n");
}

TEST_CASE("search/replace: zero matches quote the nearest line") {
  Fixture f;
  f.dir.write("src/main.cpp", k_main);
  CHECK(error_of(apply_blocks(f.workspace, "src/main.cpp", {{"  int x = 3;\n", "  int x = 4;\n"}})) ==
        "block 1 of src/main.cpp: the search text is not in the file; the nearest line is 2: \"  int x = 1;\" (the "
        "search text starts with \"  int x = 3;\"); the file is unchanged");
  CHECK(read_file(f.dir / "src/main.cpp") == k_main);
}

TEST_CASE("search/replace: several matches say how many and where") {
  Fixture f;
  f.dir.write("a.txt", "x = 1\ny = 2\nx = 1\nz\nx = 1\n");
  CHECK(error_of(apply_blocks(f.workspace, "a.txt", {{"x = 1", "x = 2"}})) ==
        "block 1 of a.txt: the search text occurs 3 times (lines 1, 3, 5); include more surrounding lines to make it "
        "unique; the file is unchanged");
  CHECK(read_file(f.dir / "a.txt") == "x = 1\ny = 2\nx = 1\nz\nx = 1\n");
}

TEST_CASE("search/replace: several blocks in order, all or nothing") {
  Fixture f;
  f.dir.write("a.txt", "alpha\nbeta\ngamma\n");
  CHECK(error_of(apply_blocks(f.workspace, "a.txt", {{"alpha", "ALPHA"}, {"delta", "DELTA"}})) ==
        "block 2 of a.txt: the search text is not in the file; the nearest line is 2: \"beta\" (the search text "
        "starts with \"delta\"); the file is unchanged");
  CHECK(read_file(f.dir / "a.txt") == "alpha\nbeta\ngamma\n");
  // A later block sees the earlier block's result.
  auto outcome = apply_blocks(f.workspace, "a.txt", {{"alpha", "ALPHA"}, {"ALPHA\nbeta", "ALPHA\nBETA"}});
  REQUIRE(outcome.ok());
  CHECK(outcome->hunks == 2);
  CHECK(read_file(f.dir / "a.txt") == "ALPHA\nBETA\ngamma\n");
}

TEST_CASE("search/replace: an empty search and a missing file") {
  Fixture f;
  f.dir.write("a.txt", "a\n");
  CHECK(error_of(apply_blocks(f.workspace, "a.txt", {{"", "x"}})) ==
        "block 1 of a.txt: the search text is empty; quote the lines to replace; the file is unchanged");
  CHECK(error_of(apply_blocks(f.workspace, "b.txt", {{"a", "b"}})) ==
        "cannot read \"b.txt\": no such file; the file is unchanged");
}

TEST_CASE("parse: counts are not trusted, a removed \"-- \" line is not a header") {
  auto files = parse_unified_diff("--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,1 @@\n--- old comment\n select 1;\n");
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  REQUIRE(files->at(0).hunks.size() == 1);
  CHECK(files->at(0).hunks[0].old_lines == std::vector<std::string>{"-- old comment\n", "select 1;\n"});
  CHECK(files->at(0).hunks[0].new_lines == std::vector<std::string>{"select 1;\n"});
}

}  // TEST_SUITE
