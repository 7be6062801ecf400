#pragma once
// Bringing an app's existing users over (`tessera user import`, POST /admin/users/import): each
// line of the file becomes one account with the hash the app stored (bcrypt or Argon2), which
// verifies at the next login and is then re-hashed to Argon2id. No password is hashed here, so
// an import costs what its inserts cost.
//
// A line is written whole or not at all: it is checked in full first (identifiers, hash format
// and cost, roles, duplicates within the file, accounts that exist), then written in a batch
// transaction of up to kImportBatch lines. With `atomic`, the whole file is one transaction that
// commits only when no line is refused. The caller reads and parses the lines (JSON is not the
// domain's business) and hands each one over as an ImportedUser, or refuses it with a reason.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "crypto/password_hasher.hpp"
#include "domain/audit_log.hpp"
#include "domain/session_service.hpp"
#include "domain/store.hpp"

namespace tessera::domain {

// Lines written per transaction when not atomic: large enough that the commit's fsync is paid
// once per many users, small enough that a batch buffered for a retried transaction stays small.
inline constexpr std::size_t kImportBatch = 1000;

// One line, as the file gave it (not normalised yet).
struct ImportedUser {
  std::size_t line = 0;
  std::string id;  // empty: a new id; a UUID: kept; anything else: a new id, reported in new_ids
  std::string email;
  std::string username;
  std::optional<std::string> password_hash;  // none: an account without a password
  bool email_verified = false;
  bool disabled = false;
  std::vector<std::string> roles;
  std::optional<TimePoint> created_at;  // none: now
};

enum class OnExisting {
  refuse,  // a line naming an existing account (same id, email or username) is refused
  skip,    // ... is skipped, and the account left as it is
  update,  // ... updates that account: roles, flags, identifiers, and the hash if the line has one
};

struct ImportOptions {
  OnExisting existing = OnExisting::refuse;
  bool dry_run = false;  // check everything, write nothing
  bool atomic = false;   // one refused line writes nothing at all
};

struct RefusedLine {
  std::size_t line = 0;
  std::string reason;
};

// A line whose id was not a UUID: the account got `id` instead, so the app can map its keys.
struct NewId {
  std::size_t line = 0;
  std::string given;
  std::string id;
};

struct ImportReport {
  std::size_t imported = 0;  // new accounts (with dry_run: that would be made)
  std::size_t updated = 0;
  std::size_t unchanged = 0;  // update: the account already was what its line says
  std::size_t skipped = 0;
  std::vector<RefusedLine> refused;  // in line order
  std::vector<NewId> new_ids;
  bool dry_run = false;
  bool rolled_back = false;  // atomic, and a refused line stopped the whole file
};

class UserImport;

// The long-lived service; each file is one UserImport.
class UserImporter {
 public:
  UserImporter(Store& store, SessionService& sessions, const crypto::PasswordHasher& hasher, const AuditLog& audit,
               const Clock& clock, Random& random)
      : store_(store), sessions_(sessions), hasher_(hasher), audit_(audit), clock_(clock), random_(random) {}

  UserImport start(Actor actor, ImportOptions options);

 private:
  friend class UserImport;
  Store& store_;
  SessionService& sessions_;
  const crypto::PasswordHasher& hasher_;
  const AuditLog& audit_;
  const Clock& clock_;
  Random& random_;
};

class UserImport {
 public:
  // A line that reads as a user. Lines must come in increasing line order. An error only when
  // the store fails (the import stops there; what was committed stays, each line whole).
  Result<void> add(ImportedUser user);
  // A line the caller could not read (bad JSON, too long, bad UTF-8).
  void refuse(std::size_t line, std::string reason);
  // Writes what is buffered and returns the report.
  Result<ImportReport> finish();

  // Lines handed over so far (for progress).
  std::size_t lines() const { return lines_; }

 private:
  friend class UserImporter;
  UserImport(UserImporter& importer, Actor actor, ImportOptions options)
      : importer_(importer), actor_(std::move(actor)), options_(options) {}

  // A line checked and normalised, ready to write.
  struct Checked {
    std::size_t line;
    User user;
    bool has_hash;
    bool kept_id;          // the file's id, not a generated one
    std::string given_id;  // the file's id when it was not a UUID and a new one was made
  };
  // What one line came to in a transaction.
  enum class Outcome { imported, updated, unchanged, skipped, refused };
  struct Done {
    std::size_t line;
    Outcome outcome;
    std::string reason;           // when refused
    std::optional<NewId> new_id;  // when imported under a new id
  };

  Result<Checked> check(ImportedUser in);
  // Refuses the line if the file named one of its identifiers before; otherwise remembers them.
  std::optional<std::string> seen_before(const Checked& c);
  Result<void> flush();
  // The lines of `batch` against the store: each one's outcome, writing unless dry_run.
  Result<std::vector<Done>> apply(StoreTx& tx, const std::vector<Checked>& batch, bool write,
                                  std::vector<RevocationEvent>& events);
  Result<Done> apply_one(StoreTx& tx, const Checked& c, bool write, std::vector<RevocationEvent>& events);
  void count(const std::vector<Done>& done);

  UserImporter& importer_;
  Actor actor_;
  ImportOptions options_;
  ImportReport report_;
  std::vector<Checked> pending_;
  // Every identifier of an accepted line, as a 64-bit hash -> its line, in an open-addressing
  // table (16 bytes an entry, no node per entry): the one thing an import keeps per line. A
  // collision (1 in 2^64 per pair) refuses a line as a duplicate; it never merges two.
  boost::unordered_flat_map<std::uint64_t, std::size_t> seen_;
  std::size_t lines_ = 0;
};

}  // namespace tessera::domain
