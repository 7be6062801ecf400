// The user import (domain/user_import + api/user_lines) over a real SQLite store: how a stream
// is cut into lines, and what is written for each.
#include <gtest/gtest.h>

#include "api/user_lines.hpp"
#include "domain/admin_service.hpp"
#include "domain/user_import.hpp"
#include "fixture.hpp"

namespace tessera::test {
namespace {

// bcryptjs 3.0.3, cost 4 (the format is what matters here; no hash is computed at import).
constexpr const char* kHash = "$2b$04$65PpJoe86n4TBnaugs16SOWj5q24srO4dul/Ov4SxSr7T.G1IJYuq";

struct Importing : Services {
  domain::UserImporter importer{*db.store, *sessions, *hasher, audit, clock, random};
  domain::Actor actor{"cli", {"", "unit-test"}};

  // Feeds `text` in pieces of `piece` bytes and returns the report.
  domain::ImportReport run(std::string_view text, domain::ImportOptions options = {}, std::size_t piece = 1 << 20) {
    auto imp = importer.start(actor, options);
    api::UserLineFeed feed(imp);
    for (std::size_t i = 0; i < text.size(); i += piece) {
      if (!feed.feed(text.substr(i, piece))) throw std::runtime_error("feed");
    }
    if (!feed.end()) throw std::runtime_error("end");
    auto r = imp.finish();
    if (!r) throw std::runtime_error("finish: " + r.error().reason);
    return std::move(*r);
  }
  std::size_t users() {
    auto page = db.store->read([](domain::StoreTx& tx) { return tx.list_users(domain::UserQuery{"", 1, 0}); });
    return page ? page->total : 0;
  }
};

std::string user(int i) {
  return "{\"email\":\"u" + std::to_string(i) + "@example.com\",\"password_hash\":\"" + kHash + "\"}";
}

TEST(UserImport, LinesAreTheSameWhereverTheChunksOfTheStreamEnd) {
  const std::string text =
      "\xEF\xBB\xBF" + user(1) + "\r\n\n   \n" + user(2) + "\n" + "{bad\n" + user(3);  // no final newline
  for (std::size_t piece : {1u, 2u, 7u, 64u, 100000u}) {
    Importing s;
    const auto r = s.run(text, {}, piece);
    EXPECT_EQ(r.imported, 3u) << piece;
    ASSERT_EQ(r.refused.size(), 1u) << piece;
    EXPECT_EQ(r.refused[0].line, 5u) << "blank lines count as lines";
    EXPECT_EQ(s.users(), 3u);
  }
}

TEST(UserImport, AnOverlongLineIsRefusedWithoutBeingHeldAndTheNextLineIsRead) {
  Importing s;
  const std::string huge = "{\"email\":\"" + std::string(api::kMaxUserLineBytes, 'x') + "\"}";
  const auto r = s.run(user(1) + "\n" + huge + "\n" + user(2) + "\n", {}, 4096);
  EXPECT_EQ(r.imported, 2u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].line, 2u);
  EXPECT_EQ(r.refused[0].reason, "the line is longer than 65536 bytes");
}

TEST(UserImport, ManyBatchesCommitEveryGoodLineAndReportEveryBadOneInLineOrder) {
  Importing s;
  std::string text;
  const int n = static_cast<int>(domain::kImportBatch) * 2 + 500;
  for (int i = 1; i <= n; ++i) text += (i % 1000 == 999 ? std::string("{\"email\":\"\"}") : user(i)) + "\n";
  text += user(5) + "\n";  // a duplicate of a line in the first batch, found in the third
  const auto r = s.run(text);
  EXPECT_EQ(r.imported, static_cast<std::size_t>(n - 2));
  ASSERT_EQ(r.refused.size(), 3u);
  EXPECT_EQ(r.refused[0].line, 999u);
  EXPECT_EQ(r.refused[1].line, 1999u);
  EXPECT_EQ(r.refused[2].line, static_cast<std::size_t>(n + 1));
  EXPECT_EQ(r.refused[2].reason, "the same email as line 5");
  EXPECT_EQ(s.users(), static_cast<std::size_t>(n - 2));
}

TEST(UserImport, AnAtomicImportOfManyBatchesWritesNothingWhenTheLastLineIsRefused) {
  Importing s;
  std::string text;
  for (int i = 1; i <= 2500; ++i) text += user(i) + "\n";
  s.signup("u2500@example.com");  // the last line names an account that exists
  domain::ImportOptions o;
  o.atomic = true;
  const auto r = s.run(text, o);
  EXPECT_TRUE(r.rolled_back);
  EXPECT_EQ(r.imported, 0u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].line, 2500u);
  EXPECT_EQ(s.users(), 1u);
}

TEST(UserImport, UpdatingAnAccountThatTwoLinesOrTwoAccountsClaimIsRefused) {
  Importing s;
  s.signup("a@example.com");
  auto b = s.accounts->signup({"b@example.com", "bee", kGoodPassword}, s.client);
  ASSERT_TRUE(b);
  domain::ImportOptions o;
  o.existing = domain::OnExisting::update;
  // One line whose email is one account's and whose username is another's.
  const auto r = s.run("{\"email\":\"a@example.com\",\"username\":\"bee\"}\n", o);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_NE(r.refused[0].reason.find("the line names two accounts"), std::string::npos) << r.refused[0].reason;
  EXPECT_EQ(r.updated, 0u);
}

TEST(UserImport, ADryRunReportsWhatAnImportWouldDoAndWritesNothing) {
  Importing s;
  s.signup("u1@example.com");
  domain::ImportOptions o;
  o.dry_run = true;
  o.existing = domain::OnExisting::skip;
  const auto r = s.run(user(1) + "\n" + user(2) + "\n" + user(2) + "\n", o);
  EXPECT_TRUE(r.dry_run);
  EXPECT_EQ(r.imported, 1u);
  EXPECT_EQ(r.skipped, 1u);
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].reason, "the same email as line 2");
  EXPECT_EQ(s.users(), 1u);
}

}  // namespace
}  // namespace tessera::test
