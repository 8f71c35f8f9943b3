#include "engine/journal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/scratch.hpp"

using namespace automata;
using namespace automata::engine;
using namespace std::chrono_literals;

namespace {

const SystemTime k_sample_time =
    SystemTime{std::chrono::sys_days{std::chrono::year{2026} / 11 / 21}} + 15h + 30min + 12s + 123ms;

class FakeClock final : public Clock {
 public:
  SystemTime wall_now() const override { return k_sample_time; }
  SteadyTime steady_now() const override { return SteadyTime{}; }
};

std::uint32_t bitwise_crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const unsigned char c : data) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0xEDB88320U : crc >> 1;
    }
  }
  return ~crc;
}

Value record(std::uint64_t seq, std::string_view type) {
  Value r = Value::object();
  r["seq"] = seq;
  r["ts"] = "2026-11-21T15:30:12.123Z";
  r["type"] = type;
  return r;
}

Value run_started(int version = k_journal_version) {
  Value r = record(1, "RunStarted");
  r["journal_version"] = version;
  r["run"] = "20261121T153012Z-7f3a9c";
  r["workflow"] = "build";
  return r;
}

Value step_completed(std::uint64_t seq) {
  Value r = record(seq, "StepCompleted");
  r["step"] = fmt::format("step-{}", seq);
  r["attempt"] = 1;
  r["outputs"] = Value{{"result", "ok"}, {"count", seq}};
  r["duration_ms"] = 12;
  return r;
}

// A well-formed journal of `count` records, one per line: RunStarted, then
// the lines encode_record gives for step_completed(2), (3) ... built directly
// so that large journals are quick to make in debug builds.
std::vector<std::string> journal_lines(std::uint64_t count) {
  std::vector<std::string> lines;
  lines.reserve(count);
  lines.push_back(encode_record(run_started()) + "\n");
  for (std::uint64_t seq = 2; seq <= count; ++seq) {
    const std::string body =
        fmt::format(R"({{"seq":{},"ts":"2026-11-21T15:30:12.123Z","type":"StepCompleted","step":"step-{}","attempt":1,)"
                    R"("outputs":{{"result":"ok","count":{}}},"duration_ms":12)",
                    seq, seq, seq);
    lines.push_back(fmt::format("{},\"crc\":\"{:08x}\"}}\n", body, crc32(body + "}")));
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    text += line;
  }
  return text;
}

const char* const k_corrupt_hint = "the journal was modified or damaged; restore it from a backup, or start a new run";

}  // namespace

TEST_SUITE("journal") {
  TEST_CASE("crc32 is the IEEE/zlib CRC-32") {
    CHECK(crc32("123456789") == 0xCBF43926U);
    CHECK(crc32("") == 0U);
    std::string long_text;
    for (int i = 0; i < 1000; ++i) {
      long_text.push_back(static_cast<char>(i * 7 + 3));
    }
    for (const std::size_t length : {1U, 7U, 8U, 9U, 15U, 16U, 17U, 999U, 1000U}) {
      CHECK(crc32(std::string_view(long_text).substr(0, length)) == bitwise_crc32(long_text.substr(0, length)));
    }
  }

  TEST_CASE("timestamps are RFC 3339 UTC with milliseconds") {
    CHECK(format_timestamp(k_sample_time) == "2026-11-21T15:30:12.123Z");
    CHECK(format_timestamp(k_sample_time + 999us) == "2026-11-21T15:30:12.123Z");
    CHECK(format_timestamp(SystemTime{}) == "1970-01-01T00:00:00.000Z");
    CHECK(parse_timestamp("2026-11-21T15:30:12.123Z") == std::optional<SystemTime>(k_sample_time));
    CHECK(parse_timestamp("2024-02-29T23:59:59.999Z").has_value());
    CHECK_FALSE(parse_timestamp("2026-11-21T15:30:12Z").has_value());
    CHECK_FALSE(parse_timestamp("2026-11-21 15:30:12.123Z").has_value());
    CHECK_FALSE(parse_timestamp("2026-02-30T15:30:12.123Z").has_value());
    CHECK_FALSE(parse_timestamp("2026-11-21T24:30:12.123Z").has_value());
    CHECK_FALSE(parse_timestamp("2026-11-21T15:30:12.123+01:00").has_value());
    CHECK_FALSE(parse_timestamp("+026-11-21T15:30:12.123Z").has_value());
  }

  TEST_CASE("encode_record writes the exact line and decode_record reads it back") {
    const Value r = run_started();
    const std::string line = encode_record(r);
    CHECK(line == R"({"seq":1,"ts":"2026-11-21T15:30:12.123Z","type":"RunStarted","journal_version":1,)"
                  R"("run":"20261121T153012Z-7f3a9c","workflow":"build","crc":"549cf313"})");
    const auto decoded = decode_record(line);
    REQUIRE(std::holds_alternative<Value>(decoded));
    CHECK(std::get<Value>(decoded) == r);
    CHECK(std::get<Value>(decoded).dump() == r.dump());  // key order kept

    Value unicode = record(2, "StepStarted");
    unicode["step"] = "compile";
    unicode["attempt"] = 1;
    unicode["note"] = "caf\xc3\xa9";
    CHECK(encode_record(unicode) ==
          "{\"seq\":2,\"ts\":\"2026-11-21T15:30:12.123Z\",\"type\":\"StepStarted\",\"step\":\"compile\",\"attempt\":1,"
          "\"note\":\"caf\xc3\xa9\",\"crc\":\"36d5dcc8\"}");
  }

  TEST_CASE("decode_record detects damage") {
    const std::string line = encode_record(run_started());
    for (std::size_t i = 0; i + 18 < line.size(); i += 5) {
      std::string damaged = line;
      damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
      const auto decoded = decode_record(damaged);
      REQUIRE(std::holds_alternative<std::string>(decoded));
      CHECK(std::get<std::string>(decoded) == "crc mismatch");
    }
    CHECK(std::get<std::string>(decode_record(line.substr(0, line.size() - 1))) == "no crc");
    CHECK(std::get<std::string>(decode_record(R"({"seq":1})")) == "no crc");
    CHECK(std::get<std::string>(decode_record("")) == "no crc");
    const std::string not_json = "{\"seq\":1,";
    CHECK(std::get<std::string>(
              decode_record(fmt::format("{},\"crc\":\"{:08x}\"}}", not_json, crc32(not_json + "}")))) == "not JSON");
  }

  TEST_CASE("invalid UTF-8 in a string is replaced, never thrown") {
    Value r = record(1, "StepFailed");
    r["error"] = "bad \xff byte";
    const std::string line = encode_record(r);
    const auto decoded = decode_record(line);
    REQUIRE(std::holds_alternative<Value>(decoded));
    CHECK(std::get<Value>(decoded)["error"] == "bad \xef\xbf\xbd byte");
  }

  TEST_CASE("parse_journal reads a good journal") {
    const auto lines = journal_lines(5);
    CHECK(lines[2] == encode_record(step_completed(3)) + "\n");
    const std::string data = join(lines);
    const auto contents = parse_journal(data, "journal.jsonl");
    REQUIRE(contents.ok());
    CHECK(contents->records.size() == 5);
    CHECK(contents->records[4] == step_completed(5));
    CHECK(contents->valid_bytes == data.size());
    CHECK_FALSE(contents->torn_note.has_value());
  }

  TEST_CASE("parse_journal accepts an empty file") {
    const auto contents = parse_journal("", "journal.jsonl");
    REQUIRE(contents.ok());
    CHECK(contents->records.empty());
    CHECK(contents->valid_bytes == 0);
    CHECK_FALSE(contents->torn_note.has_value());
  }

  TEST_CASE("parse_journal drops a torn last record") {
    const auto lines = journal_lines(4);
    const std::string good = join({lines[0], lines[1], lines[2]});
    const std::string last = lines[3];
    std::string bad_crc = last;
    bad_crc[10] = static_cast<char>(bad_crc[10] ^ 0x02);

    const std::vector<std::pair<const char*, std::string>> tails = {
        {"complete but no newline", last.substr(0, last.size() - 1)},
        {"bad crc", bad_crc},
        {"half a line", last.substr(0, last.size() / 2)},
        {"a blank last line", "\n"},
    };
    for (const auto& [what, tail] : tails) {
      CAPTURE(what);
      const auto contents = parse_journal(good + tail, "journal.jsonl");
      REQUIRE(contents.ok());
      CHECK(contents->records.size() == 3);
      CHECK(contents->valid_bytes == good.size());
      CHECK(contents->torn_note == "journal.jsonl:4: dropped a torn last record (written when the process was killed)");
    }
  }

  TEST_CASE("parse_journal refuses corruption before the last line") {
    auto lines = journal_lines(5);
    lines[1][12] = static_cast<char>(lines[1][12] ^ 0x04);
    const auto contents = parse_journal(join(lines), "runs/x/journal.jsonl");
    REQUIRE_FALSE(contents.ok());
    CHECK(contents.error().code == Errc::infra);
    CHECK(contents.error().message ==
          "runs/x/journal.jsonl:2: corrupt record (crc mismatch); the run's journal cannot be trusted");
    CHECK(contents.error().hint == k_corrupt_hint);

    lines = journal_lines(5);
    lines[2] = "garbage\n";
    const auto garbage = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(garbage.ok());
    CHECK(garbage.error().message == "journal.jsonl:3: corrupt record (no crc); the run's journal cannot be trusted");

    lines = journal_lines(3);
    Value bad_ts = step_completed(2);
    bad_ts["ts"] = "yesterday";
    lines[1] = encode_record(bad_ts) + "\n";
    const auto ts = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(ts.ok());
    CHECK(ts.error().message == "journal.jsonl:2: corrupt record (bad ts); the run's journal cannot be trusted");
  }

  TEST_CASE("parse_journal finds the first bad line of a journal decoded by several threads") {
    auto lines = journal_lines(6000);
    lines[4999][20] = static_cast<char>(lines[4999][20] ^ 0x01);
    lines[5499] = "\n";
    const auto contents = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(contents.ok());
    CHECK(contents.error().message ==
          "journal.jsonl:5000: corrupt record (crc mismatch); the run's journal cannot be trusted");

    lines = journal_lines(6000);
    lines.back().resize(lines.back().size() - 2);
    const auto torn = parse_journal(join(lines), "journal.jsonl");
    REQUIRE(torn.ok());
    CHECK(torn->records.size() == 5999);
    CHECK(torn->records.back()["seq"] == 5999);
    CHECK(torn->torn_note == "journal.jsonl:6000: dropped a torn last record (written when the process was killed)");
  }

  TEST_CASE("parse_journal hands records to a sink in order, across chunks, and stops at corruption") {
    auto lines = journal_lines(5000);
    std::vector<std::uint64_t> seen;
    const auto contents = parse_journal(join(lines), "journal.jsonl", [&](Value&& r) {
      CHECK_FALSE(r.contains("crc"));
      seen.push_back(r["seq"].get<std::uint64_t>());
    });
    REQUIRE(contents.ok());
    CHECK(contents->records.empty());
    REQUIRE(seen.size() == 5000);
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(seen.back() == 5000);

    lines[3071][20] = static_cast<char>(lines[3071][20] ^ 0x01);  // line 3072, the last of the third chunk
    seen.clear();
    const auto corrupt = parse_journal(join(lines), "journal.jsonl", [&](Value&& r) { seen.push_back(r["seq"].get<std::uint64_t>()); });
    REQUIRE_FALSE(corrupt.ok());
    CHECK(corrupt.error().message == "journal.jsonl:3072: corrupt record (crc mismatch); the run's journal cannot be trusted");
    CHECK(seen.size() == 3071);  // everything before the bad line, nothing after
  }

  TEST_CASE("parse_journal refuses a blank line in the middle") {
    auto lines = journal_lines(3);
    lines.insert(lines.begin() + 1, "\n");
    const auto contents = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(contents.ok());
    CHECK(contents.error().message ==
          "journal.jsonl:2: corrupt record (empty line); the run's journal cannot be trusted");
  }

  TEST_CASE("parse_journal refuses a seq gap or repeat") {
    auto lines = journal_lines(6);
    lines.erase(lines.begin() + 3);  // seq 4
    const auto gap = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(gap.ok());
    CHECK(gap.error().message ==
          "journal.jsonl:4: corrupt record (seq 5 follows 3); the run's journal cannot be trusted");
    CHECK(gap.error().hint == k_corrupt_hint);

    lines = journal_lines(3);
    lines.insert(lines.begin() + 2, lines[1]);
    const auto repeat = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(repeat.ok());
    CHECK(repeat.error().message ==
          "journal.jsonl:3: corrupt record (seq 2 follows 2); the run's journal cannot be trusted");

    // A gap on the last, complete line is corruption too, not a torn write.
    lines = journal_lines(4);
    lines.erase(lines.begin() + 2);
    const auto last = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(last.ok());
    CHECK(last.error().message ==
          "journal.jsonl:3: corrupt record (seq 4 follows 2); the run's journal cannot be trusted");
  }

  TEST_CASE("parse_journal checks the first record and its version") {
    auto lines = journal_lines(2);
    lines[0] = encode_record(run_started(2)) + "\n";
    const auto version = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(version.ok());
    CHECK(version.error().code == Errc::infra);
    CHECK(version.error().message == "journal.jsonl:1: unsupported journal version 2 (this automata reads version 1)");

    lines[0] = encode_record(record(1, "StepStarted")) + "\n";
    const auto first = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(first.ok());
    CHECK(first.error().message ==
          "journal.jsonl:1: corrupt record (first record is StepStarted, not RunStarted); the run's journal cannot be "
          "trusted");

    lines[0] = encode_record(record(1, "RunStarted")) + "\n";
    const auto missing = parse_journal(join(lines), "journal.jsonl");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message ==
          "journal.jsonl:1: corrupt record (RunStarted without journal_version); the run's journal cannot be trusted");
  }

  TEST_CASE("load_journal reports a missing file") {
    test::ScratchDir dir;
    const auto contents = load_journal(dir / "journal.jsonl", nullptr);
    REQUIRE_FALSE(contents.ok());
    CHECK(contents.error().code == Errc::infra);
    CHECK(contents.error().message ==
          fmt::format("cannot read {}: No such file or directory", (dir / "journal.jsonl").string()));
  }

  TEST_CASE("load_journal truncates a torn tail only under the lock") {
    test::ScratchDir dir;
    const auto lines = journal_lines(3);
    const std::string good = join(lines);
    const std::string torn = good + lines[2].substr(0, 20);
    const auto file = dir.write("journal.jsonl", torn);

    const auto unlocked = load_journal(file, nullptr);
    REQUIRE(unlocked.ok());
    CHECK(unlocked->records.size() == 3);
    CHECK(unlocked->torn_note ==
          fmt::format("{}:4: dropped a torn last record (written when the process was killed)", file.string()));
    CHECK(test::read_file(file) == torn);

    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    const auto locked = load_journal(file, &*lock);
    REQUIRE(locked.ok());
    CHECK(locked->records.size() == 3);
    CHECK(locked->torn_note.has_value());
    CHECK(test::read_file(file) == good);

    const auto again = load_journal(file, &*lock);
    REQUIRE(again.ok());
    CHECK_FALSE(again->torn_note.has_value());
  }

  TEST_CASE("parse_journal reads a large journal (timing printed)") {
#if defined(__SANITIZE_ADDRESS__)
    constexpr std::size_t k_records = 10000;  // the figure means nothing under ASan; keep the run short
#else
    constexpr std::size_t k_records = 100000;
#endif
    const std::string data = join(journal_lines(k_records));
    const auto start = std::chrono::steady_clock::now();
    const auto contents = parse_journal(data, "journal.jsonl");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(contents.ok());
    CHECK(contents->records.size() == k_records);
    CHECK(contents->valid_bytes == data.size());
    std::printf("[journal] parsed %zu records (%zu bytes) in %lld ms\n", k_records, data.size(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  }
}

TEST_SUITE("journal writer") {
  TEST_CASE("appends continue seq, take ts from the clock and keep field order") {
    for (const auto durability : {Durability::grouped, Durability::strict}) {
      CAPTURE(static_cast<int>(durability));
      test::ScratchDir dir;
      const std::string existing = join(journal_lines(3));
      const auto file = dir.write("journal.jsonl", existing);
      auto lock = RunLock::try_acquire(dir.path());
      REQUIRE(lock.ok());
      FakeClock clock;
      auto writer = JournalWriter::open(file, *lock, 4, durability, clock);
      REQUIRE(writer.ok());

      Value given = Value::object();
      given["step"] = "test";
      given["type"] = "StepStarted";
      given["seq"] = 99;
      given["attempt"] = 2;
      given["crc"] = "00000000";
      given["ts"] = "yesterday";
      given["worker"] = 1;
      const auto appended = (*writer)->append(given);
      REQUIRE(appended.ok());
      CHECK(appended->dump() ==
            R"({"seq":4,"ts":"2026-11-21T15:30:12.123Z","type":"StepStarted","step":"test","attempt":2,"worker":1})");
      const auto second = (*writer)->append(Value{{"type", "RunCompleted"}, {"duration_ms", 5}});
      REQUIRE(second.ok());
      CHECK((*second)["seq"] == 5);
      CHECK((*writer)->next_seq() == 6);
      CHECK((*writer)->sync().ok());

      CHECK(test::read_file(file) == existing + encode_record(*appended) + "\n" + encode_record(*second) + "\n");
      const auto contents = load_journal(file, nullptr);
      REQUIRE(contents.ok());
      CHECK(contents->records.size() == 5);
      CHECK(contents->records[3] == *appended);
    }
  }

  TEST_CASE("the journal is created 0600") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    {
      auto writer = JournalWriter::open(dir / "journal.jsonl", *lock, 1, Durability::grouped, real_clock());
      REQUIRE(writer.ok());
      REQUIRE((*writer)->append(run_started()).ok());
    }
    struct stat info {};
    REQUIRE(::stat((dir / "journal.jsonl").c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
    const auto contents = load_journal(dir / "journal.jsonl", nullptr);
    REQUIRE(contents.ok());
    REQUIRE(contents->records.size() == 1);
    CHECK(parse_timestamp(contents->records[0]["ts"].get<std::string>()).has_value());
  }

  TEST_CASE("a record without a type is refused") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    auto writer = JournalWriter::open(dir / "journal.jsonl", *lock, 1, Durability::strict, real_clock());
    REQUIRE(writer.ok());
    const auto appended = (*writer)->append(Value{{"step", "x"}});
    REQUIRE_FALSE(appended.ok());
    CHECK(appended.error().message ==
          fmt::format("cannot append to {}: a journal record needs a string type", (dir / "journal.jsonl").string()));
    CHECK((*writer)->next_seq() == 1);
  }

  TEST_CASE("opening in a missing directory fails") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    const auto file = dir / "missing" / "journal.jsonl";
    const auto writer = JournalWriter::open(file, *lock, 1, Durability::grouped, real_clock());
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.error().message ==
          fmt::format("cannot open {} for appending: No such file or directory", file.string()));
  }

  TEST_CASE("concurrent appends keep every line whole and seq in file order") {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    const auto file = dir / "journal.jsonl";
    constexpr int k_threads = 4;
    constexpr int k_per_thread = 500;
    {
      auto writer = JournalWriter::open(file, *lock, 1, Durability::grouped, real_clock());
      REQUIRE(writer.ok());
      REQUIRE((*writer)->append(run_started()).ok());
      std::vector<std::thread> threads;
      std::vector<int> failures(k_threads, 0);
      for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < k_per_thread; ++i) {
            Value r = Value::object();
            r["type"] = "StepHeartbeat";
            r["thread"] = t;
            r["i"] = i;
            r["message"] = std::string(static_cast<std::size_t>(100 + (i % 7) * 300), static_cast<char>('a' + t));
            if (!(*writer)->append(r).ok()) {
              ++failures[static_cast<std::size_t>(t)];
            }
          }
        });
      }
      for (auto& thread : threads) {
        thread.join();
      }
      CHECK(failures == std::vector<int>(k_threads, 0));
      CHECK((*writer)->next_seq() == 1 + k_threads * k_per_thread + 1);
    }
    // parse_journal checks every crc and that seq runs 1, 2, 3 ... in file order.
    const auto contents = load_journal(file, nullptr);
    REQUIRE(contents.ok());
    CHECK_FALSE(contents->torn_note.has_value());
    REQUIRE(contents->records.size() == 1 + k_threads * k_per_thread);
    std::vector<int> next_i(k_threads, 0);
    for (std::size_t n = 1; n < contents->records.size(); ++n) {
      const auto& r = contents->records[n];
      const auto t = r["thread"].get<std::size_t>();
      CHECK(r["i"] == next_i[t]);
      ++next_i[t];
    }
    CHECK(next_i == std::vector<int>(k_threads, k_per_thread));
  }

  // A benchmark, skipped by default: run it with --no-skip in a release build.
  TEST_CASE("appending 100000 records in grouped mode (timing printed)" * doctest::skip()) {
    test::ScratchDir dir;
    auto lock = RunLock::try_acquire(dir.path());
    REQUIRE(lock.ok());
    const auto file = dir / "journal.jsonl";
    const auto start = std::chrono::steady_clock::now();
    {
      auto writer = JournalWriter::open(file, *lock, 1, Durability::grouped, real_clock());
      REQUIRE(writer.ok());
      REQUIRE((*writer)->append(run_started()).ok());
      Value r = Value{{"type", "StepHeartbeat"}, {"step", "build"}, {"attempt", 1}, {"message", "compiling"}};
      for (int i = 1; i < 100000; ++i) {
        if (!(*writer)->append(r).ok()) {
          FAIL("append failed");
        }
      }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    std::printf("[journal] appended 100000 records (grouped) in %lld ms\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
    const auto contents = load_journal(file, nullptr);
    REQUIRE(contents.ok());
    CHECK(contents->records.size() == 100000);
  }
}
