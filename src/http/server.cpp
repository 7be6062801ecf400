#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "http/limits.hpp"
#include "http/problem.hpp"

namespace tessera::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// One open connection, as the drain sees it. Only touched on the connection's strand, except
// for the registry's set membership (under State::mutex).
struct Connection {
  explicit Connection(asio::any_io_executor ex) : executor(std::move(ex)) {}
  asio::any_io_executor executor;
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the next request: the drain may close it at once
};

// A request id when the client sent none: 16 hex characters from a fast per-thread generator
// (an id names a request in logs; it is not a secret).
std::string new_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = gen();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<std::size_t>(i)] = kHex[v & 15];
  return id;
}

// A client's X-Request-Id is kept when it is short and plain, so ids join up across proxies.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The IMF-fixdate for the Date header, formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
    cached_second = now;
  }
  return cached;
}

bool is_disconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor ||
         ec == bhttp::error::partial_message;
}

// The open connections. Shared with each connection's coroutine, because those coroutines may
// be destroyed together with the io_context, after the rest of the server state.
struct Registry {
  std::mutex mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::atomic<std::size_t> open{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};  // run() has returned: nothing may be posted any more
};

}  // namespace

struct Server::State {
  State(ServerOptions o, const Dispatcher& d, RequestObserver* obs)
      : options(std::move(o)), dispatcher(d), observer(obs), io(std::max(1, options.threads)), acceptor(io),
        signals(io), drain_timer(io) {}

  ServerOptions options;
  const Dispatcher& dispatcher;
  RequestObserver* observer;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<bool> answer_and_close(beast::tcp_stream& stream, beast::flat_buffer& buffer, Response response,
                                         const std::string& request_id, std::string_view client_ip);
  void start_drain();
  void close_all(bool idle_only);
  void finish_if_drained();
  void log_request(const Request& req, std::string_view method, const Response& res, Clock::duration took) const;
};

asio::awaitable<void> Server::State::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kAsTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of file descriptors and the like: say so, pause briefly, keep serving.
      log::warn("accept_failed").str("error", ec.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
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

// Answers a request we refuse before reading all of it (431, 413, 400), then closes: the
// client may still be sending, so we stop writing, read and discard briefly, and close, which
// lets the client see the answer instead of a reset.
asio::awaitable<bool> Server::State::answer_and_close(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                      Response response, const std::string& request_id,
                                                      std::string_view client_ip) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
  res.set(bhttp::field::content_type, response.content_type);
  res.set(bhttp::field::date, http_date());
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Request-Id", request_id);
  res.set(bhttp::field::connection, "close");
  for (auto& [k, v] : response.headers) res.set(k, v);
  res.body() = std::move(response.body);
  res.prepare_payload();
  stream.expires_after(options.read_timeout);
  co_await bhttp::async_write(stream, res, kAsTuple);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  // Discard what the client still sends, for at most a second and 1 MiB.
  stream.expires_after(std::chrono::seconds(1));
  std::size_t discarded = 0;
  while (discarded < 1024 * 1024) {
    buffer.clear();
    auto [rec, n] = co_await stream.async_read_some(buffer.prepare(16 * 1024), kAsTuple);
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
    parser.body_limit(options.max_body_bytes);
    const std::string fallback_id = new_request_id();
    {
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kAsTuple);
      if (ec) {
        if (is_disconnect(ec)) break;
        const errc code = ec == bhttp::error::header_limit ? errc::headers_too_large
                          : ec == bhttp::error::body_limit ? errc::payload_too_large
                                                           : errc::invalid_request;
        auto r = problem(make_error(code, code == errc::invalid_request ? "The request is not valid HTTP/1.1." : "",
                                    "http: " + ec.message()));
        co_await answer_and_close(stream, buffer, std::move(r), fallback_id, peer_ip);
        break;
      }
    }
    const auto& head = parser.get();
    std::string request_id(head["X-Request-Id"]);
    if (!acceptable_request_id(request_id)) request_id = fallback_id;

    // Request smuggling: a message framed two ways is refused (RFC 9112 §6.3), and so is a
    // transfer coding other than a single "chunked" (Beast would otherwise trust Content-Length).
    const bool has_te = head.count(bhttp::field::transfer_encoding) > 0;
    const bool has_cl = head.count(bhttp::field::content_length) > 0;
    if (has_te && (has_cl || head.count(bhttp::field::transfer_encoding) > 1 ||
                   !iequals(head[bhttp::field::transfer_encoding], "chunked"))) {
      co_await answer_and_close(stream, buffer,
                                problem(make_error(errc::invalid_request,
                                                   "A request may not combine Transfer-Encoding with Content-Length or use a coding other than chunked.",
                                                   "http: ambiguous framing")),
                                request_id, peer_ip);
      break;
    }
    if (head.target().size() > kMaxTargetBytes || head.target().empty() || head.target().front() != '/') {
      co_await answer_and_close(stream, buffer,
                                problem(make_error(errc::invalid_request, "The request target is not valid.",
                                                   "http: bad target")),
                                request_id, peer_ip);
      break;
    }
    if (const auto cl = parser.content_length(); cl && *cl > options.max_body_bytes) {
      co_await answer_and_close(stream, buffer, problem(make_error(errc::payload_too_large, "", "http: content-length over limit")),
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
        co_await answer_and_close(stream, buffer,
                                  problem(make_error(code, code == errc::invalid_request ? "The request body is not valid HTTP/1.1." : "",
                                                     "http: " + ec.message())),
                                  request_id, peer_ip);
        break;
      }
    }

    auto message = parser.release();
    Request req;
    req.method = parse_method(message.method_string());
    req.target = message.target();
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string_view::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(16);
    for (const auto& field : message) req.headers.push_back(Header{field.name_string(), field.value()});
    req.body = std::move(message.body());
    req.client_ip = options.trusted_proxies.empty()
                        ? peer_ip
                        : options.trusted_proxies.client_address(peer_ip, req.header("x-forwarded-for"));
    req.request_id = request_id;

    Response response = co_await dispatcher.dispatch(req);

    const bool keep_alive = message.keep_alive() && !registry->draining.load() && served + 1 < kMaxRequestsPerConnection;
    stream.expires_after(options.read_timeout);  // a client that will not read its answer is dropped too
    boost::system::error_code wec;
    const auto status = static_cast<bhttp::status>(response.status);
    const auto set_common = [&](auto& res) {
      res.set(bhttp::field::date, http_date());
      res.set("X-Request-Id", req.request_id);
      res.set("X-Content-Type-Options", "nosniff");
      bool has_cache_control = false;
      for (auto& [k, v] : response.headers) {
        if (iequals(k, "Cache-Control")) has_cache_control = true;
        res.insert(k, v);
      }
      // API answers are about one person's account: nothing may cache them unless a handler
      // says otherwise (JWKS, static pages).
      if (!has_cache_control) res.set(bhttp::field::cache_control, "no-store");
      if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
      res.keep_alive(keep_alive);
    };
    if (req.method == Method::head) {
      bhttp::response<bhttp::empty_body> res{status, message.version()};
      set_common(res);
      res.content_length(response.body.size());
      auto [ec, n] = co_await bhttp::async_write(stream, res, kAsTuple);
      wec = ec;
    } else {
      bhttp::response<bhttp::string_body> res{status, message.version()};
      set_common(res);
      res.body() = std::move(response.body);
      res.prepare_payload();
      auto [ec, n] = co_await bhttp::async_write(stream, res, kAsTuple);
      wec = ec;
    }
    const auto took = Clock::now() - started;
    log_request(req, message.method_string(), response, took);
    if (observer != nullptr) {
      observer->on_request(req, response, std::chrono::duration_cast<std::chrono::microseconds>(took));
    }
    if (wec || !keep_alive) break;
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

void Server::State::start_drain() {
  if (registry->draining.exchange(true)) return;
  log::info("draining").num("connections", static_cast<std::int64_t>(registry->open.load()))
      .num("timeout_s", options.shutdown_timeout.count());
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  close_all(/*idle_only=*/true);
  drain_timer.expires_after(options.shutdown_timeout);
  drain_timer.async_wait([this](const boost::system::error_code& e) {
    if (e) return;  // cancelled: everything finished in time
    log::warn("drain_timeout").num("connections", static_cast<std::int64_t>(registry->open.load()));
    close_all(/*idle_only=*/false);
    io.stop();
  });
  finish_if_drained();
}

void Server::State::finish_if_drained() {
  if (!registry->draining.load() || registry->open.load() != 0) return;
  asio::post(io, [this] {
    drain_timer.cancel();
    io.stop();
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
  if (ec) return make_error(errc::invalid_request, "TESSERA_LISTEN: \"" + s.options.host + "\" is not an IP address; write one like 127.0.0.1 or ::1");
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec && s.options.handle_signals) {
    // Installed now, not in run(): from the moment the port accepts connections, SIGTERM must
    // mean "drain", never the default "die". A signal before run() waits for it.
    s.signals.add(SIGINT, ec);
    if (!ec) s.signals.add(SIGTERM, ec);
    s.signals.async_wait([&s](const boost::system::error_code& e, int signo) {
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
  const auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::run() {
  auto& s = *state_;
  asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < s.options.threads; ++i) extra.emplace_back([&s] { s.io.run(); });
  s.io.run();
  for (auto& t : extra) t.join();
  s.registry->stopped = true;
}

void Server::drain() {
  auto& s = *state_;
  asio::post(s.io, [&s] { s.start_drain(); });
}

bool Server::draining() const { return state_->registry->draining.load(); }

std::size_t Server::connections() const { return state_->registry->open.load(); }

}  // namespace tessera::http
