#include "engine/journal.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <iterator>
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

// Decodes lines [begin, end) into records, stopping at the first bad one.
std::optional<DecodeFailure> decode_range(const std::vector<std::string_view>& lines, std::vector<Value>& records,
                                          std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    auto decoded = decode_record(lines[i]);
    if (auto* reason = std::get_if<std::string>(&decoded)) {
      return DecodeFailure{i, std::move(*reason)};
    }
    records[i] = std::move(std::get<Value>(decoded));
  }
  return std::nullopt;
}

// Replay speed is bounded by JSON parsing (under 100 MB/s with nlohmann), so a
// large journal is decoded by several threads, each over a contiguous range.
// Returns the first bad line; lines after it may be left undecoded.
std::optional<DecodeFailure> decode_lines(const std::vector<std::string_view>& lines, std::vector<Value>& records) {
  constexpr std::size_t k_lines_per_thread = 2048;
  const std::size_t wanted = std::min<std::size_t>(
      {std::max(1U, std::thread::hardware_concurrency()), 8, lines.size() / k_lines_per_thread + 1});
  if (wanted <= 1) {
    return decode_range(lines, records, 0, lines.size());
  }
  std::vector<std::optional<DecodeFailure>> failures(wanted);
  std::vector<std::exception_ptr> errors(wanted);
  std::vector<std::thread> threads;
  threads.reserve(wanted - 1);  // so that only the thread constructor can throw once threads run
  const auto run = [&](std::size_t chunk) {
    const std::size_t begin = lines.size() * chunk / wanted;
    const std::size_t end = lines.size() * (chunk + 1) / wanted;
    try {
      failures[chunk] = decode_range(lines, records, begin, end);
    } catch (...) {
      errors[chunk] = std::current_exception();
    }
  };
  for (std::size_t chunk = 1; chunk < wanted; ++chunk) {
    try {
      threads.emplace_back(run, chunk);
    } catch (const std::system_error&) {
      run(chunk);  // no thread to be had: decode this range here
    }
  }
  run(0);
  for (auto& thread : threads) {
    thread.join();
  }
  for (std::size_t chunk = 0; chunk < wanted; ++chunk) {
    if (errors[chunk]) {
      std::rethrow_exception(errors[chunk]);
    }
    if (failures[chunk]) {
      return std::move(failures[chunk]);
    }
  }
  return std::nullopt;
}

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
  std::string text;
  text.reserve(body.size() + 1);
  text.append(body);
  text.push_back('}');
  Value record = Value::parse(text, nullptr, false);
  if (record.is_discarded()) {
    return std::string("not JSON");
  }
  if (!record.is_object()) {
    return std::string("not a JSON object");
  }
  return record;
}

Result<JournalContents> parse_journal(std::string_view data, std::string_view name) {
  std::vector<std::string_view> lines;
  lines.reserve(static_cast<std::size_t>(std::count(data.begin(), data.end(), '\n')) + 1);
  for (std::size_t pos = 0; pos < data.size();) {
    const std::size_t newline = std::min(data.find('\n', pos), data.size());
    lines.push_back(data.substr(pos, newline - pos));
    pos = newline + 1;
  }
  const bool last_complete = !data.empty() && data.back() == '\n';

  std::vector<Value> records(lines.size());
  const auto failure = decode_lines(lines, records);

  JournalContents contents;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line_number = i + 1;
    const bool failed = failure && failure->index == i;
    if (i + 1 == lines.size() && (!last_complete || failed)) {
      contents.torn_note =
          fmt::format("{}:{}: dropped a torn last record (written when the process was killed)", name, line_number);
      records.resize(i);
      break;
    }
    if (failed) {
      return corruption(name, line_number, lines[i].empty() ? std::string_view("empty line") : failure->reason);
    }
    TRY(check_record(records[i], i + 1, name, line_number));
    // Lines are consecutive in data, each followed by its '\n'.
    contents.valid_bytes = static_cast<std::size_t>(lines[i].data() - data.data()) + lines[i].size() + 1;
  }
  contents.records = std::move(records);
  return contents;
}

Result<JournalContents> load_journal(const std::filesystem::path& file, const RunLock* lock) {
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

  TRY_ASSIGN(auto contents, parse_journal(data, file.string()));
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
