#include "support/http_stub_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace automata::test {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  const auto end = text.find_last_not_of(" \t\r");
  return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 401: return "Unauthorized";
    case 529: return "Overloaded";
    default: return "Status";
  }
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string to_hex(std::size_t value) {
  static const char* const k_digits = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), k_digits[value % 16]);
    value /= 16;
  } while (value != 0);
  return out;
}

}  // namespace

std::optional<std::string> StubRequest::header(const std::string& lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string StubRequest::path() const { return target.substr(0, target.find('?')); }

std::optional<std::string> StubRequest::query(const std::string& name) const {
  const auto question = target.find('?');
  if (question == std::string::npos) {
    return std::nullopt;
  }
  std::size_t at = question + 1;
  while (at <= target.size()) {
    const std::size_t end = std::min(target.find('&', at), target.size());
    const std::string pair = target.substr(at, end - at);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string::npos ? std::string() : pair.substr(equals + 1);
    }
    at = end + 1;
  }
  return std::nullopt;
}

StubResponse StubResponse::json(int status, std::string body) {
  StubResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  return response;
}

HttpStubServer::HttpStubServer() {
  if (::pipe2(m_stop_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("stub server: pipe failed");
  }
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (m_listen_fd < 0 || ::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_listen_fd, 16) != 0) {
    throw std::runtime_error("stub server: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&address), &length);
  m_port = ntohs(address.sin_port);
  m_acceptor = std::thread([this] { accept_loop(); });
}

void HttpStubServer::stop_listening() {
  if (!m_acceptor.joinable()) {
    return;
  }
  const char byte = 'x';
  (void)!::write(m_stop_pipe[1], &byte, 1);
  m_acceptor.join();
  ::close(m_listen_fd);
  m_listen_fd = -1;
}

HttpStubServer::~HttpStubServer() {
  stop_listening();
  {
    std::lock_guard lock(m_mutex);
    for (int fd : m_connection_fds) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  for (auto& connection : m_connections) {
    connection.join();
  }
  for (int fd : m_connection_fds) {
    ::close(fd);
  }
  ::close(m_stop_pipe[0]);
  ::close(m_stop_pipe[1]);
}

std::string HttpStubServer::url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

void HttpStubServer::enqueue(StubResponse response) {
  std::lock_guard lock(m_mutex);
  m_queue.push_back(std::move(response));
}

void HttpStubServer::set_handler(Handler handler) {
  std::lock_guard lock(m_mutex);
  m_handler = std::move(handler);
}

std::vector<StubRequest> HttpStubServer::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

void HttpStubServer::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{m_listen_fd, POLLIN, 0}, {m_stop_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    std::lock_guard lock(m_mutex);
    m_connection_fds.push_back(fd);
    m_connections.emplace_back([this, fd] { serve(fd); });
  }
}

StubResponse HttpStubServer::answer(const StubRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    if (!m_queue.empty()) {
      StubResponse next = std::move(m_queue.front());
      m_queue.pop_front();
      return next;
    }
    handler = m_handler;
  }
  if (handler) {
    return handler(request);
  }
  return StubResponse::json(599, R"({"message":"no scripted response"})");
}

void HttpStubServer::serve(int fd) {
  std::string buffer;
  char chunk[4096];
  auto read_more = [&] {
    for (;;) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  };
  for (;;) {
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        return;  // the destructor closes the fd
      }
    }
    StubRequest request;
    const std::string head = buffer.substr(0, header_end);
    buffer.erase(0, header_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto first_space = request_line.find(' ');
    const auto second_space = request_line.find(' ', first_space + 1);
    request.method = request_line.substr(0, first_space);
    request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
    std::size_t content_length = 0;
    bool client_closes = false;
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string value = trim(line.substr(colon + 1));
      request.headers.emplace_back(name, value);
      if (name == "content-length") {
        content_length = std::stoul(value);
      } else if (name == "connection" && lower(value) == "close") {
        client_closes = true;
      }
    }
    while (buffer.size() < content_length) {
      if (!read_more()) {
        return;
      }
    }
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);

    const StubResponse response = answer(request);
    const bool close = response.close || client_closes;
    std::string text = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) {
      text += name + ": " + value + "\r\n";
    }
    const bool chunked = !response.chunks.empty();
    text += chunked ? std::string("Transfer-Encoding: chunked\r\n")
                    : "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    text += close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    text += "\r\n";
    if (request.method != "HEAD" && !chunked) {
      text += response.body;
    }
    bool written = write_all(fd, text);
    if (chunked) {
      for (const auto& piece : response.chunks) {
        written = written && (piece.empty() || write_all(fd, to_hex(piece.size()) + "\r\n" + piece + "\r\n"));
      }
      written = written && write_all(fd, "0\r\n\r\n");
    }
    if (!written || close) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

}  // namespace automata::test
