#pragma once
// The run journal (journal.md): append-only JSON lines, the truth of a run.
//
// Grammar of journal.jsonl, one record per line:
//   line   := "{" "\"seq\":" N ",\"ts\":\"" RFC3339-ms-UTC "\",\"type\":\"" T "\"" { "," field } ",\"crc\":\"" 8*HEX "\"}" "\n"
//   crc    := CRC-32 (IEEE, as zlib) of the line with the `,"crc":"........"` part
//             removed, i.e. of the same object serialised without its crc field
//   seq    := 1, 2, 3, ... without gaps
// The first record is RunStarted and carries "journal_version": 1; a reader
// refuses a version it does not know.
// On load, a last line that is cut short (no '\n'), does not parse, or fails
// its CRC is a torn write: it is dropped (and, when the run is locked by the
// reader, truncated away) with a note. A bad line anywhere else is corruption:
// loading fails with the line number, never guessing.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/clock.hpp"
#include "engine/result.hpp"
#include "engine/run_lock.hpp"
#include "engine/value.hpp"

namespace automata::engine {

inline constexpr int k_journal_version = 1;

std::uint32_t crc32(std::string_view data);
// "2026-11-21T15:30:12.123Z"
std::string format_timestamp(SystemTime time);
// Parses format_timestamp's output; nullopt if it is not one.
std::optional<SystemTime> parse_timestamp(std::string_view text);

// Serialises a record (which already holds seq, ts, type first) to one line
// with its crc, without the trailing '\n'.
std::string encode_record(const Value& record);
// Checks the crc and parses; on failure returns a short reason
// ("crc mismatch", "not JSON", "no crc").
std::variant<Value, std::string> decode_record(std::string_view line);

struct JournalContents {
  std::vector<Value> records;
  std::size_t valid_bytes = 0;             // length of the good prefix of the file
  std::optional<std::string> torn_note;    // set when a torn last line was dropped
};

// Given a sink, each good record is handed to it in order (and `records` is
// left empty), as soon as it is checked: a fold then overlaps decoding.
using RecordSink = std::function<void(Value&&)>;

// Pure: parses a whole journal held in memory. `name` is used in messages
// ("journal.jsonl:17: corrupt record (crc mismatch)"). Errors are Errc::infra;
// records before a corrupt one may already have reached the sink.
Result<JournalContents> parse_journal(std::string_view data, std::string_view name, const RecordSink& sink = {});

// Reads a journal file. With a lock, a torn tail is also truncated from the file.
Result<JournalContents> load_journal(const std::filesystem::path& file, const RunLock* lock,
                                     const RecordSink& sink = {});

enum class Durability { grouped, strict };

class JournalWriter {
 public:
  // Opens (creating 0600 if needed) for appending; next_seq continues an
  // existing journal. The lock is the witness that this process drives the run.
  static Result<std::unique_ptr<JournalWriter>> open(const std::filesystem::path& file, const RunLock& lock,
                                                     std::uint64_t next_seq, Durability durability,
                                                     const Clock& clock);
  // Fills seq and ts (placed first, then type, then the other fields in order),
  // appends one line with a single write(2), and returns the full record.
  // Thread-safe. Grouped durability: fdatasync within a few milliseconds by a
  // background thread; strict: before returning.
  Result<Value> append(const Value& record);
  // fdatasync now (RunCompleted/RunFailed/... are synced before exit).
  Result<void> sync();
  std::uint64_t next_seq() const;
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  struct Impl;

 private:
  explicit JournalWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace automata::engine
