#pragma once
// A real HTTP/1.1 server on 127.0.0.1 for testing HTTP-speaking step kinds:
// an ephemeral port, its own threads, stopped by the destructor. It records
// every request and answers from a per-test script: a queue of responses, or
// a handler function. Content-Length bodies, or chunked ones streamed piece by
// piece; keep-alive unless either side says Connection: close.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace automata::test {

struct StubRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  std::optional<std::string> header(const std::string& lower_case_name) const;
  std::string path() const;  // target without the query
  // The value of query parameter `name` as sent (not decoded), or nullopt.
  std::optional<std::string> query(const std::string& name) const;
};

struct StubResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is added
  bool close = false;  // answer with Connection: close and hang up
  // Non-empty: a streamed answer (server-sent events), sent with
  // Transfer-Encoding: chunked, one write per piece, `body` ignored.
  std::vector<std::string> chunks;

  // A JSON body with Content-Type: application/json.
  static StubResponse json(int status, std::string body);
};

class HttpStubServer {
 public:
  using Handler = std::function<StubResponse(const StubRequest&)>;

  HttpStubServer();
  ~HttpStubServer();
  HttpStubServer(const HttpStubServer&) = delete;
  HttpStubServer& operator=(const HttpStubServer&) = delete;

  int port() const { return m_port; }
  std::string url() const;  // "http://127.0.0.1:<port>"

  // Answers, in order. When the queue is empty the handler answers, or a 599
  // "no scripted response" that makes a test's mistake obvious.
  void enqueue(StubResponse response);
  void set_handler(Handler handler);

  std::vector<StubRequest> requests() const;

  // Stops accepting connections and closes the listening socket: its url()
  // then refuses connections, as a server that is not running does.
  void stop_listening();

 private:
  void accept_loop();
  void serve(int fd);
  StubResponse answer(const StubRequest& request);

  int m_listen_fd = -1;
  int m_port = 0;
  int m_stop_pipe[2] = {-1, -1};
  std::thread m_acceptor;
  mutable std::mutex m_mutex;
  std::vector<std::thread> m_connections;
  std::vector<int> m_connection_fds;
  std::deque<StubResponse> m_queue;
  Handler m_handler;
  std::vector<StubRequest> m_requests;
};

}  // namespace automata::test
