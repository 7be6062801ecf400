#pragma once
// A mail waiting in the durable outbox (SPEC §5, DESIGN rule 9). The row is written in the same
// transaction as the account change that causes it; a background sender claims rows with a
// lease, sends them, and marks them sent, or retries with backoff until they are dead.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

enum class MailState {
  pending,  // waiting for its next attempt
  sending,  // claimed by a sender until `lease_until`; a crash lets the lease run out
  sent,     // delivered to the SMTP server (or the log)
  dead,     // gave up after the last attempt; `tessera outbox retry` revives it
};

std::string_view to_string(MailState state);
std::optional<MailState> parse_mail_state(std::string_view text);

// What a mail is; the sender renders it from the templates at sending time.
namespace mail_kind {
inline constexpr std::string_view kVerifyEmail = "verify_email";
inline constexpr std::string_view kResetPassword = "reset_password";
// A change to the account's protection; the payload is the sentence to show (no link).
inline constexpr std::string_view kSecurityNotice = "security_notice";
}  // namespace mail_kind

struct OutboxMail {
  std::int64_t id = 0;  // assigned by the store, increasing
  std::string kind;     // mail_kind::...
  std::string recipient;
  UserId user_id;
  // The token the mail's link carries, sealed with the outbox key (the database never holds it
  // in the clear); emptied once the mail is sent.
  std::string payload_sealed;
  MailState state = MailState::pending;
  int attempts = 0;  // claims so far
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  std::optional<TimePoint> lease_until;
  std::string lease_owner;
  std::string last_error;
  std::optional<TimePoint> sent_at;
};

}  // namespace tessera::domain
