// Revocation events: an append-only log with increasing ids that instances tail.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::RevocationEvent;
using domain::StoreTx;

TESSERA_STORE_CONTRACT(RevocationLog);

RevocationEvent event(RevocationEvent::Kind kind, std::string subject, std::int64_t version = 0) {
  RevocationEvent e;
  e.kind = kind;
  e.subject = std::move(subject);
  e.version = version;
  e.created_at = at_ms(1'001);
  e.expires_at = at_ms(901'002);
  return e;
}

std::int64_t append(domain::Store& store, const RevocationEvent& e) {
  auto id = store.write([&](StoreTx& tx) { return tx.append_revocation(e); });
  EXPECT_OK(id);
  return id ? *id : -1;
}

std::vector<RevocationEvent> after(domain::Store& store, std::int64_t id, std::size_t limit) {
  auto r = store.read([&](StoreTx& tx) { return tx.revocations_after(id, limit); });
  EXPECT_OK(r);
  return r ? *r : std::vector<RevocationEvent>{};
}

TEST_P(RevocationLog, AppendedEventsGetIncreasingPositiveIds) {
  const auto a = append(store(), event(RevocationEvent::Kind::session, uuid(1)));
  const auto b = append(store(), event(RevocationEvent::Kind::user, uuid(2), 3));
  const auto c = append(store(), event(RevocationEvent::Kind::session, uuid(3)));
  EXPECT_GT(a, 0);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_P(RevocationLog, AnEventReadsBackWithEveryField) {
  const auto e = event(RevocationEvent::Kind::user, uuid(2), 7);
  const auto id = append(store(), e);
  const auto events = after(store(), 0, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, id);
  EXPECT_EQ(events[0].kind, RevocationEvent::Kind::user);
  EXPECT_EQ(events[0].subject, uuid(2));
  EXPECT_EQ(events[0].version, 7);
  EXPECT_EQ(ms(events[0].created_at), 1'001);
  EXPECT_EQ(ms(events[0].expires_at), 901'002);
}

TEST_P(RevocationLog, RevocationsAfterReturnsOnlyLaterEventsOldestFirst) {
  std::vector<std::int64_t> ids;
  for (int n = 0; n < 5; ++n) ids.push_back(append(store(), event(RevocationEvent::Kind::session, uuid(n))));
  const auto events = after(store(), ids[1], 10);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, ids[2]);
  EXPECT_EQ(events[1].id, ids[3]);
  EXPECT_EQ(events[2].id, ids[4]);
  EXPECT_EQ(events[0].subject, uuid(2));
}

TEST_P(RevocationLog, RevocationsAfterStopsAtTheLimit) {
  std::vector<std::int64_t> ids;
  for (int n = 0; n < 5; ++n) ids.push_back(append(store(), event(RevocationEvent::Kind::session, uuid(n))));
  const auto events = after(store(), 0, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, ids[0]);
  EXPECT_EQ(events[1].id, ids[1]);
  EXPECT_TRUE(after(store(), 0, 0).empty());
}

TEST_P(RevocationLog, RevocationsAfterTheLastIdIsEmpty) {
  const auto id = append(store(), event(RevocationEvent::Kind::session, uuid(1)));
  EXPECT_TRUE(after(store(), id, 10).empty());
  EXPECT_TRUE(after(store(), id + 1000, 10).empty());
}

TEST_P(RevocationLog, IdsAreNeverReusedAfterAPurge) {
  // An instance that has read up to the last id must not miss an event that gets it again.
  std::int64_t last = 0;
  for (int n = 0; n < 3; ++n) last = append(store(), event(RevocationEvent::Kind::session, uuid(n)));
  auto purged = store().write([](StoreTx& tx) { return tx.purge(at_s(0), at_s(1'000'000)); });
  ASSERT_OK(purged);
  EXPECT_EQ(*purged, 3u);
  const auto next = append(store(), event(RevocationEvent::Kind::session, uuid(9)));
  EXPECT_GT(next, last);
}

}  // namespace
}  // namespace tessera::store_contract
