#include "store/postgres/pool.hpp"

#include <algorithm>

namespace tessera::store::postgres {

Pool::Pool(Target target, int size, std::chrono::milliseconds wait)
    : target_(std::move(target)), size_(std::max(size, 1)), wait_(wait) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (c_ && pool_ != nullptr) pool_->give_back(std::move(c_));
}

Result<Pool::Lease> Pool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + wait_;
  for (;;) {
    if (!idle_.empty()) {
      // The most recently returned first: its socket and caches are the warmest.
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    if (open_ < size_) {
      const auto now = std::chrono::steady_clock::now();
      if (connect_failure_ && now < connect_again_at_) return *connect_failure_;
      ++open_;
      lock.unlock();
      // Connecting takes a round trip or several (and up to the connect timeout when the host
      // does not answer): never under the lock.
      auto opened = Connection::open(target_);
      lock.lock();
      if (!opened) {
        --open_;
        connect_failure_ = opened.error();
        connect_again_at_ = std::chrono::steady_clock::now() + kRetryConnectAfter;
        returned_.notify_all();  // waiters take the failure instead of waiting it out
        return std::move(opened).error();
      }
      connect_failure_.reset();
      return Lease(this, std::move(*opened));
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_) {
      return make_error(errc::database_unavailable, "",
                        "postgres: all " + std::to_string(size_) + " connections stayed busy for " +
                            std::to_string(wait_.count()) + " ms");
    }
  }
}

void Pool::give_back(std::unique_ptr<Connection> c) noexcept {
  if (c->in_transaction()) c->rollback();  // a body threw and nobody ended the transaction
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    if (c->broken()) {
      // One connection lost usually means all are (the server restarted): drop the idle ones
      // too, so the next transactions connect afresh instead of each finding a dead socket.
      closing = std::move(idle_);
      idle_.clear();
      open_ -= static_cast<int>(closing.size()) + 1;
      closing.push_back(std::move(c));
    } else if (!c->idle()) {
      // Still inside a transaction that would not roll back: never lend it again.
      --open_;
      closing.push_back(std::move(c));
    } else {
      idle_.push_back(std::move(c));
    }
  }
  returned_.notify_all();
  // `closing` is closed here, outside the lock.
}

}  // namespace tessera::store::postgres
