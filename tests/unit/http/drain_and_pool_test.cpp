// Graceful drain and the bounded worker pool, over a real loopback socket.
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>
#include <vector>

#include "http/worker_pool.hpp"
#include "test_client.hpp"
#include "test_server.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;
using http::Guard;
using http::Lane;
using http::Method;
using http::Request;
using http::Response;

// A real Argon2id hash at a deliberately high cost: what a login costs, and then some.
void slow_hash() {
  static const bool init = sodium_init() >= 0;
  (void)init;
  unsigned char out[32];
  const char pw[] = "correct horse battery staple";
  unsigned char salt[crypto_pwhash_SALTBYTES] = {0};
  if (crypto_pwhash(out, sizeof out, pw, sizeof pw - 1, salt, 4, 64u * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13) !=
      0) {
    throw std::runtime_error("out of memory");
  }
}

http::Router routes_with(std::atomic<int>* finished, std::chrono::milliseconds sleep = 0ms) {
  http::Router r;
  r.add({Method::get, "/healthz", Guard::anyone(), Lane::network,
         [](Request&) { return Response::json_text(200, R"({"status":"ok"})"); }, ""});
  r.add({Method::post, "/hash", Guard::anyone(), Lane::hash,
         [finished](Request&) {
           slow_hash();
           ++*finished;
           return Response::no_content();
         },
         ""});
  r.add({Method::get, "/slow", Guard::anyone(), Lane::db,
         [finished, sleep](Request&) {
           std::this_thread::sleep_for(sleep);
           ++*finished;
           return Response::json_text(200, R"({"slow":true})");
         },
         ""});
  return r;
}

// No time bound (speed lives in bench/): under AddressSanitizer on two busy cores a health answer
// has taken longer than one hash alone, twice failing the CI. What a hashing network thread
// would break is the order: health would wait behind the hashes.
TEST(WorkerPool, HealthAnswersWhileSlowHashesRun) {
  std::atomic<int> finished{0};
  TestServer s(routes_with(&finished), {}, /*hash_threads=*/2, /*hash_queue=*/16);
  constexpr int kHashes = 16;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kHashes; ++i) {
    clients.push_back(std::make_unique<TestClient>(s.port()));
    ASSERT_TRUE(clients.back()->send(make_request("POST", "/hash")));
  }
  std::this_thread::sleep_for(50ms);  // the hashes are running now
  TestClient health(s.port());
  for (int i = 0; i < 2; ++i) {
    auto a = health.request(make_request("GET", "/healthz"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 200);
  }
  // Answered while most hashes were still queued or running (16 on 2 workers: eight hashes' time).
  EXPECT_LT(finished.load(), kHashes / 2);
  for (auto& c : clients) {
    auto a = c->read(60s);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 204);
  }
  EXPECT_EQ(finished.load(), kHashes);
}

TEST(WorkerPool, AnswersAFullQueueWith503AndRetryAfter) {
  std::atomic<int> finished{0};
  TestServer s(routes_with(&finished), {}, /*hash_threads=*/1, /*hash_queue=*/1);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<TestClient>(s.port()));
    ASSERT_TRUE(clients.back()->send(make_request("POST", "/hash")));
    std::this_thread::sleep_for(20ms);
  }
  int ok = 0, refused = 0;
  for (auto& c : clients) {
    auto a = c->read(60s);
    ASSERT_TRUE(a);
    if (a->status == 204) ++ok;
    if (a->status == 503) {
      ++refused;
      EXPECT_EQ(a->header("retry-after"), "1");
      EXPECT_NE(a->body.find(R"("code":"overloaded")"), std::string::npos);
    }
  }
  EXPECT_EQ(ok, 2);  // one running, one queued
  EXPECT_EQ(refused, 2);
}

TEST(WorkerPool, RethrowsAnExceptionInTheAwaitingCoroutineAsA500) {
  http::Router r;
  r.add({Method::get, "/throw", Guard::anyone(), Lane::db, [](Request&) -> Response { throw std::logic_error("x"); },
         ""});
  TestServer s(std::move(r));
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/throw"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 500);
}

// The hash pool gives back its Argon2 memory from on_idle: it must run on the worker, after a
// task, once the queue is empty, and not while work is still waiting.
TEST(WorkerPool, RunsOnIdleOnTheWorkerWhenTheQueueRunsEmpty) {
  std::atomic<int> idle_calls{0};
  std::atomic<int> idle_with_work_queued{0};
  std::atomic<bool> idle_off_worker{false};
  http::WorkerPool* pool_ptr = nullptr;
  std::thread::id worker;
  http::WorkerPool pool("idle-test", 1, 16, [&] {
    ++idle_calls;
    if (std::this_thread::get_id() != worker) idle_off_worker = true;
    if (pool_ptr->queued() != 0) ++idle_with_work_queued;
  });
  pool_ptr = &pool;
  boost::asio::io_context io;
  std::atomic<int> done{0};
  for (int i = 0; i < 4; ++i) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto r = co_await pool.run([&] {
            worker = std::this_thread::get_id();
            std::this_thread::sleep_for(20ms);
            return 1;
          });
          if (r) ++done;
        },
        boost::asio::detached);
  }
  io.run();
  pool.stop();
  EXPECT_EQ(done.load(), 4);
  EXPECT_GE(idle_calls.load(), 1);
  EXPECT_LT(idle_calls.load(), 4) << "tasks queued behind the first: no idle call between them";
  EXPECT_EQ(idle_with_work_queued.load(), 0);
  EXPECT_FALSE(idle_off_worker.load());
}

TEST(Drain, FinishesInFlightRequestsStopsAcceptingAndReturns) {
  std::atomic<int> finished{0};
  auto s = std::make_unique<TestServer>(routes_with(&finished, 700ms));
  const auto port = s->port();
  TestClient busy(port);
  ASSERT_TRUE(busy.send(make_request("GET", "/slow")));
  TestClient idle(port);
  ASSERT_TRUE(idle.request(make_request("GET", "/healthz")));  // now idle, kept alive
  std::this_thread::sleep_for(100ms);

  const auto t0 = std::chrono::steady_clock::now();
  s->server.drain();
  // The idle connection is closed at once; the busy one gets its answer, then is closed.
  EXPECT_TRUE(idle.closed_within(2s));
  auto a = busy.read(5s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->header("connection"), "close");
  s->thread.join();  // run() returned
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(finished.load(), 1);
  // Nothing listens any more.
  EXPECT_THROW(TestClient late(port), std::runtime_error);
  s->hash.stop();
  s->db.stop();
}

TEST(Drain, GivesUpOnRequestsThatOutlastTheShutdownTimeout) {
  std::atomic<int> finished{0};
  http::ServerOptions o;
  o.shutdown_timeout = 1s;
  auto s = std::make_unique<TestServer>(routes_with(&finished, 4000ms), o);
  TestClient busy(s->port());
  ASSERT_TRUE(busy.send(make_request("GET", "/slow")));
  std::this_thread::sleep_for(100ms);
  const auto t0 = std::chrono::steady_clock::now();
  s->server.drain();
  s->thread.join();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3500ms);  // did not wait for the 4 s request
  s->hash.stop();
  s->db.stop();  // waits for the sleeping task to end; its answer is dropped
}

}  // namespace
}  // namespace tessera::test
