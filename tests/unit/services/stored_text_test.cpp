// Free text from outside is cleaned once, in the domain, before any store sees it
// (domain/stored_text.hpp): these expectations were the stores' own (PostgreSQL cleaned, SQLite
// cut bytes) and now hold for both backends alike.
#include <gtest/gtest.h>

#include "core/utf8.hpp"
#include "domain/stored_text.hpp"
#include "fixture.hpp"

namespace tessera::test {
namespace {

TEST(StoredText, CleanDropsNulReplacesInvalidBytesAndCutsAtACharacter) {
  EXPECT_EQ(utf8::clean(std::string("421 busy\0 then \xff\xfe gone \xc3", 24), 1000),
            "421 busy then \xEF\xBF\xBD\xEF\xBF\xBD gone \xEF\xBF\xBD");
  EXPECT_EQ(utf8::clean("Bot\xff/1", 512), "Bot\xEF\xBF\xBD/1");
  EXPECT_EQ(utf8::clean("caf\xc3\xa9", 4), "caf") << "never half a character";
  EXPECT_EQ(utf8::clean("caf\xc3\xa9", 5), "caf\xc3\xa9");
  EXPECT_EQ(utf8::clean("\xed\xa0\x80", 10), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate is not UTF-8";
  EXPECT_EQ(utf8::clean("", 10), "");
  const std::string fine = "Mozilla/5.0 (X11; Linux) \xe2\x82\xac";
  EXPECT_EQ(utf8::clean(fine, 512), fine) << "valid text within the limit is unchanged";
}

TEST(StoredText, AnAuditEntryIsCleanedAndBoundedBeforeAnyStoreSeesIt) {
  Services s;
  auto e =
      s.audit.entry("login_failed", "u1", domain::ClientInfo{std::string("10.0.0.1\0", 9), std::string(100000, 'x')},
                    std::string(5000, 'd') + "\xff");
  auto recorded = s.db.store->write([&](domain::StoreTx& tx) { return s.audit.record(tx, e); });
  ASSERT_TRUE(recorded);
  auto page = s.db.store->read([](domain::StoreTx& tx) { return tx.list_audit(domain::AuditQuery{}); });
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 1u);
  const auto& got = page->entries[0];
  EXPECT_LE(got.user_agent.size(), 1024u);
  EXPECT_EQ(got.user_agent, std::string(domain::kMaxClientTextBytes, 'x'));
  EXPECT_EQ(got.ip, "10.0.0.1");
  EXPECT_EQ(got.detail, std::string(domain::kMaxAuditDetailBytes, 'd'));
  EXPECT_EQ(recorded->user_agent, got.user_agent) << "the log line says what was stored";
}

TEST(StoredText, ASessionsUserAgentThatIsNotUtf8IsStoredCleanedUp) {
  Services s;
  s.client.user_agent = std::string("Bot\xff/1\0", 7);
  const auto t = s.signup("agent@example.com");
  auto sessions = s.db.store->read([&](domain::StoreTx& tx) { return tx.sessions_of_user(t.user.id); });
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].user_agent, "Bot\xEF\xBF\xBD/1");
  s.client.user_agent = std::string(100000, 'y');
  const auto u = s.signup("long-agent@example.com");
  auto more = s.db.store->read([&](domain::StoreTx& tx) { return tx.sessions_of_user(u.user.id); });
  ASSERT_TRUE(more);
  EXPECT_EQ((*more)[0].user_agent, std::string(domain::kMaxClientTextBytes, 'y'));
}

}  // namespace
}  // namespace tessera::test
