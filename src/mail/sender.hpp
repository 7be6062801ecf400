#pragma once
// Where a rendered mail goes: an SMTP server (smtp_sender.hpp) or, with no SMTP configured, the
// log (log_sender.hpp), so the zero-config server works end to end.
#include <string_view>

#include "core/result.hpp"
#include "mail/message.hpp"

namespace tessera::mail {

class Sender {
 public:
  virtual ~Sender() = default;
  // Delivers one message. Success means the server accepted it (or it was logged), never less.
  // On failure `reason` says what failed for the outbox's last_error, e.g.
  // "smtp: login denied (535 5.7.8 Username and Password not accepted)", and never holds the
  // password; `code` is errc::invalid_request when this message can never be delivered as it is
  // (bad header, recipient refused with a 5xx), errc::internal_error when a retry may succeed.
  // Safe to call from one thread at a time.
  virtual Result<void> send(const Message& m) = 0;
  // "smtp" or "log".
  virtual std::string_view name() const = 0;
};

}  // namespace tessera::mail
