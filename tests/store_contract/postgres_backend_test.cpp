// What only the PostgreSQL backend does: several instances (Store objects, as separate processes
// would have) on one database, a pool that survives the server restarting or going away, the
// URL's password kept out of messages, text PostgreSQL would refuse.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "store_contract/contract.hpp"
#include "store_contract/postgres_fixture.hpp"

namespace tessera::store_contract {
namespace {

using domain::RevocationEvent;
using domain::Session;
using domain::StoreTx;
using domain::TxKind;
using domain::User;
using Clock = std::chrono::steady_clock;

// A password that must never appear in an error.
constexpr const char* kPassword = "pw-Zq7s3cret";

store::Opened open_or_fail(const std::string& url, const store::Options& options = {}) {
  auto opened = store::open_store(url, options);
  EXPECT_OK(opened);
  if (!opened) throw std::runtime_error("cannot open " + url);
  return std::move(*opened);
}

// Two instances on one migrated schema of the test server.
class PostgresBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = open_or_fail(db_.url());
    ASSERT_OK(a_.migrator->migrate());
    b_ = open_or_fail(db_.url());
  }
  domain::Store& a() { return *a_.store; }
  domain::Store& b() { return *b_.store; }

  PostgresFixture db_;  // first: it outlives the stores' connections
  store::Opened a_;
  store::Opened b_;
};

// ---- opening

void expect_no_password(const Error& e) {
  EXPECT_EQ(e.detail.find(kPassword), std::string::npos) << e.detail;
  EXPECT_EQ(e.reason.find(kPassword), std::string::npos) << e.reason;
}

TEST(PostgresOpen, AServerThatDoesNotAnswerIsDatabaseUnavailableQuicklyAndThePasswordIsNotShown) {
  const auto started = Clock::now();
  auto opened = store::open_store(std::string("postgres://tessera:") + kPassword + "@127.0.0.1:1/tessera", {});
  ASSERT_FALSE(opened);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(opened.code(), errc::database_unavailable);
  EXPECT_NE(opened.error().detail.find("TESSERA_DATABASE"), std::string::npos) << opened.error().detail;
  EXPECT_NE(opened.error().detail.find("postgres://tessera@127.0.0.1:1/tessera"), std::string::npos)
      << opened.error().detail;
  expect_no_password(opened.error());
}

TEST(PostgresOpen, AUrlLibpqCannotReadIsRefusedWithoutShowingThePassword) {
  for (const std::string& url : {std::string("postgres://tessera:") + kPassword + "@[::1/tessera",
                                 std::string("postgresql://127.0.0.1:1/tessera?password=") + kPassword + "&bogus=1",
                                 std::string("postgres://tessera:") + kPassword + "%zz@127.0.0.1/tessera"}) {
    auto opened = store::open_store(url, {});
    ASSERT_FALSE(opened) << url;
    EXPECT_NE(opened.error().detail.find("TESSERA_DATABASE"), std::string::npos) << opened.error().detail;
    expect_no_password(opened.error());
  }
}

TEST(PostgresOpen, BothSchemesOpenTheSameDatabase) {
  PostgresFixture db;
  const std::string url = db.url();
  ASSERT_EQ(url.rfind("postgres://", 0), 0u);
  auto a = open_or_fail(url);
  auto b = open_or_fail("postgresql://" + url.substr(std::string("postgres://").size()));
  EXPECT_EQ(a.store->backend(), "postgres");
  EXPECT_OK(b.store->ping());
}

// ---- several instances

enum class Outcome { rotated, saw_retired, lost };

TEST_F(PostgresBackend, TwoInstancesRacingToRotateOneTokenLetExactlyOneFindItCurrent) {
  constexpr int kRounds = 5;
  constexpr int kThreads = 8;  // half on each instance
  const User u = make_user(1, "ada@example.com");
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_user(u); }));
  for (int round = 0; round < kRounds; ++round) {
    const Session start = make_session(u, round);
    ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_session(start); }));
    std::latch go(kThreads);
    std::vector<Outcome> outcomes(kThreads, Outcome::lost);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        domain::Store& store = t % 2 == 0 ? a() : b();
        go.arrive_and_wait();
        auto r = store.transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
          auto current = tx.session_by_token(start.token_hash);
          if (!current) return std::move(current).error();
          if (*current) {
            Session s = **current;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));  // widen the window
            if (auto w = tx.retire_token(s.token_hash, s.id, s.generation, at_s(10)); !w) return w;
            s.previous_token_hash = s.token_hash;
            s.token_hash = token_hash(10'000 + round * 100 + t);
            s.generation += 1;
            if (auto w = tx.update_session(s); !w) return w;
            outcomes[t] = Outcome::rotated;
            return ok();
          }
          auto retired = tx.session_by_retired_token(start.token_hash);
          if (!retired) return std::move(retired).error();
          outcomes[t] = *retired ? Outcome::saw_retired : Outcome::lost;
          return ok();
        });
        EXPECT_OK(r);
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), Outcome::rotated), 1) << "round " << round;
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), Outcome::saw_retired), kThreads - 1) << "round " << round;
  }
}

TEST_F(PostgresBackend, TwoInstancesUsingOneOneTimeTokenLetExactlyOneSucceed) {
  constexpr int kThreads = 8;
  const User u = make_user(1, "ada@example.com");
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_user(u); }));
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_one_time_token(make_one_time_token(u, 1)); }));
  std::latch go(kThreads);
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      domain::Store& store = t % 2 == 0 ? a() : b();
      go.arrive_and_wait();
      auto r = store.write([&](StoreTx& tx) -> Result<bool> {
        auto found = tx.one_time_token(token_hash(1));
        if (!found) return std::move(found).error();
        if (!*found || !(*found)->usable(at_s(10))) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return tx.use_one_time_token(token_hash(1), at_s(10 + t));
      });
      EXPECT_OK(r);
      if (r && *r) won.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), 1);
}

TEST_F(PostgresBackend, ClaimsFromTwoInstancesNeverReturnTheSameMail) {
  constexpr int kMails = 150;
  constexpr int kThreads = 6;  // half on each instance
  std::vector<std::int64_t> all;
  ASSERT_OK(a().write([&](StoreTx& tx) -> Result<void> {
    for (int n = 0; n < kMails; ++n) {
      auto id = tx.enqueue_mail(make_mail(nullptr, n, at_ms(n)));
      if (!id) return std::move(id).error();
      all.push_back(*id);
    }
    return ok();
  }));
  std::latch go(kThreads);
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      domain::Store& store = t % 2 == 0 ? a() : b();
      const std::string owner = "instance-" + std::to_string(t % 2) + "-sender-" + std::to_string(t);
      go.arrive_and_wait();
      for (;;) {
        auto batch = store.write([&](StoreTx& tx) { return tx.claim_mail(at_s(1000), at_s(2000), owner, 4); });
        if (!batch) {
          failures.fetch_add(1);
          return;
        }
        if (batch->empty()) return;
        for (const auto& m : *batch) {
          got[t].push_back(m.id);
          auto sent = store.write([&](StoreTx& tx) { return tx.mark_mail_sent(m.id, owner, at_s(1001)); });
          if (!sent || !*sent) failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::map<std::int64_t, int> times;
  for (const auto& ids : got) {
    for (const auto id : ids) ++times[id];
  }
  EXPECT_EQ(times.size(), all.size());
  for (const auto id : all) EXPECT_EQ(times[id], 1) << "mail " << id;
  // Both instances took part.
  std::size_t first = 0;
  for (int t = 0; t < kThreads; t += 2) first += got[t].size();
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, all.size());
}

TEST_F(PostgresBackend, AReaderTailingRevocationsSeesEveryIdWhileTwoInstancesAppend) {
  // Each append holds its transaction open a little after drawing its id, so that without
  // ordering a later id would often commit first and the reader would step past an earlier one.
  constexpr int kWriters = 6;  // half on each instance
  constexpr int kPerWriter = 30;
  std::atomic<int> writers_left{kWriters};
  std::vector<std::vector<std::int64_t>> appended(kWriters);
  std::latch go(kWriters + 1);
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      domain::Store& store = t % 2 == 0 ? a() : b();
      std::minstd_rand random(static_cast<unsigned>(t + 1));
      go.arrive_and_wait();
      for (int k = 0; k < kPerWriter; ++k) {
        RevocationEvent e;
        e.subject = uuid(t * 1000 + k);
        e.created_at = at_s(1);
        e.expires_at = at_s(1000);
        auto id = store.write([&](StoreTx& tx) -> Result<std::int64_t> {
          auto appended_id = tx.append_revocation(e);
          if (appended_id) std::this_thread::sleep_for(std::chrono::microseconds(random() % 1500));
          return appended_id;
        });
        EXPECT_OK(id);
        if (id) appended[t].push_back(*id);
      }
      writers_left.fetch_sub(1);
    });
  }

  std::vector<std::int64_t> seen;
  std::int64_t last = 0;
  bool ordered = true;
  const auto tail = [&] {
    auto events = a().read([&](StoreTx& tx) { return tx.revocations_after(last, 1000); });
    EXPECT_OK(events);
    if (!events) return;
    for (const auto& e : *events) {
      ordered = ordered && e.id > last;
      last = e.id;
      seen.push_back(e.id);
    }
  };
  go.arrive_and_wait();
  while (writers_left.load() > 0) tail();
  for (auto& th : writers) th.join();
  tail();  // whatever committed after the last poll

  EXPECT_TRUE(ordered);
  std::set<std::int64_t> expected;
  for (const auto& ids : appended) expected.insert(ids.begin(), ids.end());
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kWriters * kPerWriter));
  const std::set<std::int64_t> got(seen.begin(), seen.end());
  std::vector<std::int64_t> missed;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missed));
  EXPECT_TRUE(missed.empty()) << missed.size() << " events were never seen by the tailing reader, first "
                              << (missed.empty() ? 0 : missed.front());
  EXPECT_EQ(seen.size(), expected.size());
}

TEST(PostgresMigrate, TwoInstancesMigratingAtOnceApplyEachMigrationOnce) {
  PostgresFixture db;
  auto a = open_or_fail(db.url());
  auto b = open_or_fail(db.url());
  Result<int> ran_a = 0;
  Result<int> ran_b = 0;
  std::latch go(2);
  std::thread ta([&] {
    go.arrive_and_wait();
    ran_a = a.migrator->migrate();
  });
  std::thread tb([&] {
    go.arrive_and_wait();
    ran_b = b.migrator->migrate();
  });
  ta.join();
  tb.join();
  ASSERT_OK(ran_a);
  ASSERT_OK(ran_b);
  EXPECT_EQ(*ran_a + *ran_b, a.migrator->latest_version());
  auto v = b.migrator->current_version();
  ASSERT_OK(v);
  EXPECT_EQ(*v, a.migrator->latest_version());
}

// ---- transactions

TEST_F(PostgresBackend, AFailedStatementTheBodyIgnoresStillFailsTheTransaction) {
  // PostgreSQL aborts the transaction at the first failed statement; a body that carries on and
  // returns success must not be told its earlier writes were committed. (Carrying on is a bug in
  // the body, hence internal_error.)
  ASSERT_OK(a().write([](StoreTx& tx) { return tx.insert_user(make_user(1, "ada@example.com")); }));
  auto r = a().transact(TxKind::write, [](StoreTx& tx) -> Result<void> {
    if (auto w = tx.insert_user(make_user(2, "bob@example.com")); !w) return w;
    (void)tx.insert_user(make_user(3, "ada@example.com"));  // duplicate email: fails, ignored
    return ok();
  });
  EXPECT_EQ(code_of(r), errc::internal_error);
  EXPECT_NE(r.error().reason.find("users_email_unique"), std::string::npos) << r.error().reason;
  auto bob = a().read([](StoreTx& tx) { return tx.user_by_email("bob@example.com"); });
  ASSERT_OK(bob);
  EXPECT_FALSE(bob->has_value());
}

TEST_F(PostgresBackend, AWriteBlockedByARowLockPastTheRetriesIsDatabaseUnavailable) {
  const User u = make_user(1, "ada@example.com");
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_user(u); }));
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_session(make_session(u, 1)); }));
  store::Options options;
  options.busy_timeout = std::chrono::milliseconds(100);
  auto impatient = open_or_fail(db_.url(), options);

  // Another instance holds the session's row lock and does not let go.
  std::latch locked(1);
  std::latch release(1);
  std::thread holder([&] {
    auto r = a().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
      auto s = tx.session_by_token(token_hash(1));
      locked.count_down();
      release.wait();
      if (!s) return std::move(s).error();
      return ok();
    });
    EXPECT_OK(r);
  });
  locked.wait();
  const auto started = Clock::now();
  auto r = impatient.store->transact(TxKind::write, [](StoreTx& tx) -> Result<void> {
    auto s = tx.session_by_token(token_hash(1));
    if (!s) return std::move(s).error();
    return ok();
  });
  const auto took = Clock::now() - started;
  release.count_down();
  holder.join();
  EXPECT_EQ(code_of(r), errc::database_unavailable);
  EXPECT_LT(took, std::chrono::seconds(3));
  // Once the lock is gone, it works.
  EXPECT_OK(impatient.store->write([](StoreTx& tx) { return tx.session_by_token(token_hash(1)); }));
}

TEST_F(PostgresBackend, ATransactionInsideATransactionOnTheSameThreadIsRefused) {
  Result<void> inner = ok();
  auto outer = a().transact(TxKind::write, [&](StoreTx&) -> Result<void> {
    inner = a().transact(TxKind::read, [](StoreTx&) { return ok(); });
    return ok();
  });
  EXPECT_OK(outer);
  EXPECT_EQ(code_of(inner), errc::internal_error);
  // Another instance's transaction is not nested in this one's sense.
  auto other =
      a().transact(TxKind::read, [&](StoreTx&) { return b().transact(TxKind::read, [](StoreTx&) { return ok(); }); });
  EXPECT_OK(other);
}

TEST_F(PostgresBackend, MoreThreadsThanConnectionsTakeTurnsAndAllSucceed) {
  store::Options options;
  options.connections = 2;
  auto small = open_or_fail(db_.url(), options);
  constexpr int kThreads = 8;
  constexpr int kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        const int n = 1 + t * kEach + k;
        auto r = small.store->write(
            [&](StoreTx& tx) { return tx.insert_user(make_user(n, "u" + std::to_string(n) + "@example.com")); });
        if (!r) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto page = small.store->read([](StoreTx& tx) { return tx.list_users(domain::UserQuery{"", 1, 0}); });
  ASSERT_OK(page);
  EXPECT_EQ(page->total, static_cast<std::size_t>(kThreads * kEach));
}

TEST_F(PostgresBackend, TimesKeepMillisecondsAndDropFinerParts) {
  domain::User u = make_user(1, "a@example.com");
  u.created_at = at_ms(1234) + std::chrono::microseconds(999);
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_user(u); }));
  auto found = a().read([&](StoreTx& tx) { return tx.user_by_id(u.id); });
  ASSERT_OK(found);
  EXPECT_EQ((*found)->created_at, at_ms(1234));
}

// ---- text PostgreSQL refuses

// Free text is cleaned by the domain before it gets here (tests/unit/services/stored_text_test.cpp,
// tests/unit/outbox); text that is not UTF-8 is a caller's bug, and PostgreSQL refuses it.
TEST_F(PostgresBackend, TextThatIsNotUtf8IsRefusedNotStored) {
  const User u = make_user(1, "ada@example.com");
  ASSERT_OK(a().write([&](StoreTx& tx) { return tx.insert_user(u); }));
  Session s = make_session(u, 1);
  s.user_agent = "Bot\xff/1";
  EXPECT_FALSE(a().write([&](StoreTx& tx) { return tx.insert_session(s); }));
  auto found = a().read([&](StoreTx& tx) { return tx.session_by_id(s.id); });
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(PostgresBackend, AnEmailWithANulByteIsRefusedNotCut) {
  // Identifiers are never changed to fit: refused, and nothing half-stored.
  auto r = a().write([](StoreTx& tx) { return tx.insert_user(make_user(1, std::string("ada\0@example.com", 16))); });
  EXPECT_FALSE(r);
  auto cut = a().read([](StoreTx& tx) { return tx.user_by_email("ada"); });
  ASSERT_OK(cut);
  EXPECT_FALSE(cut->has_value());
}

// ---- connections that go away

TEST_F(PostgresBackend, ConnectionsTheServerClosedAreReplacedWithoutAnError) {
  ASSERT_OK(a().write([](StoreTx& tx) { return tx.insert_user(make_user(1, "ada@example.com")); }));
  // Warm up several pooled connections, then have the server end them all (as a failover or an
  // administrator's pg_terminate_backend would).
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      EXPECT_OK(a().transact(TxKind::read, [](StoreTx&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return ok();
      }));
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_NO_FATAL_FAILURE(
      db_.admin("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE application_name = '" +
                db_.schema() + "' AND pid <> pg_backend_pid()"));
  for (int n = 0; n < 4; ++n) {
    auto found = a().read([](StoreTx& tx) { return tx.user_by_email("ada@example.com"); });
    ASSERT_OK(found);
    EXPECT_TRUE(found->has_value());
  }
  EXPECT_OK(b().ping());
}

class PostgresServer : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<PostgresFixture>(server_.url());
    opened_ = open_or_fail(db_->url());
    ASSERT_OK(opened_.migrator->migrate());
    ASSERT_OK(store().write([](StoreTx& tx) { return tx.insert_user(make_user(1, "ada@example.com")); }));
  }
  void TearDown() override {
    opened_ = {};
    db_.reset();
  }
  domain::Store& store() { return *opened_.store; }
  Result<std::optional<User>> find_ada() {
    return store().read([](StoreTx& tx) { return tx.user_by_email("ada@example.com"); });
  }

  PrivateServer server_;
  std::unique_ptr<PostgresFixture> db_;
  store::Opened opened_;
};

TEST_F(PostgresServer, TheStoreCarriesOnAfterTheServerRestartsWithoutAnError) {
  server_.restart();
  auto found = find_ada();
  ASSERT_OK(found);
  EXPECT_TRUE(found->has_value());
  EXPECT_OK(store().write([](StoreTx& tx) { return tx.insert_user(make_user(2, "bob@example.com")); }));
  EXPECT_OK(store().ping());
}

TEST_F(PostgresServer, WhileTheServerIsDownTransactionsFailFastAndWorkAgainWhenItIsBack) {
  server_.suspend();
  auto started = Clock::now();
  auto down = find_ada();
  EXPECT_EQ(code_of(down), errc::database_unavailable);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  // The pool remembers the failure: the next calls do not wait for another connect.
  started = Clock::now();
  for (int n = 0; n < 20; ++n) EXPECT_EQ(code_of(find_ada()), errc::database_unavailable);
  EXPECT_EQ(code_of(store().ping()), errc::database_unavailable);
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(500));

  server_.resume();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  Result<std::optional<User>> back = find_ada();
  while (!back && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    back = find_ada();
  }
  ASSERT_OK(back);
  EXPECT_TRUE(back->has_value());
  EXPECT_OK(store().ping());
}

}  // namespace
}  // namespace tessera::store_contract
