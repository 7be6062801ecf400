#include "store/postgres/listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "store/postgres/connection.hpp"

namespace tessera::store::postgres {
namespace {

// Between reconnection attempts while the database is unreachable.
constexpr int kReconnectPauseMs = 1000;
constexpr const char* kListen = "LISTEN tessera_revocations";
static_assert(std::string_view(kListen).ends_with(kRevocationChannel));

}  // namespace

Listener::Listener(Target target, std::function<void()> on_change)
    : target_(std::move(target)), on_change_(std::move(on_change)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] {
    name_this_thread("pg-listen");
    run();
  });
}

Listener::~Listener() {
  stopping_ = true;
  const std::uint64_t one = 1;
  if (stop_fd_ >= 0) [[maybe_unused]]
    auto n = ::write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

bool Listener::pause(int ms) {
  pollfd fd{stop_fd_, POLLIN, 0};
  ::poll(&fd, 1, ms);
  return !stopping_;
}

void Listener::run() {
  bool was_connected = true;  // so the first failure is logged
  while (!stopping_) {
    auto opened = Connection::open(target_);
    if (opened) {
      if (auto listening = (*opened)->exec(kListen); !listening) opened = std::move(listening).error();
    }
    if (!opened) {
      if (was_connected) log::warn("revocation_listener_disconnected").str("reason", opened.error().reason);
      was_connected = false;
      if (!pause(kReconnectPauseMs)) return;
      continue;
    }
    if (!was_connected) log::info("revocation_listener_reconnected");
    was_connected = true;
    // Whatever was revoked while nobody listened is read now.
    on_change_();
    if (!listen_on(**opened)) return;
    was_connected = false;  // listen_on logged the loss
  }
}

bool Listener::listen_on(Connection& c) {
  PGconn* conn = c.native();
  for (;;) {
    pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    // A quiet connection is checked by TCP keepalives (Connection::open); the timeout only
    // bounds how long a lost stop signal could go unnoticed.
    const int ready = ::poll(fds, 2, 5000);
    if (stopping_) return false;
    if (ready < 0) continue;  // EINTR
    if (fds[0].revents == 0) continue;
    if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
      log::warn("revocation_listener_disconnected").str("reason", "connection lost");
      return true;  // reconnect
    }
    bool notified = false;
    while (PGnotify* n = PQnotifies(conn)) {
      notified = true;
      PQfreemem(n);
    }
    if (notified) on_change_();
  }
}

}  // namespace tessera::store::postgres
