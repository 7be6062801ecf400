// The audit log: appended in the transactions that cause the events, listed newest first with
// filters, pruned by age.
#include "domain/stored_text.hpp"
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::AuditEntry;
using domain::AuditQuery;
using domain::StoreTx;
using namespace std::chrono_literals;

TESSERA_STORE_CONTRACT(AuditLog);

AuditEntry entry(std::string event, std::string user, TimePoint at) {
  AuditEntry e;
  e.at = at;
  e.event = std::move(event);
  e.user_id = std::move(user);
  e.actor_id = "admin-1";
  e.ip = "203.0.113.9";
  e.user_agent = "test-agent/1.0";
  e.detail = "roles: -> admin";
  return e;
}

std::int64_t append(domain::Store& store, const AuditEntry& e) {
  auto id = store.write([&](StoreTx& tx) { return tx.append_audit(e); });
  EXPECT_OK(id);
  return id ? *id : 0;
}

domain::AuditPage list(domain::Store& store, AuditQuery q) {
  auto page = store.read([&](StoreTx& tx) { return tx.list_audit(q); });
  EXPECT_OK(page);
  return page ? *page : domain::AuditPage{};
}

const TimePoint kT0 = from_unix_seconds(1'800'000'000);

TEST_P(AuditLog, AnEntryReadsBackWithEveryField) {
  const auto id = append(store(), entry("user_updated", "u1", kT0));
  EXPECT_GT(id, 0);
  const auto page = list(store(), {});
  ASSERT_EQ(page.entries.size(), 1u);
  const auto& e = page.entries[0];
  EXPECT_EQ(e.id, id);
  EXPECT_EQ(e.at, kT0);
  EXPECT_EQ(e.event, "user_updated");
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.actor_id, "admin-1");
  EXPECT_EQ(e.ip, "203.0.113.9");
  EXPECT_EQ(e.user_agent, "test-agent/1.0");
  EXPECT_EQ(e.detail, "roles: -> admin");
  EXPECT_EQ(page.total, 1u);
}

TEST_P(AuditLog, IdsIncreaseAndTheListIsNewestFirst) {
  const auto a = append(store(), entry("login_failed", "u1", kT0));
  const auto b = append(store(), entry("login_succeeded", "u1", kT0 + 1s));
  EXPECT_GT(b, a);
  const auto page = list(store(), {});
  ASSERT_EQ(page.entries.size(), 2u);
  EXPECT_EQ(page.entries[0].id, b);
  EXPECT_EQ(page.entries[1].id, a);
}

TEST_P(AuditLog, FiltersByUserEventAndTimeAndPages) {
  for (int i = 0; i < 5; ++i) append(store(), entry("login_failed", "u1", kT0 + std::chrono::seconds(i)));
  append(store(), entry("login_failed", "u2", kT0));
  append(store(), entry("signup", "u1", kT0));
  AuditQuery q;
  q.user_id = "u1";
  q.event = "login_failed";
  EXPECT_EQ(list(store(), q).total, 5u);
  q.since = kT0 + 1s;
  q.until = kT0 + 4s;
  const auto window = list(store(), q);
  EXPECT_EQ(window.total, 3u);
  for (const auto& e : window.entries) {
    EXPECT_GE(e.at, kT0 + 1s);
    EXPECT_LT(e.at, kT0 + 4s);
  }
  AuditQuery paged;
  paged.limit = 2;
  paged.offset = 2;
  const auto page = list(store(), paged);
  EXPECT_EQ(page.total, 7u);
  EXPECT_EQ(page.entries.size(), 2u);
}

TEST_P(AuditLog, AFilterMatchesExactlyNotAsAPattern) {
  append(store(), entry("login_failed", "u_1", kT0));
  AuditQuery q;
  q.user_id = "u%";
  EXPECT_EQ(list(store(), q).total, 0u);
}

TEST_P(AuditLog, AnEntryWrittenInARolledBackTransactionIsGone) {
  auto r = store().write([&](StoreTx& tx) -> Result<void> {
    if (auto id = tx.append_audit(entry("signup", "u1", kT0)); !id) return std::move(id).error();
    return make_error(errc::account_exists);
  });
  EXPECT_FALSE(r);
  EXPECT_EQ(list(store(), {}).total, 0u);
}

TEST_P(AuditLog, RetentionDeletesOnlyOlderEntries) {
  append(store(), entry("signup", "old", kT0 - 100 * 24h));
  append(store(), entry("signup", "new", kT0));
  auto n = store().write([&](StoreTx& tx) { return tx.purge_audit(kT0 - 90 * 24h); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1u);
  const auto page = list(store(), {});
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].user_id, "new");
}

// The domain cleans and bounds every field (tests/unit/services/stored_text_test.cpp); a store
// keeps exactly what it is given, at the longest the domain passes, the same on every backend.
TEST_P(AuditLog, FieldsOfTheLongestLengthAreKeptExactlyAsGiven) {
  auto e = entry("login_failed", "u1", kT0);
  std::string agent;
  while (agent.size() + 3 <= domain::kMaxClientTextBytes) agent += "\xe2\x82\xac";  // "€", three bytes
  e.user_agent = agent;
  e.ip = std::string(domain::kMaxClientTextBytes, '1');
  e.detail = std::string(domain::kMaxAuditDetailBytes - 2, 'd') + "\xc3\xa9";
  append(store(), e);
  const auto page = list(store(), {});
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].user_agent, agent);
  EXPECT_EQ(page.entries[0].ip, e.ip);
  EXPECT_EQ(page.entries[0].detail, e.detail);
}

}  // namespace
}  // namespace tessera::store_contract
