// The outbox table: mails queued in the transaction that caused them, leased by senders.
// A mail moves pending -> sending (claimed, leased to one sender) -> sent, or back to pending
// (failed, retried later; or released unsent), or to dead (gave up). Every change of state
// is one UPDATE whose WHERE names the state (and the lease owner) it starts from, so a sender
// whose lease ran out and was taken over changes nothing.
#include <algorithm>

#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace tessera::store::sqlite {
namespace {

using domain::MailState;
using domain::OutboxMail;

// last_error comes cleaned and bounded by the outbox worker (domain/stored_text.hpp).

Result<std::vector<OutboxMail>> read_mails(Statement& st) { return st.collect(read_mail<Statement>); }

}  // namespace

Result<std::int64_t> SqliteTx::enqueue_mail(const OutboxMail& m) {
  // Whatever state the record says, a new mail starts pending, never tried, unleased.
  auto st = c_.prepare(
      "INSERT INTO outbox (kind, recipient, user_id, payload_sealed, state, attempts, created_at, next_attempt_at) "
      "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING id");
  if (!st) return std::move(st).error();
  st->bind(m.kind, m.recipient, TextOrNull{m.user_id.str()}, Blob{m.payload_sealed}, m.created_at, m.next_attempt_at);
  auto row = st->step();
  if (!row) {
    Error e = std::move(row).error();
    if (st->failure() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      e.code = errc::not_found;
      e.reason = "sqlite: enqueue_mail: no such user: " + e.reason;
    }
    return e;
  }
  if (!*row) return make_error(errc::internal_error, "", "sqlite: enqueue_mail returned no id");
  return st->int64(0);
}

Result<std::vector<OutboxMail>> SqliteTx::claim_mail(TimePoint now, TimePoint lease_until, std::string_view owner,
                                                     std::size_t limit) {
  if (owner.empty()) {
    // '' means "no lease" in lease_owner: a sender must name itself.
    return make_error(errc::internal_error, "", "sqlite: claim_mail without an owner");
  }
  if (limit == 0) return std::vector<OutboxMail>();
  // One statement picks the due mails and leases them, so no other claim can come between the
  // choice and the lease (SQLite also serialises writers). The two arms of the UNION each use
  // the (state, next_attempt_at) index and never read the sent mails. PostgreSQL does the same
  // with the choice in a CTE ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED, so concurrent
  // senders skip each other's rows instead of waiting for them.
  static constexpr auto kSql = sql_text(
      "UPDATE outbox SET state = 'sending', lease_until = ?2, lease_owner = ?3, attempts = attempts + 1 "
      "WHERE id IN (SELECT id FROM ("
      "SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
      "UNION ALL "
      "SELECT id FROM outbox WHERE state = 'sending' AND lease_until < ?1"
      ") ORDER BY id LIMIT ?4) "
      "RETURNING ",
      kMailColumns);
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(now, lease_until, owner, to_sql_count(limit));
  auto mails = read_mails(*st);
  if (!mails) return mails;
  // RETURNING gives no order; the caller gets the oldest first.
  std::sort(mails->begin(), mails->end(), [](const OutboxMail& a, const OutboxMail& b) { return a.id < b.id; });
  return mails;
}

Result<std::vector<std::int64_t>> SqliteTx::mark_mails_sent(std::span<const std::int64_t> ids, std::string_view owner,
                                                            TimePoint at) {
  // The sealed token goes: once delivered, the database has no use for it. In process, a cached
  // statement per id costs no more than one statement for the batch.
  std::vector<std::int64_t> marked;
  for (const std::int64_t id : ids) {
    auto st = c_.prepare(
        "UPDATE outbox SET state = 'sent', sent_at = ?3, payload_sealed = X'', lease_until = NULL, lease_owner = '' "
        "WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2");
    if (!st) return std::move(st).error();
    if (auto r = st->bind(id, owner, at).run(); !r) return std::move(r).error();
    if (st->changes() == 1) marked.push_back(id);
  }
  return marked;
}

Result<bool> SqliteTx::mark_mail_failed(std::int64_t id, std::string_view owner, std::string_view error,
                                        std::optional<TimePoint> next_attempt_at) {
  // The payload stays, so that an operator can retry a dead mail.
  auto st = c_.prepare(
      "UPDATE outbox SET state = CASE WHEN ?4 IS NULL THEN 'dead' ELSE 'pending' END, "
      "next_attempt_at = coalesce(?4, next_attempt_at), last_error = ?3, lease_until = NULL, lease_owner = '' "
      "WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(id, owner, error, next_attempt_at).run(); !r) {
    return std::move(r).error();
  }
  return st->changes() == 1;
}

Result<std::size_t> SqliteTx::release_mail(std::string_view owner) {
  if (owner.empty()) return std::size_t{0};
  // next_attempt_at stays: it was due when the mail was claimed, so it is due now.
  auto st = c_.prepare(
      "UPDATE outbox SET state = 'pending', attempts = max(attempts - 1, 0), lease_until = NULL, lease_owner = '' "
      "WHERE state = 'sending' AND lease_owner = ?");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(owner).run(); !r) return std::move(r).error();
  return static_cast<std::size_t>(st->changes());
}

Result<std::vector<OutboxMail>> SqliteTx::list_mail(std::optional<MailState> state, std::size_t limit) {
  // Two statements rather than "?1 IS NULL OR state = ?1", which no index can serve.
  if (state) {
    static constexpr auto kSql =
        sql_text("SELECT ", kMailColumns, " FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?");
    auto st = c_.prepare(kSql.data());
    if (!st) return std::move(st).error();
    st->bind(domain::to_string(*state), to_sql_count(limit));
    return read_mails(*st);
  }
  static constexpr auto kSql = sql_text("SELECT ", kMailColumns, " FROM outbox ORDER BY id DESC LIMIT ?");
  auto st = c_.prepare(kSql.data());
  if (!st) return std::move(st).error();
  st->bind(to_sql_count(limit));
  return read_mails(*st);
}

Result<std::vector<std::pair<MailState, std::int64_t>>> SqliteTx::count_mail() {
  // Every state, in declaration order, zero when it has no mail: a metric that vanishes when
  // its count drops to zero would read as "unknown" rather than 0.
  std::vector<std::pair<MailState, std::int64_t>> out{
      {MailState::pending, 0}, {MailState::sending, 0}, {MailState::sent, 0}, {MailState::dead, 0}};
  auto st = c_.prepare("SELECT state, count(*) FROM outbox GROUP BY state");
  if (!st) return std::move(st).error();
  for (;;) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    const auto state = domain::parse_mail_state(st->text(0));
    if (!state) continue;
    for (auto& [s, n] : out) {
      if (s == *state) n = st->int64(1);
    }
  }
}

Result<std::size_t> SqliteTx::retry_mail(std::optional<std::int64_t> id, TimePoint now) {
  if (!id) {
    auto st = c_.prepare("UPDATE outbox SET state = 'pending', next_attempt_at = ?, attempts = 0 WHERE state = 'dead'");
    if (!st) return std::move(st).error();
    if (auto r = st->bind(now).run(); !r) return std::move(r).error();
    return static_cast<std::size_t>(st->changes());
  }
  // last_error stays, so `outbox list` still shows why it died until the next attempt says more.
  auto st = c_.prepare(
      "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, attempts = 0 "
      "WHERE id = ?1 AND state IN ('pending', 'dead')");
  if (!st) return std::move(st).error();
  if (auto r = st->bind(*id, now).run(); !r) return std::move(r).error();
  if (st->changes() == 1) return std::size_t{1};

  // Not retried: say why.
  auto state = c_.prepare("SELECT state FROM outbox WHERE id = ?");
  if (!state) return std::move(state).error();
  auto row = state->bind(*id).step();
  if (!row) return std::move(row).error();
  const std::string name = std::to_string(*id);
  if (!*row) return make_error(errc::not_found, "there is no mail " + name, "sqlite: retry_mail: no mail " + name);
  if (state->text(0) == "sent") {
    return make_error(errc::invalid_request, "mail " + name + " was delivered already; it is not sent again",
                      "sqlite: retry_mail: mail " + name + " is sent");
  }
  // sending: a sender holds it right now; making it pending could send it twice. If that sender
  // died, the mail is claimed again when its lease runs out.
  return make_error(errc::invalid_request, "mail " + name + " is being sent right now",
                    "sqlite: retry_mail: mail " + name + " is sending");
}

}  // namespace tessera::store::sqlite
