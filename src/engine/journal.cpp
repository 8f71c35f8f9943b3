#include "engine/journal.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <iterator>
#include <mutex>
#include <system_error>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace automata::engine {

namespace {

// CRC-32 as zlib (reflected polynomial 0xEDB88320), slicing-by-8: table k
// advances a byte through k further zero bytes, so eight bytes are folded per
// step with independent look-ups.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables() {
  CrcTables tables{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0xEDB88320U : crc >> 1;
    }
    tables[0][i] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      const std::uint32_t previous = tables[k - 1][i];
      tables[k][i] = (previous >> 8) ^ tables[0][previous & 0xFFU];
    }
  }
  return tables;
}

constexpr CrcTables k_crc_tables = make_crc_tables();

std::uint32_t load_le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// zlib semantics: crc32_update(crc32_update(0, a), b) == crc32(a + b).
std::uint32_t crc32_update(std::uint32_t crc, std::string_view data) {
  const auto& t = k_crc_tables;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  crc = ~crc;
  while (n >= 8) {
    const std::uint32_t one = load_le32(p) ^ crc;
    const std::uint32_t two = load_le32(p + 4);
    crc = t[7][one & 0xFFU] ^ t[6][(one >> 8) & 0xFFU] ^ t[5][(one >> 16) & 0xFFU] ^ t[4][one >> 24] ^
          t[3][two & 0xFFU] ^ t[2][(two >> 8) & 0xFFU] ^ t[1][(two >> 16) & 0xFFU] ^ t[0][two >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) {
    crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFFU];
  }
  return ~crc;
}

// The crc part closing every line: `,"crc":"xxxxxxxx"}`.
constexpr std::string_view k_crc_prefix = ",\"crc\":\"";
constexpr std::size_t k_crc_suffix_size = k_crc_prefix.size() + 8 + 2;

bool parse_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  const char* first = text.data() + pos;
  const char* last = first + count;
  for (const char* c = first; c != last; ++c) {
    if (*c < '0' || *c > '9') {
      return false;
    }
  }
  return std::from_chars(first, last, out).ec == std::errc{};
}

Error corruption(std::string_view name, std::size_t line, std::string_view reason) {
  return Error::infra(
      fmt::format("{}:{}: corrupt record ({}); the run's journal cannot be trusted", name, line, reason),
      "the journal was modified or damaged; restore it from a backup, or start a new run");
}

// The structural part of the grammar that the crc cannot vouch for: seq runs
// 1, 2, 3 ... and the first record declares a version this reader knows.
Result<void> check_record(const Value& record, std::uint64_t expected_seq, std::string_view name, std::size_t line) {
  const auto seq = record.find("seq");
  if (seq == record.end() || !seq->is_number_unsigned()) {
    return corruption(name, line, "no seq");
  }
  if (const auto value = seq->get<std::uint64_t>(); value != expected_seq) {
    if (expected_seq == 1) {
      return corruption(name, line, fmt::format("seq {} where 1 was expected", value));
    }
    return corruption(name, line, fmt::format("seq {} follows {}", value, expected_seq - 1));
  }
  const auto ts = record.find("ts");
  if (ts == record.end() || !ts->is_string() || !parse_timestamp(ts->get_ref<const std::string&>())) {
    return corruption(name, line, "bad ts");
  }
  const auto type = record.find("type");
  if (type == record.end() || !type->is_string()) {
    return corruption(name, line, "no type");
  }
  if (expected_seq != 1) {
    return {};
  }
  if (type->get_ref<const std::string&>() != "RunStarted") {
    return corruption(name, line,
                      fmt::format("first record is {}, not RunStarted", type->get_ref<const std::string&>()));
  }
  const auto version = record.find("journal_version");
  if (version == record.end()) {
    return corruption(name, line, "RunStarted without journal_version");
  }
  if (!version->is_number_integer() || version->get<std::int64_t>() != k_journal_version) {
    return Error::infra(fmt::format("{}:{}: unsupported journal version {} (this automata reads version {})", name,
                                    line, version->dump(), k_journal_version),
                        "the run was written by another automata version; use that version to read it");
  }
  return {};
}

struct DecodeFailure {
  std::size_t index = 0;
  std::string reason;
};

// Replay speed is bounded by JSON parsing (under 100 MB/s with nlohmann), so
// a large journal is decoded by several threads, chunk by chunk, while the
// calling thread checks and hands out records in order as their chunk is
// ready: folding overlaps decoding instead of following it.
class ChunkedDecoder {
 public:
  static constexpr std::size_t k_lines_per_chunk = 1024;

  ChunkedDecoder(const std::vector<std::string_view>& lines, std::vector<Value>& records)
      : m_lines(lines),
        m_records(records),
        m_chunks((lines.size() + k_lines_per_chunk - 1) / k_lines_per_chunk),
        m_state(m_chunks) {
    const std::size_t helpers =
        std::min<std::size_t>({std::max(1U, std::thread::hardware_concurrency()), 8, m_chunks}) - (m_chunks > 0 ? 1 : 0);
    for (std::size_t i = 0; i < helpers; ++i) {
      try {
        m_threads.emplace_back([this] { help(); });
      } catch (const std::system_error&) {
        break;  // no thread to be had: the calling thread decodes the rest
      }
    }
  }
  ChunkedDecoder(const ChunkedDecoder&) = delete;
  ChunkedDecoder& operator=(const ChunkedDecoder&) = delete;
  ~ChunkedDecoder() {
    m_stopping = true;
    for (auto& thread : m_threads) {
      thread.join();
    }
  }

  // Waits until the chunk holding `line` is decoded (decoding chunks itself
  // meanwhile); returns its first bad line, if any.
  const std::optional<DecodeFailure>& ready(std::size_t line) {
    const std::size_t chunk = line / k_lines_per_chunk;
    while (!m_state[chunk].done.load(std::memory_order_acquire)) {
      if (!decode_next()) {
        std::unique_lock lock(m_mutex);
        m_chunk_done.wait(lock, [&] { return m_state[chunk].done.load(std::memory_order_acquire); });
      }
    }
    if (m_state[chunk].error) {
      std::rethrow_exception(m_state[chunk].error);
    }
    return m_state[chunk].failure;
  }

 private:
  struct ChunkState {
    std::atomic<bool> done{false};
    std::optional<DecodeFailure> failure;
    std::exception_ptr error;
  };

  void help() {
    while (!m_stopping && decode_next()) {
    }
  }

  // Claims and decodes the next undecoded chunk; false when none is left.
  bool decode_next() {
    const std::size_t chunk = m_next.fetch_add(1);
    if (chunk >= m_chunks) {
      return false;
    }
    ChunkState& state = m_state[chunk];
    const std::size_t end = std::min(m_lines.size(), (chunk + 1) * k_lines_per_chunk);
    try {
      for (std::size_t i = chunk * k_lines_per_chunk; i < end; ++i) {
        auto decoded = decode_record(m_lines[i]);
        if (auto* reason = std::get_if<std::string>(&decoded)) {
          state.failure = DecodeFailure{i, std::move(*reason)};
          break;
        }
        m_records[i] = std::move(std::get<Value>(decoded));
      }
    } catch (...) {
      state.error = std::current_exception();
    }
    {
      std::lock_guard guard(m_mutex);
      state.done.store(true, std::memory_order_release);
    }
    m_chunk_done.notify_all();
    return true;
  }

  const std::vector<std::string_view>& m_lines;
  std::vector<Value>& m_records;
  const std::size_t m_chunks;
  std::vector<ChunkState> m_state;
  std::atomic<std::size_t> m_next{0};
  std::atomic<bool> m_stopping{false};
  std::mutex m_mutex;
  std::condition_variable m_chunk_done;
  std::vector<std::thread> m_threads;  // last: started after everything they use
};

}  // namespace

std::uint32_t crc32(std::string_view data) { return crc32_update(0, data); }

std::string format_timestamp(SystemTime time) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

std::optional<SystemTime> parse_timestamp(std::string_view text) {
  // 0123456789012345678901234
  // 2026-11-21T15:30:12.123Z
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != '.' || text[23] != 'Z') {
    return std::nullopt;
  }
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
  if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) || !parse_digits(text, 8, 2, day) ||
      !parse_digits(text, 11, 2, hour) || !parse_digits(text, 14, 2, minute) || !parse_digits(text, 17, 2, second) ||
      !parse_digits(text, 20, 3, millis)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const auto point = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis};
  return time_point_cast<SystemTime::duration>(point);
}

std::string encode_record(const Value& record) {
  // Precondition: a non-empty object (it holds at least seq, ts and type).
  std::string line = record.dump(-1, ' ', false, Value::error_handler_t::replace);
  const std::uint32_t crc = crc32(line);
  line.pop_back();
  fmt::format_to(std::back_inserter(line), "{}{:08x}\"}}", k_crc_prefix, crc);
  return line;
}

std::variant<Value, std::string> decode_record(std::string_view line) {
  if (line.size() < k_crc_suffix_size + 2 || line.back() != '}' || line[line.size() - 2] != '"' ||
      line.substr(line.size() - k_crc_suffix_size, k_crc_prefix.size()) != k_crc_prefix) {
    return std::string("no crc");
  }
  const std::string_view hex = line.substr(line.size() - 10, 8);
  std::uint32_t stored = 0;
  const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), stored, 16);
  if (ec != std::errc{} || end != hex.data() + hex.size()) {
    return std::string("no crc");
  }
  const std::string_view body = line.substr(0, line.size() - k_crc_suffix_size);
  if (crc32_update(crc32(body), "}") != stored) {
    return std::string("crc mismatch");
  }
  // The whole line is parsed (no copy of the body) and its crc, the last
  // field, dropped after.
  Value record = Value::parse(line.begin(), line.end(), nullptr, false);
  if (record.is_discarded()) {
    return std::string("not JSON");
  }
  if (!record.is_object()) {
    return std::string("not a JSON object");
  }
  auto& fields = static_cast<std::vector<std::pair<const std::string, Value>>&>(record.get_ref<Value::object_t&>());
  if (fields.empty() || fields.back().first != "crc") {
    return std::string("no crc");
  }
  fields.pop_back();
  return record;
}

Result<JournalContents> parse_journal(std::string_view data, std::string_view name, const RecordSink& sink) {
  std::vector<std::string_view> lines;
  lines.reserve(static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n')) + 1);
  for (std::size_t pos = 0; pos < data.size();) {
    const std::size_t newline = std::min(data.find('\n', pos), data.size());
    lines.push_back(data.substr(pos, newline - pos));
    pos = newline + 1;
  }
  const bool last_complete = !data.empty() && data.back() == '\n';

  std::vector<Value> records(lines.size());
  ChunkedDecoder decoder(lines, records);
  JournalContents contents;
  std::size_t kept = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line_number = i + 1;
    const auto& failure = decoder.ready(i);
    const bool failed = failure && failure->index == i;
    if (i + 1 == lines.size() && (!last_complete || failed)) {
      contents.torn_note =
          fmt::format("{}:{}: dropped a torn last record (written when the process was killed)", name, line_number);
      kept = i;
      break;
    }
    if (failed) {
      return corruption(name, line_number, lines[i].empty() ? std::string_view("empty line") : failure->reason);
    }
    TRY(check_record(records[i], i + 1, name, line_number));
    // Lines are consecutive in data, each followed by its '\n'.
    contents.valid_bytes = static_cast<std::size_t>(lines[i].data() - data.data()) + lines[i].size() + 1;
    if (sink) {
      // Not freed here: a record belongs to the decoding thread's malloc
      // arena, and freeing into it while that thread allocates contends on
      // the arena's lock (twice as slow). They are freed together at the end.
      sink(std::move(records[i]));
    }
  }
  if (!sink) {
    records.resize(kept);
    contents.records = std::move(records);
  }
  return contents;
}

Result<JournalContents> load_journal(const std::filesystem::path& file, const RunLock* lock, const RecordSink& sink) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return Error::infra(fmt::format("cannot read {}: {}", file.string(), std::strerror(error)));
  }
  std::string data;
  struct stat info {};
  int read_errno = 0;
  if (::fstat(fd, &info) != 0) {
    read_errno = errno;
  } else {
    // One read for the whole file; the loop covers short reads and a file
    // that grew after fstat.
    data.resize(static_cast<std::size_t>(info.st_size) + 1);
    std::size_t used = 0;
    while (true) {
      if (used == data.size()) {
        data.resize(data.size() * 2);
      }
      const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        read_errno = errno;
        break;
      }
      if (n == 0) {
        break;
      }
      used += static_cast<std::size_t>(n);
    }
    data.resize(used);
  }
  ::close(fd);
  if (read_errno != 0) {
    return Error::infra(fmt::format("cannot read {}: {}", file.string(), std::strerror(read_errno)));
  }

  TRY_ASSIGN(auto contents, parse_journal(data, file.string(), sink));
  if (contents.torn_note && lock != nullptr) {
    const int wfd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    int truncate_errno = 0;
    if (wfd < 0) {
      truncate_errno = errno;
    } else {
      if (::ftruncate(wfd, static_cast<off_t>(contents.valid_bytes)) != 0 || ::fsync(wfd) != 0) {
        truncate_errno = errno;
      }
      ::close(wfd);
    }
    if (truncate_errno != 0) {
      return Error::infra(
          fmt::format("cannot truncate the torn tail of {}: {}", file.string(), std::strerror(truncate_errno)));
    }
  }
  return contents;
}

}  // namespace automata::engine
