// JournalWriter: whole lines appended with one write(2) each, made durable by
// a background fdatasync that groups the appends of a few milliseconds
// (journal.md "Writing it"), or by an fdatasync per record in strict mode.
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "engine/journal.hpp"

namespace automata::engine {

namespace {

constexpr auto k_group_interval = std::chrono::milliseconds(5);

int datasync(int fd) {
  int rc = 0;
  do {
    rc = ::fdatasync(fd);
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? 0 : errno;
}

}  // namespace

struct JournalWriter::Impl {
  Impl(std::filesystem::path file, int fd, Durability durability, const Clock& clock, std::uint64_t next_seq,
       off_t size)
      : m_file(std::move(file)),
        m_fd(fd),
        m_durability(durability),
        m_clock(clock),
        m_next_seq(next_seq),
        m_size(size) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    if (m_syncer.joinable()) {
      {
        std::lock_guard guard(m_mutex);
        m_stop = true;
      }
      m_wake.notify_one();
      m_syncer.join();
    } else if (m_durability == Durability::grouped) {
      datasync(m_fd);
    }
    ::close(m_fd);
  }

  Error sync_error(int error) const {
    return Error::infra(fmt::format("cannot sync {}: {}", m_file.string(), std::strerror(error)));
  }

  // Syncs as soon as an append is pending, then at most every
  // k_group_interval; on stop, a final sync of whatever is still pending.
  void sync_loop() {
    std::unique_lock lock(m_mutex);
    while (true) {
      m_wake.wait(lock, [this] { return m_dirty || m_stop; });
      if (!m_dirty) {
        return;
      }
      m_dirty = false;
      lock.unlock();
      const int error = datasync(m_fd);
      lock.lock();
      if (error != 0 && m_background_errno == 0) {
        m_background_errno = error;
      }
      if (!m_stop) {
        m_wake.wait_for(lock, k_group_interval, [this] { return m_stop; });
      }
    }
  }

  // Writes all of `line`; after a failure part-way, cuts the file back to
  // its last whole line so that later appends do not follow a torn one.
  int write_line(std::string_view line) {
    std::size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(m_fd, line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        const int error = n < 0 ? errno : EIO;
        if (written > 0 && ::ftruncate(m_fd, m_size) != 0) {
          m_broken = true;
        }
        return error;
      }
      written += static_cast<std::size_t>(n);
    }
    m_size += static_cast<off_t>(line.size());
    return 0;
  }

  const std::filesystem::path m_file;
  const int m_fd;
  const Durability m_durability;
  const Clock& m_clock;
  std::mutex m_mutex;  // guards everything below, and orders seq with file order
  std::condition_variable m_wake;
  std::uint64_t m_next_seq = 1;
  off_t m_size = 0;  // of the file: the end of its last whole line
  bool m_dirty = false;
  bool m_stop = false;
  bool m_broken = false;
  int m_background_errno = 0;
  std::thread m_syncer;
};

Result<std::unique_ptr<JournalWriter>> JournalWriter::open(const std::filesystem::path& file, const RunLock& lock,
                                                           std::uint64_t next_seq, Durability durability,
                                                           const Clock& clock) {
  static_cast<void>(lock);  // the witness: only the driver of the run appends
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    return Error::infra(fmt::format("cannot open {} for appending: {}", file.string(), std::strerror(error)));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return Error::infra(fmt::format("cannot open {} for appending: {}", file.string(), std::strerror(error)));
  }
  auto impl = std::make_unique<Impl>(file, fd, durability, clock, next_seq, info.st_size);
  if (durability == Durability::grouped) {
    try {
      impl->m_syncer = std::thread([raw = impl.get()] { raw->sync_loop(); });
    } catch (const std::system_error& e) {
      return Error::infra(fmt::format("cannot start the journal sync thread: {}", e.what()));
    }
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(std::move(impl)));
}

JournalWriter::JournalWriter(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

JournalWriter::~JournalWriter() = default;

Result<Value> JournalWriter::append(const Value& record) {
  Impl& impl = *m_impl;
  const auto type = record.is_object() ? record.find("type") : record.end();
  if (!record.is_object() || type == record.end() || !type->is_string()) {
    return Error::infra(fmt::format("cannot append to {}: a journal record needs a string type", impl.m_file.string()));
  }
  Value full = Value::object();
  {
    std::unique_lock guard(impl.m_mutex);
    if (impl.m_broken) {
      return Error::infra(
          fmt::format("cannot append to {}: an earlier append left a partial line", impl.m_file.string()),
          "the run's journal cannot be trusted; resume the run to repair it");
    }
    if (impl.m_background_errno != 0) {
      return impl.sync_error(impl.m_background_errno);
    }
    full["seq"] = impl.m_next_seq;
    full["ts"] = format_timestamp(impl.m_clock.wall_now());
    full["type"] = *type;
    for (const auto& [key, value] : record.items()) {
      if (key != "seq" && key != "ts" && key != "type" && key != "crc") {
        full[key] = value;
      }
    }
    std::string line = encode_record(full);
    line.push_back('\n');
    if (const int error = impl.write_line(line); error != 0) {
      return Error::infra(fmt::format("cannot append to {}: {}", impl.m_file.string(), std::strerror(error)));
    }
    ++impl.m_next_seq;
    if (impl.m_durability == Durability::grouped) {
      const bool was_dirty = impl.m_dirty;
      impl.m_dirty = true;
      guard.unlock();
      if (!was_dirty) {
        impl.m_wake.notify_one();
      }
      return full;
    }
  }
  // Strict: fdatasync outside the lock covers this record (and any appended
  // meanwhile) without serialising the other writers behind the disk.
  if (const int error = datasync(impl.m_fd); error != 0) {
    return impl.sync_error(error);
  }
  return full;
}

Result<void> JournalWriter::sync() {
  if (const int error = datasync(m_impl->m_fd); error != 0) {
    return m_impl->sync_error(error);
  }
  std::lock_guard guard(m_impl->m_mutex);
  if (m_impl->m_background_errno != 0) {
    return m_impl->sync_error(m_impl->m_background_errno);
  }
  return {};
}

std::uint64_t JournalWriter::next_seq() const {
  std::lock_guard guard(m_impl->m_mutex);
  return m_impl->m_next_seq;
}

}  // namespace automata::engine
