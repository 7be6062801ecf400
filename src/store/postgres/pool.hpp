#pragma once
// A small pool of connections to one PostgreSQL database, shared (std::shared_ptr) by the store
// and its migrator. A connection is lent for one transaction and then comes back; one that
// broke (server restarted, network gone) is discarded and a new one is opened on next use.
//
// While the database is unreachable, a thread must not sit in connect() for every request: after
// a failed connect the pool answers database_unavailable at once for kRetryConnectAfter, then
// lets one attempt through again.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/target.hpp"

namespace tessera::store::postgres {

class Pool {
 public:
  // How long the pool remembers a failed connect before it tries again.
  static constexpr std::chrono::milliseconds kRetryConnectAfter{1000};

  // `size` connections at most, opened as needed; a borrower waits up to `wait` for one when
  // all are lent out.
  Pool(Target target, int size, std::chrono::milliseconds wait);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // A lent connection; it goes back to the pool when the lease ends (or is closed, if it broke or
  // is stuck in a transaction).
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *c_; }
    Connection* operator->() const { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  // An idle connection, or a new one while fewer than `size` are open. database_unavailable
  // when connecting fails (or failed less than kRetryConnectAfter ago) or when every connection
  // stays lent out for `wait`.
  Result<Lease> acquire();
  // The database as configured, for messages.
  const Target& target() const { return target_; }

 private:
  void give_back(std::unique_ptr<Connection> c) noexcept;

  const Target target_;
  const int size_;
  const std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle, lent out, or being opened
  std::chrono::steady_clock::time_point connect_again_at_{};
  std::optional<Error> connect_failure_;  // the last failed connect, answered until connect_again_at_
};

}  // namespace tessera::store::postgres
