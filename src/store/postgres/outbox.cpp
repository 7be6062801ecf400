// The outbox table: mails queued in the transaction that caused them, leased by senders.
// A mail moves pending -> sending (claimed, leased to one sender) -> sent, or back to pending
// (failed, retried later; or released unsent), or to dead (gave up). Every change of state
// is one UPDATE whose WHERE names the state (and the lease owner) it starts from, so a sender
// whose lease ran out and was taken over changes nothing.
#include <algorithm>

#include "store/common/row_readers.hpp"
#include "store/common/sql_text.hpp"
#include "store/postgres/postgres_tx.hpp"

namespace tessera::store::postgres {
namespace {

using domain::MailState;
using domain::OutboxMail;

// last_error comes cleaned and bounded by the outbox worker (domain/stored_text.hpp).

Result<std::vector<OutboxMail>> read_mails(const Result<Rows>& rows) { return collect(rows, read_mail<Row>); }

}  // namespace

Result<std::int64_t> PostgresTx::enqueue_mail(const OutboxMail& m) {
  // Whatever state the record says, a new mail starts pending, never tried, unleased. A missing
  // user is a foreign key violation, which the connection reports as not_found.
  auto rows = c_.query(
      "INSERT INTO outbox (kind, recipient, user_id, payload_sealed, state, attempts, created_at, next_attempt_at) "
      "VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6) RETURNING id",
      m.kind, m.recipient, TextOrNull{m.user_id.str()}, Blob{m.payload_sealed}, m.created_at, m.next_attempt_at);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(errc::internal_error, "", "postgres: enqueue_mail returned no id");
  return (*rows)[0].int64(0);
}

Result<std::vector<OutboxMail>> PostgresTx::claim_mail(TimePoint now, TimePoint lease_until, std::string_view owner,
                                                       std::size_t limit) {
  if (owner.empty()) {
    // '' means "no lease" in lease_owner: a sender must name itself.
    return make_error(errc::internal_error, "", "postgres: claim_mail without an owner");
  }
  if (limit == 0) return std::vector<OutboxMail>();
  // The CTE picks the due mails and locks them; SKIP LOCKED passes over rows another sender is
  // claiming right now instead of waiting for it. A row another sender claimed and committed
  // after our snapshot is re-checked against the WHERE clause when we lock it (READ COMMITTED),
  // finds itself sending with a live lease, and drops out. MATERIALIZED: the choice is made once,
  // so the UPDATE changes exactly the rows that were locked. Due means pending with
  // next_attempt_at <= now, or sending with a lease that ran out (its sender crashed).
  static constexpr auto kSql = sql_text(
      "WITH due AS MATERIALIZED ("
      "SELECT id FROM outbox WHERE (state = 'pending' AND next_attempt_at <= $1) "
      "OR (state = 'sending' AND lease_until < $1) "
      "ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) "
      "UPDATE outbox o SET state = 'sending', lease_until = $2, lease_owner = $3, attempts = o.attempts + 1 "
      "FROM due WHERE o.id = due.id "
      "RETURNING ",
      kMailColumnsOfO);
  auto rows = c_.query(kSql.data(), now, lease_until, owner, to_sql_count(limit));
  auto mails = read_mails(rows);
  if (!mails) return mails;
  // RETURNING gives no order; the caller gets the oldest first.
  std::sort(mails->begin(), mails->end(), [](const OutboxMail& a, const OutboxMail& b) { return a.id < b.id; });
  return mails;
}

Result<std::vector<std::int64_t>> PostgresTx::mark_mails_sent(std::span<const std::int64_t> ids, std::string_view owner,
                                                              TimePoint at) {
  std::vector<std::int64_t> marked;
  if (ids.empty()) return marked;
  // The ids go as one list ("1,2,3"), made an array by the server: one statement and one round
  // trip for the batch. (Parameters go in binary form, so the list is sent as text.)
  std::string list;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) list += ',';
    list += std::to_string(ids[i]);
  }
  // The sealed token goes: once delivered, the database has no use for it.
  auto rows = c_.query(
      "UPDATE outbox SET state = 'sent', sent_at = $3, payload_sealed = '\\x'::bytea, lease_until = NULL, "
      "lease_owner = '' WHERE id = ANY(string_to_array($1::text, ',')::bigint[]) AND state = 'sending' "
      "AND lease_owner = $2 RETURNING id",
      list, owner, at);
  if (!rows) return std::move(rows).error();
  marked.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) marked.push_back((*rows)[i].int64(0));
  return marked;
}

Result<bool> PostgresTx::mark_mail_failed(std::int64_t id, std::string_view owner, std::string_view error,
                                          std::optional<TimePoint> next_attempt_at) {
  // The payload stays, so that an operator can retry a dead mail. The error may be anything an
  // SMTP server said: it is cut to size and made storable (PostgreSQL TEXT takes no NUL bytes
  // and no invalid UTF-8).
  auto r = c_.query(
      "UPDATE outbox SET state = CASE WHEN $4::bigint IS NULL THEN 'dead' ELSE 'pending' END, "
      "next_attempt_at = coalesce($4::bigint, next_attempt_at), last_error = $3, lease_until = NULL, "
      "lease_owner = '' WHERE id = $1 AND state = 'sending' AND lease_owner = $2",
      id, owner, error, next_attempt_at);
  if (!r) return std::move(r).error();
  return r->affected() == 1;
}

Result<std::size_t> PostgresTx::release_mail(std::string_view owner) {
  if (owner.empty()) return std::size_t{0};
  // next_attempt_at stays: it was due when the mail was claimed, so it is due now.
  auto r = c_.query(
      "UPDATE outbox SET state = 'pending', attempts = greatest(attempts - 1, 0), lease_until = NULL, "
      "lease_owner = '' WHERE state = 'sending' AND lease_owner = $1",
      owner);
  if (!r) return std::move(r).error();
  return static_cast<std::size_t>(r->affected());
}

Result<std::vector<OutboxMail>> PostgresTx::list_mail(std::optional<MailState> state, std::size_t limit) {
  // Two statements rather than "$1 IS NULL OR state = $1", which no index can serve.
  if (state) {
    static constexpr auto kSql =
        sql_text("SELECT ", kMailColumns, " FROM outbox WHERE state = $1 ORDER BY id DESC LIMIT $2");
    return read_mails(c_.query(kSql.data(), domain::to_string(*state), to_sql_count(limit)));
  }
  static constexpr auto kSql = sql_text("SELECT ", kMailColumns, " FROM outbox ORDER BY id DESC LIMIT $1");
  return read_mails(c_.query(kSql.data(), to_sql_count(limit)));
}

Result<std::vector<std::pair<MailState, std::int64_t>>> PostgresTx::count_mail() {
  // Every state, in declaration order, zero when it has no mail: a metric that vanishes when
  // its count drops to zero would read as "unknown" rather than 0.
  std::vector<std::pair<MailState, std::int64_t>> out{
      {MailState::pending, 0}, {MailState::sending, 0}, {MailState::sent, 0}, {MailState::dead, 0}};
  auto rows = c_.query("SELECT state, count(*) FROM outbox GROUP BY state");
  if (!rows) return std::move(rows).error();
  for (int i = 0; i < rows->size(); ++i) {
    const auto state = domain::parse_mail_state((*rows)[i].text(0));
    if (!state) continue;
    for (auto& [s, n] : out) {
      if (s == *state) n = (*rows)[i].int64(1);
    }
  }
  return out;
}

Result<std::size_t> PostgresTx::retry_mail(std::optional<std::int64_t> id, TimePoint now) {
  if (!id) {
    auto r =
        c_.query("UPDATE outbox SET state = 'pending', next_attempt_at = $1, attempts = 0 WHERE state = 'dead'", now);
    if (!r) return std::move(r).error();
    return static_cast<std::size_t>(r->affected());
  }
  // last_error stays, so `outbox list` still shows why it died until the next attempt says more.
  auto r = c_.query(
      "UPDATE outbox SET state = 'pending', next_attempt_at = $2, attempts = 0 "
      "WHERE id = $1 AND state IN ('pending', 'dead')",
      *id, now);
  if (!r) return std::move(r).error();
  if (r->affected() == 1) return std::size_t{1};

  // Not retried: say why.
  auto state = c_.query("SELECT state FROM outbox WHERE id = $1", *id);
  if (!state) return std::move(state).error();
  const std::string name = std::to_string(*id);
  if (state->empty())
    return make_error(errc::not_found, "there is no mail " + name, "postgres: retry_mail: no mail " + name);
  if ((*state)[0].text(0) == "sent") {
    return make_error(errc::invalid_request, "mail " + name + " was delivered already; it is not sent again",
                      "postgres: retry_mail: mail " + name + " is sent");
  }
  // sending: a sender holds it right now; making it pending could send it twice. If that sender
  // died, the mail is claimed again when its lease runs out.
  return make_error(errc::invalid_request, "mail " + name + " is being sent right now",
                    "postgres: retry_mail: mail " + name + " is sending");
}

}  // namespace tessera::store::postgres
