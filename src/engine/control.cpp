#include "engine/control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "engine/driver.hpp"

namespace automata::engine {
namespace {

// sun_path holds 108 bytes; a deeper run directory is reached through
// /proc/self/fd/<dir fd>/ (Linux), which the caller keeps open meanwhile.
struct SocketAddress {
  sockaddr_un address{};
  int dir_fd = -1;
  ~SocketAddress() {
    if (dir_fd >= 0) {
      ::close(dir_fd);
    }
  }
};

bool fill_address(const std::filesystem::path& path, SocketAddress& out) {
  out.address.sun_family = AF_UNIX;
  std::string text = path.string();
  if (text.size() >= sizeof(out.address.sun_path)) {
    out.dir_fd = ::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (out.dir_fd < 0) {
      return false;
    }
    text = fmt::format("/proc/self/fd/{}/{}", out.dir_fd, path.filename().string());
  }
  if (text.size() >= sizeof(out.address.sun_path)) {
    return false;
  }
  std::memcpy(out.address.sun_path, text.c_str(), text.size() + 1);
  return true;
}

bool read_line(int fd, std::string& line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return false;
    }
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return !line.empty();
    }
    line.append(buffer, static_cast<std::size_t>(n));
    if (line.size() > 1024 * 1024) {
      return false;
    }
  }
  line.resize(line.find('\n'));
  return true;
}

void write_line(int fd, const std::string& text) {
  std::string data = text + "\n";
  std::string_view rest = data;
  while (!rest.empty()) {
    const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::start(const std::filesystem::path& socket_path, Driver& driver) {
  auto server = std::unique_ptr<ControlServer>(new ControlServer());
  server->m_path = socket_path;
  server->m_driver = &driver;
  SocketAddress address;
  if (!fill_address(socket_path, address)) {
    return Error::infra(fmt::format("cannot make a control socket at {}", socket_path.string()));
  }
  ::unlink(socket_path.c_str());  // left by a killed driver; we hold the run lock
  server->m_listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server->m_listen_fd < 0 ||
      ::bind(server->m_listen_fd, reinterpret_cast<sockaddr*>(&address.address), sizeof(address.address)) != 0 ||
      ::chmod(socket_path.c_str(), 0600) != 0 || ::listen(server->m_listen_fd, 16) != 0 ||
      ::pipe2(server->m_stop_pipe, O_CLOEXEC) != 0) {
    return Error::infra(fmt::format("cannot listen on {}: {}", socket_path.string(), std::strerror(errno)));
  }
  server->m_thread = std::thread([raw = server.get()] { raw->serve(); });
  return server;
}

ControlServer::~ControlServer() {
  if (m_stop_pipe[1] >= 0) {
    const char byte = 'x';
    (void)!::write(m_stop_pipe[1], &byte, 1);
  }
  if (m_thread.joinable()) {
    m_thread.join();
  }
  for (int fd : {m_listen_fd, m_stop_pipe[0], m_stop_pipe[1]}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  ::unlink(m_path.c_str());
}

void ControlServer::serve() {
  while (true) {
    pollfd fds[2] = {{m_listen_fd, POLLIN, 0}, {m_stop_pipe[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    const int client = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      continue;
    }
    std::string line;
    Value reply;
    if (!read_line(client, line, std::chrono::milliseconds(2000))) {
      reply = {{"ok", false}, {"error", "no request"}};
    } else {
      const Value request = Value::parse(line, nullptr, false);
      const std::string op = request.is_object() ? request.value("op", std::string()) : std::string();
      if (op == "status") {
        reply = m_driver->live_status();
      } else if (op == "signal" && request.contains("name") && request["name"].is_string()) {
        m_driver->post_signal(request["name"].get<std::string>(), request.value("data", Value()));
        reply = {{"ok", true}};
      } else if (op == "cancel") {
        m_driver->post_signal("cancel", Value());
        reply = {{"ok", true}};
      } else {
        reply = {{"ok", false}, {"error", "unknown request"}};
      }
    }
    write_line(client, reply.dump(-1, ' ', false, Value::error_handler_t::replace));
    ::close(client);
  }
}

Result<Value> control_request(const std::filesystem::path& socket_path, const Value& request,
                              std::chrono::milliseconds timeout) {
  SocketAddress address;
  if (!fill_address(socket_path, address)) {
    return Error::infra("the run is not running (no control socket)");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error::infra(fmt::format("cannot create a socket: {}", std::strerror(errno)));
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address.address), sizeof(address.address)) != 0) {
    const int error = errno;
    ::close(fd);
    return Error::infra(fmt::format("the run is not running ({})", std::strerror(error)));
  }
  write_line(fd, request.dump());
  std::string line;
  const bool ok = read_line(fd, line, timeout);
  ::close(fd);
  if (!ok) {
    return Error::infra("the run's process did not answer");
  }
  Value reply = Value::parse(line, nullptr, false);
  if (reply.is_discarded()) {
    return Error::infra("the run's process sent an unreadable answer");
  }
  return reply;
}

}  // namespace automata::engine
