#pragma once
// How much of each free-text field from outside is kept, in one place: a User-Agent, an address
// as a proxy wrote it, an audit detail quoting what a client typed, an SMTP server's answer.
// The domain cleans such text once (utf8::clean: valid UTF-8, no NUL, cut at a character) before
// it reaches a store, so both backends persist the same value: PostgreSQL's TEXT would refuse
// what SQLite keeps, and a hostile header cannot bloat a table.
#include <cstddef>

namespace tessera::domain {

// A session's and an audit entry's user agent and IP, and an audit entry's other short fields.
inline constexpr std::size_t kMaxClientTextBytes = 512;
// An audit entry's detail.
inline constexpr std::size_t kMaxAuditDetailBytes = 1024;
// An outbox mail's last error, read on every `outbox list`.
inline constexpr std::size_t kMaxMailErrorBytes = 1000;

}  // namespace tessera::domain
