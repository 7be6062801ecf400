#pragma once
// The verification and reset mails (SPEC §5): built-in plain-text and HTML bodies, each of which
// the operator can replace with a file. Templates are parsed once at start-up, so a typo in a
// placeholder stops start-up instead of sending a broken mail later.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "mail/message.hpp"

namespace tessera::mail {

// The values a template can use.
struct MailVars {
  std::string product;  // {{product}}: TESSERA_PRODUCT_NAME, e.g. "Tessera"
  std::string link;     // {{link}}: the verification or reset URL
  std::string email;    // {{email}}: the recipient
  std::string expires;  // {{expires}}: how long the link works, e.g. "24 hours"
  std::string notice;   // {{notice}}: what changed, in a security notice
};

// Template files are a few kilobytes; anything larger is the wrong file.
inline constexpr std::size_t kMaxTemplateBytes = 256 * 1024;

class Templates {
 public:
  // The built-in templates, each replaced by a file in `dir` when it exists (empty dir = built-ins
  // only): verify_email.subject, verify_email.txt, verify_email.html, reset_password.subject,
  // reset_password.txt, reset_password.html, security_notice.subject, security_notice.txt,
  // security_notice.html. Placeholders {{product}}, {{link}}, {{email}}, {{expires}}, {{notice}}
  // (spaces inside the braces allowed). A missing directory, a file that cannot be
  // read, is not UTF-8, is too large, has an unknown or unclosed placeholder, or a subject of more
  // than one line is an error naming the file (start-up fails).
  static Result<Templates> load(const std::string& dir);

  // The mail of `kind` ("verify_email", "reset_password" or "security_notice") for `to`. Values are inserted as they
  // are in the subject and text, HTML-escaped in the HTML. invalid_request for an unknown kind.
  Result<Message> render(std::string_view kind, const MailVars& vars, std::string to) const;

  // Where each template came from: "built-in" or the file's path, in the order of the list above
  // (for a start-up log line).
  std::vector<std::string> sources() const;

 private:
  // One parsed template: literal text and placeholders, alternating.
  struct Piece {
    bool placeholder = false;
    std::string text;  // the literal, or the placeholder's name
  };
  struct Parsed {
    std::vector<Piece> pieces;
    std::string source;
  };
  // subject, txt, html for verify_email, then for reset_password, then for security_notice.
  std::array<Parsed, 9> parsed_;

  static Result<Parsed> parse(std::string_view text, const std::string& source, bool subject);
  static std::string expand(const Parsed& t, const MailVars& vars, bool html);
};

}  // namespace tessera::mail
