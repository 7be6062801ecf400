#pragma once
// A fixed set of threads with a bounded queue, for work that blocks or burns CPU (password
// hashes, database calls). Coroutines on the network threads co_await run(); when the queue
// is full, run() answers at once with nothing, and the caller answers 503 (DESIGN,
// "Concurrency"): a flood queues up to a bound and is then refused, never grows memory.
#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace tessera::http {

class WorkerPool {
 public:
  // `threads` workers; at most `queue_limit` tasks wait for one. `on_idle`, when given, runs on
  // a worker each time it finishes a task and finds the queue empty (the hash pool gives back
  // its Argon2 memory there).
  WorkerPool(std::string name, int threads, std::size_t queue_limit, std::function<void()> on_idle = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs fn() on a worker and resumes the caller on its own executor with the result, or with
  // nullopt at once when the queue is full or the pool has stopped. An exception thrown by fn
  // is rethrown in the caller.
  template <class F>
  boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> run(F fn);

  // Stops taking work, lets running tasks finish, drops queued ones and joins the threads.
  void stop();

  std::size_t queued() const;
  std::size_t queue_limit() const { return queue_limit_; }
  int threads() const { return static_cast<int>(threads_.size()); }
  const std::string& name() const { return name_; }
  // Microseconds tasks have waited in the queue, summed, and how many tasks started (metrics).
  std::uint64_t total_wait_us() const { return total_wait_us_.load(std::memory_order_relaxed); }
  std::uint64_t started() const { return started_.load(std::memory_order_relaxed); }

 private:
  // A move-only type-erased task (the completion handler it carries is move-only).
  class Task {
   public:
    template <class F>
    explicit Task(F f) : impl_(std::make_unique<Impl<F>>(std::move(f))) {}
    void operator()() { impl_->call(); }

   private:
    struct Base {
      virtual ~Base() = default;
      virtual void call() = 0;
    };
    template <class F>
    struct Impl final : Base {
      explicit Impl(F f) : f_(std::move(f)) {}
      void call() override { f_(); }
      F f_;
    };
    std::unique_ptr<Base> impl_;
  };

  struct Queued {
    Task task;
    std::chrono::steady_clock::time_point enqueued;
  };

  // Queues the task built by make_task() if there is room; false otherwise (nothing built).
  template <class MakeTask>
  bool try_enqueue(MakeTask&& make_task);
  void work();

  std::string name_;
  std::function<void()> on_idle_;
  std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> total_wait_us_{0};
  std::atomic<std::uint64_t> started_{0};
};

template <class MakeTask>
bool WorkerPool::try_enqueue(MakeTask&& make_task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(Queued{make_task(), std::chrono::steady_clock::now()});
  }
  cv_.notify_one();
  return true;
}

template <class F>
boost::asio::awaitable<std::optional<std::invoke_result_t<F>>> WorkerPool::run(F fn) {
  using R = std::invoke_result_t<F>;
  using Signature = void(std::exception_ptr, std::optional<R>);
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, Signature>(
      [this](auto handler, F f) {
        auto ex = boost::asio::get_associated_executor(handler);
        // The handler moves into the task only once the task is accepted, so a refusal can
        // still complete it.
        std::optional<decltype(handler)> kept(std::move(handler));
        // `this->`: clang does not count the implicit use inside a generic lambda (-Wunused-lambda-capture).
        const bool accepted = this->try_enqueue([&] {
          return Task([ex, f = std::move(f), h = std::move(*kept)]() mutable {
            std::exception_ptr error;
            std::optional<R> value;
            try {
              value.emplace(f());
            } catch (...) {
              error = std::current_exception();
            }
            boost::asio::post(
                ex, [h = std::move(h), error, value = std::move(value)]() mutable { h(error, std::move(value)); });
          });
        });
        if (!accepted) {
          boost::asio::post(ex, [h = std::move(*kept)]() mutable { h(std::exception_ptr{}, std::optional<R>{}); });
        }
      },
      boost::asio::use_awaitable, std::move(fn));
}

}  // namespace tessera::http
