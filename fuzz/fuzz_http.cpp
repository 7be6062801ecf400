// fuzz_http: the whole request path. Each input is sent, as raw bytes, over one loopback TCP
// connection to a real http::Server (Beast's parser with the configured header and body limits,
// the smuggling and target checks, 100-continue, keep-alive and pipelining, X-Forwarded-For
// from a trusted proxy), whose Dispatcher has the real routes of api::build_router, the real
// guards (BearerAuthenticator), the browser policy and the handlers, over the real runtime on a
// throwaway SQLite database (fuzz/support/app_fixture.hpp). @TOKEN@, @ADMIN@ and @REFRESH@ in
// the input become the fixture's real tokens, so guarded routes and the admin API are reached;
// bodies log in as the fixture's fixed account (login@fuzz.test).
//
// Why a socket rather than feeding a parser in-process: the server's own framing code (which
// changes) is then what is fuzzed, not a copy of it. The cost is a connection per input (tens of
// microseconds on loopback) and one server thread; the harness waits until the server has
// closed the connection, so an input's work is done before the next one starts.
//
// Properties, checked by a RequestObserver on every answered request:
//   - no 500: a handler that throws or an internal_error is a finding;
//   - a request is only ever authenticated as an account the fixture made (tokens cannot be
//     forged), and a guarded route never answers 2xx without a principal;
// and by the harness: the server finishes every exchange (answers and closes) within 20 s.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "api/bearer_authenticator.hpp"
#include "api/browser_policy.hpp"
#include "api/routes.hpp"
#include "app/services.hpp"
#include "http/dispatcher.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"
#include "support/app_fixture.hpp"
#include "support/check.hpp"

namespace {

using namespace tessera;

class Oracle final : public http::RequestObserver {
 public:
  explicit Oracle(const http::Router& router) : router_(router) {}
  void on_request(const http::Request& req, const http::Response& res, std::chrono::microseconds) override {
    if (res.status == 500) {
      std::fprintf(stderr, "fuzz_http: 500 for %.*s (route %.*s): %s %s\n", static_cast<int>(req.target.size()),
                   req.target.data(), static_cast<int>(req.route.size()), req.route.data(), res.error_code.c_str(),
                   res.error_reason.c_str());
      FUZZ_CHECK(false, "the server answered 500");
    }
    if (req.principal) {
      std::lock_guard lock(mutex);
      FUZZ_CHECK(user_ids.count(req.principal->user_id.str()) == 1,
                 "a request was authenticated as an account the fixture never made");
    }
    if (res.status >= 200 && res.status < 300) {
      auto m = router_.match(req.method, req.path);
      if (m.outcome == http::Router::Outcome::found && m.route->guard.kind != http::Guard::Kind::none &&
          m.route->guard.kind != http::Guard::Kind::optional) {
        FUZZ_CHECK(req.principal != nullptr, "a guarded route answered 2xx without a principal");
      }
    }
  }
  std::mutex mutex;
  std::set<std::string> user_ids;  // copied from the fixture before each input

 private:
  const http::Router& router_;
};

struct Stack {
  fuzz::App& app = fuzz::app();
  http::WorkerPool hash_pool{"hash", 1, 8};
  http::WorkerPool db_pool{"db", 1, 64};
  api::Services services;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<api::BearerAuthenticator> authenticator;
  std::unique_ptr<api::BrowserPolicy> policy;
  std::unique_ptr<http::Dispatcher> dispatcher;
  std::unique_ptr<Oracle> oracle;
  std::unique_ptr<http::Server> server;
  std::uint16_t port = 0;
};

// The wiring of app/serve.cpp, with one worker per pool and no mail sender (mails stay queued).
Stack& stack() {
  static Stack* s = [] {
    std::signal(SIGPIPE, SIG_IGN);
    auto* st = new Stack;  // never destroyed: the server thread runs until the process exits
    app::Runtime& rt = *st->app.rt;
    const config::Config& config = st->app.config;
    api::Services& services = st->services;
    services = app::make_services(rt, [] { return false; });

    st->router = std::make_unique<http::Router>(api::build_router(services));
    st->authenticator = std::make_unique<api::BearerAuthenticator>(*rt.tokens);
    st->policy = std::make_unique<api::BrowserPolicy>(services.web);
    st->dispatcher = std::make_unique<http::Dispatcher>(*st->router, st->authenticator.get(),
                                                        http::Lanes{&st->db_pool, &st->hash_pool}, st->policy.get());
    st->oracle = std::make_unique<Oracle>(*st->router);

    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.max_body_bytes = config.max_body_bytes;
    options.max_header_bytes = config.max_header_bytes;
    options.read_timeout = config.read_timeout;
    options.idle_timeout = config.idle_timeout;
    options.handle_signals = false;
    auto proxies = http::TrustedProxies::parse(config.trusted_proxies);
    FUZZ_CHECK(proxies.has_value(), "the fixture's trusted proxies are refused");
    options.trusted_proxies = std::move(*proxies);
    st->server = std::make_unique<http::Server>(options, *st->dispatcher, st->oracle.get());
    auto listening = st->server->listen();
    FUZZ_CHECK(listening.has_value(), "the server cannot listen on loopback");
    st->port = st->server->port();
    std::thread([srv = st->server.get()] { srv->run(); }).detach();
    return st;
  }();
  return *s;
}

// Sends `bytes`, half-closes, and reads until the server closes. Writes and reads interleave,
// so a server answering pipelined requests while the input is still being sent cannot
// deadlock the exchange.
void send_and_drain(std::uint16_t port, std::string_view bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  FUZZ_CHECK(fd >= 0, "socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    FUZZ_CHECK(errno == EINPROGRESS, "connect() to the fuzz server failed");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t sent = 0;
  bool writing = true;
  if (bytes.empty()) {
    shutdown(fd, SHUT_WR);
    writing = false;
  }
  char buf[16384];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    FUZZ_CHECK(left.count() > 0, "the server did not answer and close within 20 s");
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    FUZZ_CHECK(ready >= 0, "poll() failed");
    if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) writing = false;  // the server closed first
      if (writing && sent == bytes.size()) {
        shutdown(fd, SHUT_WR);
        writing = false;
      }
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n == 0) break;
      if (n < 0 && errno != EAGAIN && errno != EINTR) break;  // reset: closed too
    }
  }
  linger l{1, 0};  // close with a reset: no TIME_WAIT left behind by thousands of connections
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  stack();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Stack& st = stack();
  st.app.refresh();
  {
    std::lock_guard lock(st.oracle->mutex);
    st.oracle->user_ids = st.app.user_ids;
  }
  send_and_drain(st.port, st.app.substitute(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
