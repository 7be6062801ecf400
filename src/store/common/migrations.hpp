#pragma once
// What applying a schema is, the same for both backends: a migration, the refusal of a schema
// newer than this build, and the loop that applies the pending ones. Each backend supplies its
// list (in its dialect, with the same versions) and the few steps that touch its connection.
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::store {

struct Migration {
  int version;            // 1, 2, 3, ...: never renumbered, never edited once released
  std::string_view name;  // for people: what it does
  const char* sql;        // one or more statements, run in one transaction
};

// The highest version of a non-empty list in version order.
inline int latest_version(std::span<const Migration> all) { return all.back().version; }

// Refuses a database migrated by a newer build (`found` > `latest`): its schema may mean things
// this one ignores. `backend` prefixes the log reason ("sqlite", "postgres").
Result<void> refuse_newer_schema(std::string_view backend, int found, int latest);

// Applies each migration of `all` above the database's version, each in its own transaction,
// and returns how many ran. `steps` is the backend's:
//   Result<void> begin();           opens a write transaction
//   Result<int>  version();         the version applied, read inside it (another process may
//                                   have migrated since the caller looked)
//   void         skip();            ends it unchanged (already applied)
//   Result<void> exec(const char*); runs a migration's statements
//   Result<void> record(const Migration&);  inserts its schema_migrations row
//   Result<void> commit();
// On a failure the transaction is left to the caller's guard to roll back.
template <class Steps>
Result<int> apply_pending(std::span<const Migration> all, Steps& steps) {
  int applied = 0;
  for (const Migration& m : all) {
    if (auto r = steps.begin(); !r) return std::move(r).error();
    auto version = steps.version();
    if (!version) return std::move(version).error();
    if (*version >= m.version) {
      steps.skip();
      continue;
    }
    if (auto r = steps.exec(m.sql); !r) {
      Error e = std::move(r).error();
      e.reason = "migration " + std::to_string(m.version) + " (" + std::string(m.name) + "): " + e.reason;
      return e;
    }
    if (auto r = steps.record(m); !r) return std::move(r).error();
    if (auto r = steps.commit(); !r) return std::move(r).error();
    ++applied;
  }
  return applied;
}

}  // namespace tessera::store
