#include "domain/one_time_token.hpp"
#include "domain/outbox_mail.hpp"
#include "domain/second_factor.hpp"

namespace tessera::domain {

std::string_view to_string(TokenPurpose purpose) {
  switch (purpose) {
    case TokenPurpose::verify_email: return "verify_email";
    case TokenPurpose::reset_password: return "reset_password";
  }
  return "verify_email";
}

std::optional<TokenPurpose> parse_token_purpose(std::string_view text) {
  for (const auto purpose : {TokenPurpose::verify_email, TokenPurpose::reset_password}) {
    if (text == to_string(purpose)) return purpose;
  }
  return std::nullopt;
}

std::string_view to_string(MailState state) {
  switch (state) {
    case MailState::pending: return "pending";
    case MailState::sending: return "sending";
    case MailState::sent: return "sent";
    case MailState::dead: return "dead";
  }
  return "pending";
}

std::optional<MailState> parse_mail_state(std::string_view text) {
  if (text == "pending") return MailState::pending;
  if (text == "sending") return MailState::sending;
  if (text == "sent") return MailState::sent;
  if (text == "dead") return MailState::dead;
  return std::nullopt;
}

std::string_view to_string(TotpStatus status) { return status == TotpStatus::active ? "active" : "pending"; }

std::optional<TotpStatus> parse_totp_status(std::string_view text) {
  if (text == "pending") return TotpStatus::pending;
  if (text == "active") return TotpStatus::active;
  return std::nullopt;
}

}  // namespace tessera::domain
