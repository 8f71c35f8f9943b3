// The stub server itself, spoken to over a raw socket: several requests on
// one kept-alive connection, Content-Length bodies, and Connection: close.
#include "support/http_stub_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

using automata::test::HttpStubServer;
using automata::test::StubResponse;

namespace {

class RawConnection {
 public:
  explicit RawConnection(int port) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() { ::close(m_fd); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& text) { REQUIRE(::write(m_fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())); }

  // Reads until `count` responses with Content-Length bodies have arrived, or EOF.
  std::string read_responses(int count) {
    std::string all;
    char chunk[4096];
    for (;;) {
      int complete = 0;
      std::size_t at = 0;
      for (std::size_t head; (head = all.find("\r\n\r\n", at)) != std::string::npos;) {
        const auto length_at = all.find("Content-Length: ", at);
        const std::size_t length = std::stoul(all.substr(length_at + 16));
        if (all.size() < head + 4 + length) {
          break;
        }
        at = head + 4 + length;
        ++complete;
      }
      if (complete >= count) {
        return all;
      }
      const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
      if (n <= 0) {
        return all;
      }
      all.append(chunk, static_cast<std::size_t>(n));
    }
  }

  bool closed_by_peer() {
    char byte;
    return ::read(m_fd, &byte, 1) == 0;
  }

 private:
  int m_fd;
};

}  // namespace

TEST_SUITE("http stub server") {

TEST_CASE("two requests on one kept-alive connection, bodies by Content-Length, recorded in order") {
  HttpStubServer server;
  server.enqueue(StubResponse::json(201, R"({"n":1})"));
  server.enqueue(StubResponse::json(200, R"({"n":2})"));
  RawConnection connection(server.port());
  connection.send("POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-One: 1\r\n\r\nhello"
                  "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string responses = connection.read_responses(2);
  CHECK(responses.find("HTTP/1.1 201 Created\r\n") == 0);
  CHECK(responses.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK(responses.find(R"({"n":1})") != std::string::npos);
  CHECK(responses.find(R"({"n":2})") != std::string::npos);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/a?x=1");
  CHECK(requests[0].path() == "/a");
  CHECK(requests[0].query("x") == "1");
  CHECK(requests[0].query("y") == std::nullopt);
  CHECK(requests[1].query("x") == std::nullopt);
  CHECK(requests[0].header("x-one") == "1");
  CHECK(requests[0].body == "hello");
  CHECK(requests[1].method == "GET");
  CHECK(requests[1].body.empty());
}

TEST_CASE("a response marked close hangs up; an empty script answers 599") {
  HttpStubServer server;
  StubResponse closing = StubResponse::json(200, "{}");
  closing.close = true;
  server.enqueue(closing);
  RawConnection connection(server.port());
  connection.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(connection.read_responses(1).find("Connection: close\r\n") != std::string::npos);
  CHECK(connection.closed_by_peer());
  RawConnection second(server.port());
  second.send("GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  const std::string response = second.read_responses(1);
  CHECK(response.find("HTTP/1.1 599 ") == 0);
  CHECK(response.find("no scripted response") != std::string::npos);
}

}  // TEST_SUITE
