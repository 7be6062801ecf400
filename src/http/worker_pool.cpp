#include "http/worker_pool.hpp"

#include <string>

#include "core/thread_name.hpp"

namespace tessera::http {

WorkerPool::WorkerPool(std::string name, int threads, std::size_t queue_limit, std::function<void()> on_idle)
    : name_(std::move(name)), on_idle_(std::move(on_idle)), queue_limit_(queue_limit) {
  if (threads < 1) threads = 1;
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      name_this_thread(name_ + "-" + std::to_string(i));
      work();
    });
  }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::stop() {
  std::deque<Queued> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  // `dropped` dies here: its handlers are destroyed without being called, which destroys the
  // coroutines that waited on them (the server has stopped by then).
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::work() {
  for (;;) {
    std::optional<Queued> item;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item.emplace(std::move(queue_.front()));
      queue_.pop_front();
    }
    const auto waited = std::chrono::steady_clock::now() - item->enqueued;
    total_wait_us_.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(waited).count()),
        std::memory_order_relaxed);
    started_.fetch_add(1, std::memory_order_relaxed);
    item->task();
    item.reset();
    if (on_idle_ && queued() == 0) on_idle_();
  }
}

}  // namespace tessera::http
