#pragma once
// The HTTP/1.1 server: Beast on Asio, one coroutine per connection, N network threads.
// It owns the limits on what a client may send (sizes, time), keep-alive, the request id, the
// access log line, and the bounded drain on SIGTERM/SIGINT (DESIGN rules 7 and 10).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "http/client_address.hpp"
#include "http/dispatcher.hpp"

namespace tessera::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  int threads = 1;
  std::size_t max_header_bytes = 16 * 1024;   // request line + headers; past it, 431
  std::size_t max_body_bytes = 64 * 1024;     // past it, 413 (refused from Content-Length alone)
  std::chrono::seconds read_timeout{10};      // to send a whole request once it has started
  std::chrono::seconds idle_timeout{60};      // between requests on a keep-alive connection
  std::chrono::seconds shutdown_timeout{10};  // for in-flight requests when draining
  bool handle_signals = true;                 // SIGTERM/SIGINT start the drain
  TrustedProxies trusted_proxies;             // whose X-Forwarded-For names the client
};

// Sees every finished request (metrics).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_request(const Request& request, const Response& response, std::chrono::microseconds took) = 0;
};

class Server {
 public:
  Server(ServerOptions options, const Dispatcher& dispatcher, RequestObserver* observer = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; afterwards port() is the real port. Fails with a readable detail.
  Result<void> listen();
  std::uint16_t port() const;
  // Serves until drained: blocks the calling thread (plus options.threads - 1 more).
  void run();
  // Starts the bounded drain: stop accepting, finish in-flight requests (up to
  // shutdown_timeout), close idle connections, then return from run(). Thread-safe.
  void drain();
  // True once drain() has been called (readiness reports 503 from then on).
  bool draining() const;
  // Connections open right now.
  std::size_t connections() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::http
