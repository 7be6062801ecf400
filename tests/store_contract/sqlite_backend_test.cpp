// What only the SQLite backend does: the file and its directory, WAL, the lock another process
// holds, thread-affine connections.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store_contract/contract.hpp"
#include "store_contract/sqlite_fixture.hpp"

namespace tessera::store_contract {
namespace {

using domain::StoreTx;
using domain::TxKind;

// A second connection to the file, standing in for another process (the CLI, a backup).
class OtherProcess {
 public:
  explicit OtherProcess(const std::filesystem::path& file) {
    EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~OtherProcess() { sqlite3_close_v2(db_); }
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
  // PRAGMA wal_checkpoint(TRUNCATE): true when it could copy and truncate the whole WAL, which
  // it cannot while any connection still holds a read snapshot.
  bool checkpoint_truncates() {
    int log = -1;
    int done = -1;
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    return rc == SQLITE_OK;
  }
  std::string text(const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_store(db_.url(), options_);
    ASSERT_OK(opened);
    opened_ = std::move(*opened);
    ASSERT_OK(opened_.migrator->migrate());
  }
  domain::Store& store() { return *opened_.store; }

  store::Options options_ = short_busy_timeout();
  SqliteFixture db_;
  store::Opened opened_;

 private:
  static store::Options short_busy_timeout() {
    store::Options o;
    o.busy_timeout = std::chrono::milliseconds(50);
    return o;
  }
};

TEST(SqliteOpen, AMissingDirectoryIsAClearErrorNamingTheSetting) {
  SqliteFixture db;
  const auto file = db.dir() / "no-such-dir" / "tessera.db";
  auto opened = store::open_store("sqlite://" + file.string(), {});
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().detail.find("TESSERA_DATABASE"), std::string::npos) << opened.error().detail;
  EXPECT_NE(opened.error().detail.find("no-such-dir"), std::string::npos) << opened.error().detail;
  EXPECT_FALSE(std::filesystem::exists(file.parent_path()));
}

TEST(SqliteOpen, AMissingFileIsCreatedReadableByItsOwnerOnly) {
  SqliteFixture db;
  auto opened = store::open_store(db.url(), {});
  ASSERT_OK(opened);
  struct stat st {};
  ASSERT_EQ(::stat(db.file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(SqliteOpen, ARelativePathIsRelativeToTheWorkingDirectory) {
  SqliteFixture db;
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(db.dir());
  auto opened = store::open_store("sqlite://relative.db", {});
  std::filesystem::current_path(before);
  ASSERT_OK(opened);
  EXPECT_TRUE(std::filesystem::exists(db.dir() / "relative.db"));
}

TEST(SqliteOpen, AnInMemoryDatabaseIsRefused) {
  auto opened = store::open_store("sqlite://:memory:", {});
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().detail.find(":memory:"), std::string::npos);
}

TEST(SqliteOpen, AFileThatIsNotADatabaseIsRefused) {
  SqliteFixture db;
  {
    std::FILE* f = std::fopen(db.file().c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, but it is long enough to have a header......", f);
    std::fclose(f);
  }
  auto opened = store::open_store(db.url(), {});
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().detail.find("TESSERA_DATABASE"), std::string::npos) << opened.error().detail;
}

TEST_F(SqliteBackend, TheDatabaseRunsInWalModeWithTheLogBesideTheFile) {
  ASSERT_OK(store().transact(TxKind::write, [](StoreTx& tx) { return tx.insert_user(make_user(1, "a@example.com")); }));
  OtherProcess other(db_.file());
  EXPECT_EQ(other.text("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(db_.file().string() + "-wal"));
}

TEST_F(SqliteBackend, TimesKeepMillisecondsAndDropFinerParts) {
  domain::User u = make_user(1, "a@example.com");
  u.created_at = at_ms(1234) + std::chrono::microseconds(999);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_user(u); }));
  auto found = store().read([&](StoreTx& tx) { return tx.user_by_id(u.id); });
  ASSERT_OK(found);
  EXPECT_EQ((*found)->created_at, at_ms(1234));
}

TEST_F(SqliteBackend, AWriteBlockedByAnotherProcessPastTheRetriesIsDatabaseUnavailable) {
  OtherProcess other(db_.file());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  int runs = 0;
  const auto started = std::chrono::steady_clock::now();
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) {
    ++runs;
    return tx.insert_user(make_user(1, "a@example.com"));
  });
  const auto took = std::chrono::steady_clock::now() - started;
  other.exec("ROLLBACK");
  EXPECT_EQ(code_of(r), errc::database_unavailable);
  EXPECT_EQ(runs, 0);  // BEGIN IMMEDIATE never got the lock, so the body never ran
  EXPECT_LT(took, std::chrono::seconds(2));
  // Once the other process lets go, writes work again.
  EXPECT_OK(store().transact(TxKind::write, [](StoreTx& tx) { return tx.insert_user(make_user(1, "a@example.com")); }));
}

TEST_F(SqliteBackend, AWriteWaitsOutABrieflyHeldLockOfAnotherProcess) {
  OtherProcess other(db_.file());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(80));  // past one busy timeout
    other.exec("COMMIT");
  });
  auto r = store().transact(TxKind::write, [](StoreTx& tx) { return tx.insert_user(make_user(1, "a@example.com")); });
  release.join();
  EXPECT_OK(r);
}

TEST_F(SqliteBackend, AReadIsNotBlockedByAnotherProcessWriting) {
  OtherProcess other(db_.file());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(other.exec("INSERT INTO signing_keys (kid, alg, private_key, created_at) VALUES ('k', 'EdDSA', 'p', 0)"),
            SQLITE_OK);
  auto keys = store().read([](StoreTx& tx) { return tx.signing_keys(); });
  other.exec("ROLLBACK");
  ASSERT_OK(keys);
  EXPECT_TRUE(keys->empty());
}

TEST_F(SqliteBackend, ATransactionInsideATransactionOnTheSameThreadIsRefused) {
  Result<void> inner = ok();
  auto outer = store().transact(TxKind::write, [&](StoreTx&) -> Result<void> {
    inner = store().transact(TxKind::read, [](StoreTx&) { return ok(); });
    return ok();
  });
  EXPECT_OK(outer);
  EXPECT_EQ(code_of(inner), errc::internal_error);
}

TEST_F(SqliteBackend, AFinishedReadLeavesNoSnapshotBehind) {
  // Each statement is reset when its use ends, even one stopped after its first row; a
  // forgotten one would pin the WAL and stop checkpoints from ever truncating it.
  for (int n = 1; n <= 3; ++n) {
    ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) {
      return tx.insert_user(make_user(n, "u" + std::to_string(n) + "@example.com"));
    }));
  }
  ASSERT_OK(store().read([](StoreTx& tx) { return tx.list_users(domain::UserQuery{"", 1, 0}); }));
  ASSERT_OK(store().read([](StoreTx& tx) { return tx.user_by_email("u2@example.com"); }));
  OtherProcess other(db_.file());
  EXPECT_TRUE(other.checkpoint_truncates());
}

TEST_F(SqliteBackend, EachThreadHasItsOwnConnection) {
  // A read on another thread while this one holds a write transaction open: with one shared
  // connection the read would either see the uncommitted row or be refused.
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) -> Result<void> {
    if (auto r = tx.insert_user(make_user(1, "a@example.com")); !r) return r;
    bool seen = true;
    std::thread reader([&] {
      auto found = store().read([](StoreTx& t) { return t.user_by_email("a@example.com"); });
      seen = !found || found->has_value();
    });
    reader.join();
    EXPECT_FALSE(seen);
    return ok();
  }));
}

TEST_F(SqliteBackend, ARoleNameWithWhitespaceIsRefused) {
  domain::User u = make_user(1, "a@example.com");
  u.roles = {"two words"};
  EXPECT_EQ(code_of(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_user(u); })),
            errc::internal_error);
}

}  // namespace
}  // namespace tessera::store_contract
