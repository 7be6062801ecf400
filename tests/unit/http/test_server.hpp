#pragma once
// A real http::Server on a loopback port in a background thread, with whatever routes a test
// gives it. Stopped (drained) when the fixture dies.
#include <thread>

#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"

namespace tessera::test {

// Accepts "Bearer good" (and "Bearer unverified", "Bearer admin"); anything else is refused.
class FakeAuthenticator final : public http::Authenticator {
 public:
  Result<std::shared_ptr<const domain::Principal>> authenticate(const http::Request& request) const override {
    auto p = decide(request);
    if (!p) return std::move(p).error();
    return std::make_shared<const domain::Principal>(std::move(*p));
  }
  Result<domain::Principal> decide(const http::Request& request) const {
    const auto h = request.header("authorization");
    if (h.empty()) return make_error(errc::missing_token);
    domain::Principal p;
    p.user_id = domain::UserId("u1");
    p.email_verified = true;
    if (h == "Bearer good") return p;
    if (h == "Bearer unverified") {
      p.email_verified = false;
      return p;
    }
    if (h == "Bearer admin") {
      p.roles = {"admin"};
      return p;
    }
    return make_error(errc::invalid_token, "", "test: bad token");
  }
};

struct TestServer {
  explicit TestServer(http::Router r, http::ServerOptions options = {}, int hash_threads = 2,
                      std::size_t hash_queue = 16)
      : router(std::move(r)),
        db("db", 2, 64),
        hash("hash", hash_threads, hash_queue),
        dispatcher(router, &auth, http::Lanes{&db, &hash}),
        server(with_defaults(options), dispatcher) {
    if (!server.listen()) throw std::runtime_error("listen failed");
    thread = std::thread([this] { server.run(); });
  }
  ~TestServer() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    server.drain();
    thread.join();
    hash.stop();
    db.stop();
  }
  std::uint16_t port() const { return server.port(); }

  static http::ServerOptions with_defaults(http::ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.handle_signals = false;
    if (o.threads < 1) o.threads = 2;
    return o;
  }

  FakeAuthenticator auth;
  http::Router router;
  http::WorkerPool db;
  http::WorkerPool hash;
  http::Dispatcher dispatcher;
  http::Server server;
  std::thread thread;
};

}  // namespace tessera::test
