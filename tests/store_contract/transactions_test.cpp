// Transactions: all or nothing, errors and exceptions roll back, reads see committed data only.
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::RevocationEvent;
using domain::StoreTx;
using domain::TxKind;
using domain::User;
using domain::UserId;

TESSERA_STORE_CONTRACT(Transactions);

// How long a test waits for something that should happen at once before calling it a hang.
constexpr auto kPatience = std::chrono::seconds(10);

RevocationEvent event_of(std::string subject) {
  RevocationEvent e;
  e.kind = RevocationEvent::Kind::session;
  e.subject = std::move(subject);
  e.created_at = at_s(1);
  e.expires_at = at_s(1000);
  return e;
}

// Writes one row to each table.
Result<void> write_everywhere(StoreTx& tx) {
  const User u = make_user(1, "ada@example.com");
  if (auto r = tx.insert_user(u); !r) return r;
  if (auto r = tx.insert_session(make_session(u, 1)); !r) return r;
  if (auto r = tx.append_revocation(event_of("s1")); !r) return std::move(r).error();
  return tx.insert_signing_key(domain::StoredKey{"kid-1", "EdDSA", "pem", at_s(1), std::nullopt, std::nullopt});
}

// How many rows write_everywhere() left behind.
int rows_left(domain::Store& store) {
  auto r = store.read([](StoreTx& tx) -> Result<int> {
    int n = 0;
    auto u = tx.user_by_id(UserId(uuid(1)));
    if (!u) return std::move(u).error();
    n += u->has_value() ? 1 : 0;
    auto s = tx.session_by_token(token_hash(1));
    if (!s) return std::move(s).error();
    n += s->has_value() ? 1 : 0;
    auto e = tx.revocations_after(0, 10);
    if (!e) return std::move(e).error();
    n += static_cast<int>(e->size());
    auto k = tx.signing_keys();
    if (!k) return std::move(k).error();
    n += static_cast<int>(k->size());
    return n;
  });
  EXPECT_OK(r);
  return r ? *r : -1;
}

TEST_P(Transactions, ACommittedWriteIsVisibleToTheNextRead) {
  ASSERT_OK(store().transact(TxKind::write, [](StoreTx& tx) { return write_everywhere(tx); }));
  EXPECT_EQ(rows_left(store()), 4);
}

TEST_P(Transactions, AnErrorReturnedByTheBodyRollsBackEveryWriteAndIsPassedOnUnchanged) {
  auto r = store().transact(TxKind::write, [](StoreTx& tx) -> Result<void> {
    if (auto w = write_everywhere(tx); !w) return w;
    return make_error(errc::forbidden, "shown to the client", "for the log");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::forbidden);
  EXPECT_EQ(r.error().detail, "shown to the client");
  EXPECT_EQ(r.error().reason, "for the log");
  EXPECT_EQ(rows_left(store()), 0);
}

TEST_P(Transactions, AnExceptionThrownByTheBodyRollsBackAndPropagates) {
  EXPECT_THROW((void)store().transact(TxKind::write,
                                      [](StoreTx& tx) -> Result<void> {
                                        if (auto w = write_everywhere(tx); !w) return w;
                                        throw std::runtime_error("broken invariant");
                                      }),
               std::runtime_error);
  EXPECT_EQ(rows_left(store()), 0);
}

TEST_P(Transactions, TheStoreWorksNormallyAfterABodyThrew) {
  EXPECT_THROW((void)store().transact(TxKind::write, [](StoreTx&) -> Result<void> { throw std::logic_error("x"); }),
               std::logic_error);
  EXPECT_THROW((void)store().transact(TxKind::read, [](StoreTx&) -> Result<void> { throw std::logic_error("y"); }),
               std::logic_error);
  ASSERT_OK(store().transact(TxKind::write, [](StoreTx& tx) { return write_everywhere(tx); }));
  EXPECT_EQ(rows_left(store()), 4);
}

TEST_P(Transactions, AWriteTransactionReadsItsOwnWritesBeforeCommitting) {
  auto r = store().write([](StoreTx& tx) -> Result<bool> {
    if (auto w = tx.insert_user(make_user(1, "ada@example.com")); !w) return std::move(w).error();
    auto found = tx.user_by_email("ada@example.com");
    if (!found) return std::move(found).error();
    return found->has_value();
  });
  ASSERT_OK(r);
  EXPECT_TRUE(*r);
}

TEST_P(Transactions, AWriteInsideAReadTransactionIsRefusedAndLeavesNothing) {
  auto r = store().transact(TxKind::read, [](StoreTx& tx) { return tx.insert_user(make_user(1, "ada@example.com")); });
  EXPECT_FALSE(r);
  EXPECT_FALSE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(Transactions, TheValueHelpersPassTheBodysValueOut) {
  auto id = store().write([](StoreTx& tx) { return tx.append_revocation(event_of("s1")); });
  ASSERT_OK(id);
  auto events = store().read([](StoreTx& tx) { return tx.revocations_after(0, 10); });
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].id, *id);
}

TEST_P(Transactions, TheValueHelpersPassAnErrorOutAndRollBack) {
  auto r = store().write([](StoreTx& tx) -> Result<int> {
    if (auto w = tx.insert_user(make_user(1, "ada@example.com")); !w) return std::move(w).error();
    return make_error(errc::rate_limited);
  });
  EXPECT_EQ(code_of(r), errc::rate_limited);
  EXPECT_FALSE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(Transactions, AReadSeesCommittedDataOnlyAndDoesNotWaitForAnOpenWrite) {
  std::promise<void> inserted;
  std::promise<void> may_commit;
  auto may_commit_signal = may_commit.get_future().share();
  std::thread writer([&] {
    auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
      if (auto w = tx.insert_user(make_user(1, "ada@example.com")); !w) return w;
      inserted.set_value();
      may_commit_signal.wait();
      return ok();
    });
    EXPECT_OK(r);
  });
  inserted.get_future().wait();

  // While the write is open, a read on another thread answers at once and does not see it.
  auto read = std::async(std::launch::async, [&] { return find_user(UserId(uuid(1))); });
  const bool answered = read.wait_for(kPatience) == std::future_status::ready;
  may_commit.set_value();
  writer.join();
  ASSERT_TRUE(answered) << "a read waited for an open write transaction";
  EXPECT_FALSE(read.get().has_value());

  EXPECT_TRUE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(Transactions, AReadSeesNothingOfAWriteThatRolledBack) {
  std::promise<void> inserted;
  std::promise<void> may_finish;
  auto may_finish_signal = may_finish.get_future().share();
  std::thread writer([&] {
    auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
      if (auto w = tx.insert_user(make_user(1, "ada@example.com")); !w) return w;
      inserted.set_value();
      may_finish_signal.wait();
      return make_error(errc::invalid_request);
    });
    EXPECT_FALSE(r);
  });
  inserted.get_future().wait();
  may_finish.set_value();
  writer.join();
  EXPECT_FALSE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(Transactions, ASecondInstanceOnTheSameDatabaseSeesCommittedWrites) {
  auto other = open_again();
  ASSERT_OK(other);
  insert(make_user(1, "ada@example.com"));
  auto r = other->store->read([](StoreTx& tx) { return tx.user_by_email("ada@example.com"); });
  ASSERT_OK(r);
  EXPECT_TRUE(r->has_value());
}

TEST_P(Transactions, WritersOfTwoInstancesTakeTurns) {
  // Another instance is another process as far as locking goes: its writer waits, then commits.
  auto other = open_again();
  ASSERT_OK(other);
  std::promise<void> started;
  std::thread holder([&] {
    auto r = store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
      if (auto w = tx.insert_user(make_user(1, "ada@example.com")); !w) return w;
      started.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return ok();
    });
    EXPECT_OK(r);
  });
  started.get_future().wait();
  auto r = other->store->transact(TxKind::write,
                                  [](StoreTx& tx) { return tx.insert_user(make_user(2, "bob@example.com")); });
  holder.join();
  EXPECT_OK(r);
  EXPECT_TRUE(find_user(UserId(uuid(1))).has_value());
  EXPECT_TRUE(find_user(UserId(uuid(2))).has_value());
}

TEST_P(Transactions, PingAnswers) { EXPECT_OK(store().ping()); }

TEST_P(Transactions, TheBackendNamesItself) { EXPECT_EQ(store().backend(), GetParam().name); }

}  // namespace
}  // namespace tessera::store_contract
