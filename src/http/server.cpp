#include "http/server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "http/limits.hpp"
#include "http/problem.hpp"
#include "http/request_head.hpp"
#include "http/response_writer.hpp"

namespace tessera::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// One open connection, as the drain sees it. Only touched on the connection's own io_context
// (each runs on one thread), except for the registry's set membership (under Registry::mutex).
struct Connection {
  explicit Connection(asio::any_io_executor ex) : executor(std::move(ex)) {}
  asio::any_io_executor executor;
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the next request: the drain may close it at once
};

// The open connections. Shared with each connection's coroutine, because those coroutines may
// be destroyed together with the io_contexts, after the rest of the server state.
struct Registry {
  std::mutex mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::atomic<std::size_t> open{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};  // run() has returned: nothing may be posted any more
};

// The head's headers, as the Request sees them (views into the parser's buffer).
template <class Fields>
void copy_headers(const Fields& fields, Request& req) {
  for (const auto& field : fields) req.headers.push_back(Header{field.name_string(), field.value()});
}

void ignore_stop_signals() {
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
}

bool is_disconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor || ec == bhttp::error::partial_message;
}

}  // namespace

struct Server::State {
  State(ServerOptions o, const Dispatcher& d, RequestObserver* obs)
      : options(std::move(o)), dispatcher(d), observer(obs) {
    // One io_context per network thread, each run by exactly one thread: a connection lives on
    // one of them, so its coroutine needs no strand and the scheduler no cross-thread locking
    // on the hot path. Connections are dealt out round-robin.
    const int n = std::max(1, options.threads);
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(contexts.back()->get_executor());
    }
    acceptor = std::make_unique<tcp::acceptor>(*contexts[0]);
    signals = std::make_unique<asio::signal_set>(*contexts[0]);
    drain_timer = std::make_unique<asio::steady_timer>(*contexts[0]);
  }
  ~State() {
    // Members that refer to the io_contexts go before them.
    drain_timer.reset();
    // Removing the signal_set puts the default action back, and the default for SIGTERM is to
    // die. Once run() has returned the drain is over and the process is on its way to a clean
    // exit (0); a second SIGTERM now (a supervisor or a user that sends it twice) must not turn
    // that into a kill, so the signals this server handled are ignored from here on, set before
    // and after the removal.
    const bool ran = options.handle_signals && registry->stopped.load();
    if (ran) ignore_stop_signals();
    signals.reset();
    if (ran) ignore_stop_signals();
    acceptor.reset();
    guards.clear();
    contexts.clear();
  }

  ServerOptions options;
  const Dispatcher& dispatcher;
  RequestObserver* observer;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::steady_timer> drain_timer;
  std::size_t next_context = 0;  // only touched by the accept loop
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();

  asio::io_context& main() { return *contexts[0]; }
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> write_response(beast::tcp_stream& stream, const Response& response, const HeadOptions& head,
                                       bool with_body, boost::system::error_code& ec);
  asio::awaitable<bool> answer_and_close(beast::tcp_stream& stream, beast::flat_buffer& buffer, Response response,
                                         const std::string& request_id, std::string_view client_ip);
  void start_drain();
  void close_all(bool idle_only);
  void finish_if_drained();
  void stop_all();
  void log_request(const Request& req, std::string_view method, const Response& res, Clock::duration took) const;
};

asio::awaitable<void> Server::State::accept_loop() {
  for (;;) {
    asio::io_context& target = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    auto [ec, socket] = co_await acceptor->async_accept(target, kAsTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // Out of file descriptors and the like: say so, pause briefly, keep serving.
      log::warn("accept_failed").str("error", ec.message());
      asio::steady_timer pause(main(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    if (registry->draining.load()) continue;  // the socket closes as it goes out of scope
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, serve(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("connection_failed").str("what", ex.what());
      }
    });
  }
}

void Server::State::log_request(const Request& req, std::string_view method, const Response& res,
                                Clock::duration took) const {
  if (!log::enabled(log::Level::info)) return;
  auto line = log::info("request");
  line.str("request_id", req.request_id)
      .str("method", method)
      .str("path", req.path.substr(0, 256))
      .num("status", res.status)
      .num("us", std::chrono::duration_cast<std::chrono::microseconds>(took).count())
      .str("ip", req.client_ip);
  if (!res.error_code.empty()) line.str("code", res.error_code);
  if (!res.error_reason.empty()) line.str("reason", res.error_reason);
}

asio::awaitable<void> Server::State::write_response(beast::tcp_stream& stream, const Response& response,
                                                    const HeadOptions& head, bool with_body,
                                                    boost::system::error_code& ec) {
  const std::string head_bytes = response_head(response, head);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_bytes),
                                                  with_body ? asio::buffer(response.body) : asio::const_buffer{}};
  auto [wec, n] = co_await asio::async_write(stream, buffers, kAsTuple);
  ec = wec;
}

// Answers a request we refuse before reading all of it (431, 413, 400), then closes: the
// client may still be sending, so we stop writing, read and discard briefly, and close, which
// lets the client see the answer instead of a reset.
asio::awaitable<bool> Server::State::answer_and_close(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                      Response response, const std::string& request_id,
                                                      std::string_view client_ip) {
  stream.expires_after(options.read_timeout);
  HeadOptions head;
  head.request_id = request_id;
  head.keep_alive = false;
  head.content_length = response.body.size();
  boost::system::error_code ec;
  co_await write_response(stream, response, head, true, ec);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  // Discard what the client still sends, for a while and up to a size (http/limits.hpp).
  stream.expires_after(kDiscardTime);
  std::size_t discarded = 0;
  while (discarded < kMaxDiscardBytes) {
    buffer.clear();
    auto [rec, n] = co_await stream.async_read_some(buffer.prepare(kDiscardReadBytes), kAsTuple);
    if (rec) break;
    discarded += n;
  }
  if (log::enabled(log::Level::info)) {
    log::info("request_refused")
        .str("request_id", request_id)
        .num("status", response.status)
        .str("code", response.error_code)
        .str("reason", response.error_reason)
        .str("ip", client_ip);
  }
  co_return false;
}

asio::awaitable<void> Server::State::serve(tcp::socket socket) {
  auto conn = std::make_shared<Connection>(socket.get_executor());
  beast::tcp_stream stream(std::move(socket));
  std::string peer_ip;
  {
    beast::error_code ec;
    const auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) peer_ip = ep.address().to_string();
  }
  conn->stream = &stream;
  {
    std::lock_guard lock(registry->mutex);
    registry->connections.insert(conn);
  }
  ++registry->open;
  struct Unregister {
    State* s;
    std::shared_ptr<Registry> r;
    std::shared_ptr<Connection> c;
    ~Unregister() {
      c->stream = nullptr;
      {
        std::lock_guard lock(r->mutex);
        r->connections.erase(c);
      }
      --r->open;
      if (!r->stopped.load()) s->finish_if_drained();
    }
  } unregister{this, registry, conn};

  beast::flat_buffer buffer;
  for (int served = 0; served < kMaxRequestsPerConnection; ++served) {
    // Between requests the connection is idle: it gets idle_timeout, and the drain may close it.
    if (buffer.size() == 0) {
      conn->idle = true;
      if (registry->draining.load()) break;
      stream.expires_after(served == 0 ? options.read_timeout : options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kAsTuple);
      if (ec) break;
      buffer.commit(n);
    }
    conn->idle = false;
    const auto started = Clock::now();

    // From the first byte, the whole request must arrive within read_timeout (slow clients
    // are dropped), its head within max_header_bytes (431), its body within max_body_bytes (413).
    stream.expires_after(options.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    // Beast checks Content-Length against the limit as it reads the head, before we know the
    // route: the head is read with the largest limit any route has, and the real one is set
    // (and Content-Length checked against it) below.
    parser.body_limit(std::max(options.max_body_bytes, dispatcher.largest_body()));
    {
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kAsTuple);
      if (ec) {
        if (is_disconnect(ec)) break;
        const errc code = ec == bhttp::error::header_limit ? errc::headers_too_large
                          : ec == bhttp::error::body_limit ? errc::payload_too_large
                                                           : errc::invalid_request;
        auto r = problem(make_error(code, code == errc::invalid_request ? "The request is not valid HTTP/1.1." : "",
                                    "http: " + ec.message()));
        co_await answer_and_close(stream, buffer, std::move(r), new_request_id(), peer_ip);
        break;
      }
    }
    const auto& head = parser.get();
    std::string request_id(head["X-Request-Id"]);
    if (!acceptable_request_id(request_id)) request_id = new_request_id();

    // Framing two ways (smuggling), a coding other than chunked, a bad target: refused.
    const Framing framing{head.version(), head.count(bhttp::field::transfer_encoding),
                          head[bhttp::field::transfer_encoding], head.count(bhttp::field::content_length) > 0};
    if (auto bad = head_error(framing, head.target())) {
      co_await answer_and_close(stream, buffer, problem(*bad), request_id, peer_ip);
      break;
    }
    // A route may take a larger body, from a caller its guard lets in (Dispatcher::admits):
    // the head is checked now, before any of the body is held.
    std::size_t body_limit = options.max_body_bytes;
    {
      const Method method = parse_method(head.method_string());
      const std::string_view target = head.target();
      const std::string_view path = target.substr(0, target.find('?'));
      if (const Route* large = dispatcher.larger_body_route(method, path, options.max_body_bytes)) {
        Request head_only;
        head_only.method = method;
        set_target(head_only, target);
        copy_headers(head, head_only);
        if (dispatcher.admits(head_only, *large)) body_limit = large->max_body_bytes;
      }
      parser.body_limit(body_limit);
    }
    if (const auto cl = parser.content_length(); cl && *cl > body_limit) {
      co_await answer_and_close(stream, buffer,
                                problem(make_error(errc::payload_too_large, "", "http: content-length over limit")),
                                request_id, peer_ip);
      break;
    }
    if (iequals(head[bhttp::field::expect], "100-continue") && !parser.is_done()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()), kAsTuple);
    }
    {
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
      if (ec) {
        if (is_disconnect(ec)) break;
        const errc code = ec == bhttp::error::body_limit ? errc::payload_too_large : errc::invalid_request;
        co_await answer_and_close(
            stream, buffer,
            problem(make_error(code, code == errc::invalid_request ? "The request body is not valid HTTP/1.1." : "",
                               "http: " + ec.message())),
            request_id, peer_ip);
        break;
      }
    }

    auto message = parser.release();
    Request req;
    req.method = parse_method(message.method_string());
    set_target(req, message.target());
    copy_headers(message, req);
    req.body = std::move(message.body());
    req.client_ip = client_address_of(req, peer_ip, options.trusted_proxies);
    req.request_id = std::move(request_id);

    Response response = co_await dispatcher.dispatch(req);

    HeadOptions out;
    out.request_id = req.request_id;
    out.keep_alive = message.keep_alive() && !registry->draining.load() && served + 1 < kMaxRequestsPerConnection;
    out.http10 = message.version() == 10;
    out.content_length = response.body.size();
    // The metrics count the answer before it is written, so a client that has read it sees it
    // counted in its next scrape; the access log, written after, includes the time to send it.
    if (observer != nullptr) {
      observer->on_request(req, response,
                           std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
    }
    stream.expires_after(options.read_timeout);  // a client that will not read its answer is dropped too
    boost::system::error_code wec;
    co_await write_response(stream, response, out, req.method != Method::head, wec);
    log_request(req, message.method_string(), response, Clock::now() - started);
    if (wec || !out.keep_alive) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

void Server::State::close_all(bool idle_only) {
  std::vector<std::shared_ptr<Connection>> snapshot;
  {
    std::lock_guard lock(registry->mutex);
    snapshot.assign(registry->connections.begin(), registry->connections.end());
  }
  for (auto& c : snapshot) {
    asio::post(c->executor, [c, idle_only] {
      if (c->stream == nullptr || (idle_only && !c->idle)) return;
      beast::error_code ec;
      c->stream->socket().cancel(ec);
      c->stream->socket().close(ec);
    });
  }
}

void Server::State::stop_all() {
  for (auto& io : contexts) io->stop();
}

void Server::State::start_drain() {
  if (registry->draining.exchange(true)) return;
  log::info("draining")
      .num("connections", static_cast<std::int64_t>(registry->open.load()))
      .num("timeout_s", options.shutdown_timeout.count());
  beast::error_code ec;
  acceptor->close(ec);
  signals->cancel(ec);
  close_all(/*idle_only=*/true);
  drain_timer->expires_after(options.shutdown_timeout);
  drain_timer->async_wait([this](const boost::system::error_code& e) {
    if (e) return;  // cancelled: everything finished in time
    log::warn("drain_timeout").num("connections", static_cast<std::int64_t>(registry->open.load()));
    close_all(/*idle_only=*/false);
    stop_all();
  });
  finish_if_drained();
}

void Server::State::finish_if_drained() {
  if (!registry->draining.load() || registry->open.load() != 0) return;
  asio::post(main(), [this] {
    drain_timer->cancel();
    stop_all();
  });
}

Server::Server(ServerOptions options, const Dispatcher& dispatcher, RequestObserver* observer)
    : state_(std::make_unique<State>(std::move(options), dispatcher, observer)) {}

Server::~Server() = default;

Result<void> Server::listen() {
  auto& s = *state_;
  boost::system::error_code ec;
  std::string host = s.options.host == "localhost" ? "127.0.0.1" : s.options.host;
  const auto address = asio::ip::make_address(host, ec);
  if (ec)
    return make_error(errc::invalid_request, "TESSERA_LISTEN: \"" + s.options.host +
                                                 "\" is not an IP address; write one like 127.0.0.1 or ::1");
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec && s.options.handle_signals) {
    // Installed now, not in run(): from the moment the port accepts connections, SIGTERM must
    // mean "drain", never the default "die". A signal before run() waits for it.
    s.signals->add(SIGINT, ec);
    if (!ec) s.signals->add(SIGTERM, ec);
    s.signals->async_wait([&s](const boost::system::error_code& e, int signo) {
      if (e) return;
      log::info("signal").num("signal", signo);
      s.start_drain();
    });
  }
  if (ec) {
    return make_error(errc::invalid_request, "TESSERA_LISTEN: cannot listen on " + host + ":" +
                                                 std::to_string(s.options.port) + " (" + ec.message() +
                                                 "); choose a free port or stop what uses it");
  }
  return ok();
}

std::uint16_t Server::port() const {
  boost::system::error_code ec;
  const auto ep = state_->acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::run() {
  auto& s = *state_;
  asio::co_spawn(s.main(), s.accept_loop(), asio::detached);
  std::vector<std::thread> extra;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) {
    extra.emplace_back([&s, i] {
      name_this_thread("net-" + std::to_string(i));  // net threads 1..N-1; the main thread is the first
      s.contexts[i]->run();
    });
  }
  // The thread that called run() keeps its name: it is the process's main thread, whose name
  // ps, top and pgrep show for the whole process.
  s.main().run();
  for (auto& t : extra) t.join();
  s.registry->stopped = true;
}

void Server::drain() {
  auto& s = *state_;
  asio::post(s.main(), [&s] { s.start_drain(); });
}

bool Server::draining() const { return state_->registry->draining.load(); }

std::size_t Server::connections() const { return state_->registry->open.load(); }

}  // namespace tessera::http
