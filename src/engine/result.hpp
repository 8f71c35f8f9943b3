#pragma once
// One result type for the whole tree (style.md): expected failures are
// values; exceptions mean "abandon this command" and are caught at the top
// and at step/thread boundaries.

#include <string>
#include <utility>
#include <variant>

namespace automata {

// What kind of failure, which decides the exit code only in main (cli.md).
enum class Errc {
  failed,       // a run or step failed                      -> 1
  usage,        // bad command line or invalid workflow/input -> 2
  cancelled,    // the run was cancelled                      -> 3
  paused,       // paused or waiting for a signal             -> 4
  infra,        // store, lock, journal, OS                   -> 5
  interrupted,  // SIGINT/SIGTERM                             -> 130
};

struct Error {
  Errc code = Errc::failed;
  std::string message;  // one line: what and where
  std::string hint;     // optional: what to do next

  static Error usage(std::string msg, std::string hint = {}) { return {Errc::usage, std::move(msg), std::move(hint)}; }
  static Error infra(std::string msg, std::string hint = {}) { return {Errc::infra, std::move(msg), std::move(hint)}; }
  static Error failed(std::string msg, std::string hint = {}) { return {Errc::failed, std::move(msg), std::move(hint)}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(m_v); }
  Error&& error() && { return std::get<1>(std::move(m_v)); }

 private:
  std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT
  bool ok() const { return m_ok; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return m_error; }
  Error&& error() && { return std::move(m_error); }

 private:
  Error m_error;
  bool m_ok = true;
};

}  // namespace automata

// TRY(expr): return the error of a failed Result from the enclosing function.
#define AUTOMATA_CONCAT_(a, b) a##b
#define AUTOMATA_CONCAT(a, b) AUTOMATA_CONCAT_(a, b)
#define TRY(expr)                                                   \
  do {                                                              \
    auto&& try_result_ = (expr);                                    \
    if (!try_result_.ok()) { return std::move(try_result_).error(); } \
  } while (0)
// TRY_ASSIGN(var, expr): declare var from a Result, or return its error.
#define TRY_ASSIGN(var, expr)                                                         \
  auto&& AUTOMATA_CONCAT(try_tmp_, __LINE__) = (expr);                                \
  if (!AUTOMATA_CONCAT(try_tmp_, __LINE__).ok()) {                                    \
    return std::move(AUTOMATA_CONCAT(try_tmp_, __LINE__)).error();                    \
  }                                                                                   \
  var = std::move(AUTOMATA_CONCAT(try_tmp_, __LINE__)).value()
