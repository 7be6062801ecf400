#pragma once
// Delivery over SMTP with libcurl (SPEC §5): smtp:// requires STARTTLS and never falls back to
// plain text, smtps:// is implicit TLS; AUTH (PLAIN or LOGIN, as the server offers) with the
// URL's user and password; the server's certificate is always verified.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "mail/sender.hpp"

namespace tessera::mail {

// Default ports when the URL has none: message submission (RFC 6409) for smtp://, and
// submissions over implicit TLS (RFC 8314) for smtps://. Not 25: relaying clients authenticate
// on the submission ports, and Gmail's STARTTLS port is 587.
inline constexpr int kDefaultSmtpPort = 587;
inline constexpr int kDefaultSmtpsPort = 465;

// TESSERA_SMTP_URL taken apart. The user name and password are percent-decoded.
struct SmtpUrl {
  bool implicit_tls = false;  // smtps://
  std::string host;           // a name, IPv4 address, or IPv6 address in brackets
  int port = 0;
  std::string username;  // empty: no AUTH
  SecretString password;
  std::string ehlo_name;  // optional path: the name to greet with (curl: the EHLO domain)

  // The URL libcurl is given: scheme, host, port and path, without the credentials.
  std::string without_credentials() const;
};

// Parses smtp://[user:password@]host[:port][/ehlo-name] or smtps://...; the error detail says
// what to fix and never repeats the URL or its password.
Result<SmtpUrl> parse_smtp_url(std::string_view url);

// Validates the URL (scheme smtp/smtps, host, port; user:password percent-decoded), so a bad
// TESSERA_SMTP_URL stops start-up with one clear line.
Result<void> check_smtp_url(std::string_view url);

struct SmtpOptions {
  std::string url;                   // TESSERA_SMTP_URL
  std::string from;                  // TESSERA_SMTP_FROM, e.g. "Tessera <no-reply@example.com>"
  std::string ca_file;               // TESSERA_SMTP_CA_FILE; empty = the system CAs
  std::chrono::seconds timeout{30};  // the whole delivery, connect included
};

// Validates every option at start-up: the URL, the From header, and that the CA file (if any)
// can be read.
Result<void> check_smtp_options(const SmtpOptions& options);

// Initialises libcurl once for the process; safe to call from any thread, any number of times.
// Call it at start-up, before other threads run (libcurl's global init is not thread-safe
// everywhere); the SmtpSender constructor calls it too.
void init();

class SmtpSender final : public Sender {
 public:
  // Throws std::invalid_argument when the options do not pass check_smtp_options (a start-up
  // failure: call that first for the one-line message).
  SmtpSender(SmtpOptions options, Random& random);
  // As above with the clock the Date header is read from.
  SmtpSender(SmtpOptions options, Random& random, const Clock& clock);
  ~SmtpSender() override;

  // Connects, upgrades to TLS, authenticates and sends; one connection per message.
  Result<void> send(const Message& m) override;
  std::string_view name() const override { return "smtp"; }

 private:
  SmtpOptions options_;
  SmtpUrl url_;
  std::string envelope_from_;
  Random& random_;
  const Clock& clock_;
};

}  // namespace tessera::mail
