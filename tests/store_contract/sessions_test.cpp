// Sessions and refresh-token hashes: lookups by id, current token and retired token; rotation
// updates; revoking every session of a user; listing a user's sessions.
#include <algorithm>

#include "domain/stored_text.hpp"
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::Session;
using domain::SessionId;
using domain::StoreTx;
using domain::TxKind;
using domain::User;

TESSERA_STORE_CONTRACT(SessionStore);

std::optional<Session> by_token(domain::Store& store, const std::string& hash) {
  auto r = store.read([&](StoreTx& tx) { return tx.session_by_token(hash); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

std::optional<Session> by_retired_token(domain::Store& store, const std::string& hash) {
  auto r = store.read([&](StoreTx& tx) { return tx.session_by_retired_token(hash); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

// What the domain does on a refresh: retire the current token, make `next` current.
Result<void> rotate(StoreTx& tx, Session& s, const std::string& next, TimePoint now) {
  if (auto r = tx.retire_token(s.token_hash, s.id, s.generation, now); !r) return r;
  s.previous_token_hash = s.token_hash;
  s.token_hash = next;
  s.successor_sealed = std::string("sealed\0successor", 16);
  s.rotated_at = now;
  s.generation += 1;
  s.last_used_at = now;
  s.idle_expires_at = now + std::chrono::hours(24);
  s.ip = "2001:db8::1";
  return tx.update_session(s);
}

TEST_P(SessionStore, AnInsertedSessionIsFoundByIdWithEveryField) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1, at_ms(1234));
  s.previous_token_hash = token_hash(99);
  s.rotated_at = at_ms(1200);
  s.successor_sealed = std::string("\x00\xff sealed", 9);
  s.generation = 3;
  s.revoked_at = at_ms(5678);
  s.revoke_reason = "logout";
  insert(s);
  const auto found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  expect_same(s, *found);
}

// The domain cleans and bounds a user agent and address (tests/unit/services/stored_text_test.cpp);
// a store keeps exactly what it is given, at the longest the domain passes, on every backend.
TEST_P(SessionStore, AUserAgentAndAddressOfTheLongestLengthAreKeptExactlyAsGiven) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1, at_ms(1234));
  s.user_agent.clear();
  while (s.user_agent.size() + 4 <= domain::kMaxClientTextBytes) s.user_agent += "\xf0\x9f\x98\x80";  // four bytes
  s.ip = std::string(domain::kMaxClientTextBytes, 'f');
  insert(s);
  const auto found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  expect_same(s, *found);
}

TEST_P(SessionStore, AFreshSessionHasNoPreviousTokenRotationOrRevocation) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const Session s = make_session(u, 1);
  insert(s);
  const auto found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->previous_token_hash, "");
  EXPECT_EQ(found->successor_sealed, "");
  EXPECT_FALSE(found->rotated_at.has_value());
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_EQ(found->revoke_reason, "");
}

TEST_P(SessionStore, ASessionIsFoundByItsCurrentTokenHash) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  insert(make_session(u, 1));
  insert(make_session(u, 2));
  const auto found = by_token(store(), token_hash(2));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id.str(), make_session(u, 2).id.str());
  EXPECT_EQ(found->token_hash, token_hash(2));
}

TEST_P(SessionStore, AnUnknownTokenHashFindsNoSession) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  insert(make_session(u, 1));
  EXPECT_FALSE(by_token(store(), token_hash(3)).has_value());
  EXPECT_FALSE(by_retired_token(store(), token_hash(3)).has_value());
  // A prefix of a stored hash (e.g. cut at its NUL byte) matches nothing either.
  EXPECT_FALSE(by_token(store(), token_hash(1).substr(0, 16)).has_value());
  EXPECT_FALSE(by_token(store(), "").has_value());
}

TEST_P(SessionStore, AnUnknownSessionIdFindsNothing) { EXPECT_FALSE(find_session(SessionId(uuid(7))).has_value()); }

TEST_P(SessionStore, ARetiredTokenFindsItsSessionAndTheCurrentOneDoesNot) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1);
  insert(s);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return rotate(tx, s, token_hash(2), at_s(60)); }));

  const auto by_old = by_retired_token(store(), token_hash(1));
  ASSERT_TRUE(by_old.has_value());
  EXPECT_EQ(by_old->id.str(), s.id.str());
  EXPECT_EQ(by_old->token_hash, token_hash(2));
  EXPECT_FALSE(by_token(store(), token_hash(1)).has_value());
  EXPECT_FALSE(by_retired_token(store(), token_hash(2)).has_value());
}

TEST_P(SessionStore, EveryEarlierTokenOfAChainFindsTheSession) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1);
  insert(s);
  for (int n = 2; n <= 4; ++n) {
    ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return rotate(tx, s, token_hash(n), at_s(n)); }));
  }
  for (int n = 1; n <= 3; ++n) {
    const auto found = by_retired_token(store(), token_hash(n));
    ASSERT_TRUE(found.has_value()) << n;
    EXPECT_EQ(found->generation, 3);
    EXPECT_EQ(found->previous_token_hash, token_hash(3));
  }
}

TEST_P(SessionStore, UpdateStoresTheRotationFields) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1);
  insert(s);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return rotate(tx, s, token_hash(2), at_ms(60'123)); }));
  const auto found = by_token(store(), token_hash(2));
  ASSERT_TRUE(found.has_value());
  expect_same(s, *found);
}

TEST_P(SessionStore, UpdateCanRevokeASession) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1);
  insert(s);
  s.revoked_at = at_ms(42'001);
  s.revoke_reason = "refresh_token_reused";
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_session(s); }));
  const auto found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(ms(found->revoked_at), ms(s.revoked_at));
  EXPECT_EQ(found->revoke_reason, "refresh_token_reused");
}

TEST_P(SessionStore, TheAssuranceOfASessionReadsBackAndAStepUpUpdatesIt) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  Session s = make_session(u, 1);
  EXPECT_EQ(s.aal, "aal1");
  insert(s);
  auto found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  expect_same(s, *found);
  s.aal = "aal2";
  s.amr = {"pwd", "otp", "mfa"};
  s.auth_time = at_ms(90'007);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_session(s); }));
  found = find_session(s.id);
  ASSERT_TRUE(found.has_value());
  expect_same(s, *found);
}

TEST_P(SessionStore, UpdateOfAMissingSessionIsNotFound) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_session(make_session(u, 1)); });
  EXPECT_EQ(code_of(r), errc::not_found);
}

TEST_P(SessionStore, ASessionOfAMissingUserIsRefusedAsNotFound) {
  const User ghost = make_user(1, "ghost@example.com");
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_session(make_session(ghost, 1)); });
  EXPECT_EQ(code_of(r), errc::not_found);
}

TEST_P(SessionStore, RetiringATokenOfAMissingSessionIsRefusedAsNotFound) {
  auto r = store().transact(
      TxKind::write, [&](StoreTx& tx) { return tx.retire_token(token_hash(1), SessionId(uuid(5)), 0, at_s(1)); });
  EXPECT_EQ(code_of(r), errc::not_found);
}

TEST_P(SessionStore, TwoSessionsCannotShareACurrentTokenHash) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  insert(make_session(u, 1));
  Session twin = make_session(u, 2);
  twin.token_hash = token_hash(1);
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_session(twin); });
  EXPECT_NE(code_of(r), errc::account_exists);
  EXPECT_FALSE(find_session(twin.id).has_value());
}

TEST_P(SessionStore, ATokenCannotBeRetiredTwice) {
  const User u = make_user(1, "ada@example.com");
  insert(u);
  const Session s = make_session(u, 1);
  insert(s);
  ASSERT_OK(
      store().transact(TxKind::write, [&](StoreTx& tx) { return tx.retire_token(token_hash(9), s.id, 0, at_s(1)); }));
  auto again =
      store().transact(TxKind::write, [&](StoreTx& tx) { return tx.retire_token(token_hash(9), s.id, 1, at_s(2)); });
  EXPECT_FALSE(again);
}

TEST_P(SessionStore, RevokeSessionsOfUserReturnsExactlyTheNewlyRevokedIds) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  insert(make_session(ada, 1));
  insert(make_session(ada, 2));
  Session already = make_session(ada, 3);
  already.revoked_at = at_s(10);
  already.revoke_reason = "logout";
  insert(already);
  insert(make_session(bob, 4));

  auto ids = store().write([&](StoreTx& tx) { return tx.revoke_sessions_of_user(ada.id, at_s(20), "logout_all"); });
  ASSERT_OK(ids);
  std::vector<std::string> got;
  for (const auto& id : *ids) got.push_back(id.str());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{make_session(ada, 1).id.str(), make_session(ada, 2).id.str()}));

  const auto first = find_session(make_session(ada, 1).id);
  EXPECT_EQ(ms(first->revoked_at), std::optional<std::int64_t>(20'000));
  EXPECT_EQ(first->revoke_reason, "logout_all");
  // The one revoked before keeps its own time and reason; the other user's session is untouched.
  const auto old = find_session(already.id);
  EXPECT_EQ(ms(old->revoked_at), std::optional<std::int64_t>(10'000));
  EXPECT_EQ(old->revoke_reason, "logout");
  EXPECT_FALSE(find_session(make_session(bob, 4).id)->revoked_at.has_value());
}

TEST_P(SessionStore, RevokingSessionsOfUserTwiceReturnsNothingTheSecondTime) {
  const User ada = make_user(1, "ada@example.com");
  insert(ada);
  insert(make_session(ada, 1));
  auto first = store().write([&](StoreTx& tx) { return tx.revoke_sessions_of_user(ada.id, at_s(20), "logout_all"); });
  auto second = store().write([&](StoreTx& tx) { return tx.revoke_sessions_of_user(ada.id, at_s(30), "logout_all"); });
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_EQ(first->size(), 1u);
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(ms(find_session(make_session(ada, 1).id)->revoked_at), std::optional<std::int64_t>(20'000));
}

TEST_P(SessionStore, SessionsOfUserAreNewestFirstIncludingRevokedAndExpiredOnes) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  Session expired = make_session(ada, 1, at_s(100));
  expired.idle_expires_at = at_s(101);
  Session revoked = make_session(ada, 2, at_s(300));
  revoked.revoked_at = at_s(301);
  const Session live = make_session(ada, 3, at_s(200));
  insert(expired);
  insert(revoked);
  insert(live);
  insert(make_session(bob, 4, at_s(400)));

  auto list = store().read([&](StoreTx& tx) { return tx.sessions_of_user(ada.id); });
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id.str(), revoked.id.str());
  EXPECT_EQ((*list)[1].id.str(), live.id.str());
  EXPECT_EQ((*list)[2].id.str(), expired.id.str());
  expect_same(revoked, (*list)[0]);
}

TEST_P(SessionStore, AUserWithoutSessionsHasAnEmptyList) {
  const User ada = make_user(1, "ada@example.com");
  insert(ada);
  auto list = store().read([&](StoreTx& tx) { return tx.sessions_of_user(ada.id); });
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
}

}  // namespace
}  // namespace tessera::store_contract
