#pragma once
// The control socket of a running run (journal.md: control.sock). One JSON
// request line per connection, one JSON reply line:
//   {"op":"status"}                          -> the live status object
//   {"op":"signal","name":N,"data":D}         -> {"ok":true}
//   {"op":"cancel"}                           -> {"ok":true}  (the signal `cancel`)
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "engine/result.hpp"
#include "engine/value.hpp"

namespace automata::engine {

class Driver;

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> start(const std::filesystem::path& socket_path, Driver& driver);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  ControlServer() = default;
  void serve();
  std::filesystem::path m_path;
  Driver* m_driver = nullptr;
  int m_listen_fd = -1;
  int m_stop_pipe[2] = {-1, -1};
  std::thread m_thread;
};

// Sends one request to a running run. Errc::infra when nothing listens (the
// run is not live), with the reason.
Result<Value> control_request(const std::filesystem::path& socket_path, const Value& request,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

}  // namespace automata::engine
