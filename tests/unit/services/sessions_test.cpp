// Refresh-token rotation, reuse detection, the grace interval and revocation, with a pinned
// clock over a real SQLite store.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "fixture.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;

std::string token_of(const domain::TokenResponse& r) { return std::string(r.refresh_token.reveal()); }

TEST(Sessions, RotatesTheRefreshTokenOnEveryUse) {
  Services s;
  auto first = s.signup("rotate@example.com");
  auto second = s.sessions->refresh(token_of(first), s.client);
  ASSERT_TRUE(second) << second.error().reason;
  EXPECT_NE(token_of(*second), token_of(first));
  EXPECT_EQ(second->session_id, first.session_id);
  auto third = s.sessions->refresh(token_of(*second), s.client);
  ASSERT_TRUE(third);
  EXPECT_NE(token_of(*third), token_of(*second));
}

TEST(Sessions, ReuseOfARotatedTokenAfterTheGraceRevokesTheWholeSession) {
  Services s;
  auto first = s.signup("reuse@example.com");
  auto second = s.sessions->refresh(token_of(first), s.client);
  ASSERT_TRUE(second);
  s.clock.advance(11s);  // past the 10 s grace
  auto replay = s.sessions->refresh(token_of(first), s.client);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.code(), errc::refresh_token_reused);
  // The legitimate holder's current token is dead too, and so are the session's access tokens.
  auto current = s.sessions->refresh(token_of(*second), s.client);
  ASSERT_FALSE(current);
  EXPECT_EQ(current.code(), errc::invalid_refresh_token);
  auto access = s.tokens->verify(second->access_token);
  ASSERT_FALSE(access);
  EXPECT_EQ(access.error().reason, "revoked");
}

TEST(Sessions, TheParentInsideTheGraceGetsTheSameSuccessor) {
  Services s;
  auto first = s.signup("grace@example.com");
  auto a = s.sessions->refresh(token_of(first), s.client);
  ASSERT_TRUE(a);
  s.clock.advance(5s);
  auto b = s.sessions->refresh(token_of(first), s.client);  // the other tab, a moment later
  ASSERT_TRUE(b) << b.error().reason;
  EXPECT_EQ(token_of(*b), token_of(*a));
  // The successor still works and rotates normally.
  auto c = s.sessions->refresh(token_of(*a), s.client);
  ASSERT_TRUE(c);
}

TEST(Sessions, OnlyTheImmediateParentIsTolerated) {
  Services s;
  auto t0 = s.signup("grandparent@example.com");
  auto t1 = s.sessions->refresh(token_of(t0), s.client);
  auto t2 = s.sessions->refresh(token_of(*t1), s.client);
  ASSERT_TRUE(t2);
  auto old = s.sessions->refresh(token_of(t0), s.client);  // two generations back, inside 10 s
  ASSERT_FALSE(old);
  EXPECT_EQ(old.code(), errc::refresh_token_reused);
}

TEST(Sessions, NoGraceMeansTheParentIsReuseAtOnce) {
  auto settings = Services::default_settings();
  settings.refresh_reuse_grace = 0s;
  Services s(settings);
  auto t0 = s.signup("nograce@example.com");
  ASSERT_TRUE(s.sessions->refresh(token_of(t0), s.client));
  s.clock.advance(1s);
  EXPECT_EQ(s.sessions->refresh(token_of(t0), s.client).code(), errc::refresh_token_reused);
}

// The racer that waited for the row lock read its clock before the winner stamped the
// rotation, so it can see `now` at or before `rotated_at`. Without grace that is still reuse.
TEST(Sessions, NoGraceMeansReuseEvenAtTheSameInstantOrWithAClockBehind) {
  auto settings = Services::default_settings();
  settings.refresh_reuse_grace = 0s;
  Services s(settings);
  auto t0 = s.signup("nograce-same-instant@example.com");
  auto t1 = s.sessions->refresh(token_of(t0), s.client);
  ASSERT_TRUE(t1);
  auto same_instant = s.sessions->refresh(token_of(t0), s.client);
  ASSERT_FALSE(same_instant) << "a second successor at the same instant";
  EXPECT_EQ(same_instant.code(), errc::refresh_token_reused);

  auto u0 = s.signup("nograce-clock-behind@example.com");
  s.clock.advance(2s);
  ASSERT_TRUE(s.sessions->refresh(token_of(u0), s.client));
  s.clock.advance(-1s);  // another instance whose `now` was taken before the rotation committed
  auto behind = s.sessions->refresh(token_of(u0), s.client);
  ASSERT_FALSE(behind) << "a second successor for a clock behind the rotation";
  EXPECT_EQ(behind.code(), errc::refresh_token_reused);
}

// Logging out with the parent is tolerated only inside a grace; with none, the parent is spent.
TEST(Sessions, NoGraceMeansLogoutWithTheParentEndsNothing) {
  auto settings = Services::default_settings();
  settings.refresh_reuse_grace = 0s;
  Services s(settings);
  auto t0 = s.signup("nograce-logout@example.com");
  auto t1 = s.sessions->refresh(token_of(t0), s.client);
  ASSERT_TRUE(t1);
  ASSERT_TRUE(s.sessions->logout_by_refresh_token(token_of(t0), s.client));
  EXPECT_TRUE(s.sessions->refresh(token_of(*t1), s.client));
}

TEST(Sessions, ConcurrentRefreshesOfOneTokenNeverLeaveTwoLiveSuccessors) {
  Services s;
  auto t0 = s.signup("race@example.com");
  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> go{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (go.load() == 0) std::this_thread::yield();
      auto r = s.sessions->refresh(token_of(t0), s.client);
      if (r) got[i] = token_of(*r);
    });
  }
  go = 1;
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (const auto& g : got) {
    EXPECT_FALSE(g.empty());  // all inside the grace: every one succeeds...
    distinct.insert(g);
  }
  EXPECT_EQ(distinct.size(), 1u);  // ...with the same successor
  // Exactly one live token remains: the successor rotates, the start token is now reuse.
  s.clock.advance(11s);
  EXPECT_TRUE(s.sessions->refresh(*distinct.begin(), s.client));
}

TEST(Sessions, AnIdleSessionExpires) {
  Services s;
  auto t0 = s.signup("idle@example.com");
  s.clock.advance(std::chrono::hours(24 * 7) + 1s);
  auto r = s.sessions->refresh(token_of(t0), s.client);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::invalid_refresh_token);
}

TEST(Sessions, UseKeepsASessionAliveUntilItsAbsoluteLifetime) {
  Services s;
  auto t = s.signup("absolute@example.com");
  std::string token = token_of(t);
  for (int day = 0; day < 29; ++day) {
    s.clock.advance(std::chrono::hours(24));
    auto r = s.sessions->refresh(token, s.client);
    ASSERT_TRUE(r) << "day " << day << ": " << r.error().reason;
    token = token_of(*r);
  }
  s.clock.advance(std::chrono::hours(24) + 1s);  // past 30 days since login
  EXPECT_EQ(s.sessions->refresh(token, s.client).code(), errc::invalid_refresh_token);
}

TEST(Sessions, GarbageAndUnknownTokensAreInvalid) {
  Services s;
  for (const std::string& bad :
       {std::string(), std::string("x"), std::string(43, '!'), std::string(43, 'A'), std::string(5000, 'a')}) {
    EXPECT_EQ(s.sessions->refresh(bad, s.client).code(), errc::invalid_refresh_token) << bad.size();
  }
}

TEST(Sessions, LogoutStopsTheSessionsAccessTokensAtOnce) {
  Services s;
  auto t = s.signup("logout@example.com");
  ASSERT_TRUE(s.tokens->verify(t.access_token));
  ASSERT_TRUE(s.sessions->logout_by_refresh_token(token_of(t), s.client));
  EXPECT_EQ(s.tokens->verify(t.access_token).error().reason, "revoked");
  EXPECT_EQ(s.sessions->refresh(token_of(t), s.client).code(), errc::invalid_refresh_token);
  EXPECT_TRUE(s.sessions->logout_by_refresh_token(token_of(t), s.client));  // idempotent
}

TEST(Sessions, LogoutEverywhereStopsEverySessionButNotLaterLogins) {
  Services s;
  auto a = s.signup("everywhere@example.com");
  auto b = s.accounts->login("everywhere@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(b);
  ASSERT_TRUE(s.sessions->end_all_sessions(a.user.id, domain::revoke_reason::kLogoutAll, s.client));
  EXPECT_FALSE(s.tokens->verify(a.access_token));
  EXPECT_FALSE(s.tokens->verify(b->access_token));
  EXPECT_FALSE(s.sessions->refresh(token_of(*b), s.client));
  auto c = s.accounts->login("everywhere@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(c);
  EXPECT_TRUE(s.tokens->verify(c->access_token));
}

TEST(Sessions, ListsActiveSessionsAndMarksTheCurrentOne) {
  Services s;
  auto a = s.signup("list@example.com");
  auto b = s.accounts->login("list@example.com", domain::IdentifierField::email, kGoodPassword, s.client);
  ASSERT_TRUE(b);
  auto views = s.sessions->list(a.user.id, b->session_id);
  ASSERT_TRUE(views);
  ASSERT_EQ(views->size(), 2u);
  int current = 0;
  for (const auto& v : *views) current += v.current ? 1 : 0;
  EXPECT_EQ(current, 1);
  ASSERT_TRUE(s.sessions->end_session(a.user.id, a.session_id, domain::revoke_reason::kRevokedByUser, s.client));
  EXPECT_EQ(s.sessions->list(a.user.id, b->session_id)->size(), 1u);
  EXPECT_FALSE(s.tokens->verify(a.access_token));
  EXPECT_TRUE(s.tokens->verify(b->access_token));
}

TEST(Sessions, CannotEndSomeoneElsesSession) {
  Services s;
  auto a = s.signup("mine@example.com");
  auto b = s.signup("theirs@example.com");
  EXPECT_EQ(s.sessions->end_session(a.user.id, b.session_id, "x", s.client).code(), errc::not_found);
  EXPECT_TRUE(s.tokens->verify(b.access_token));
}

}  // namespace
}  // namespace tessera::test
