#pragma once
// One email and its wire form (RFC 5322 + MIME, RFC 2045-2047). The message is built here, not by
// libcurl's MIME API, so its exact bytes are ours to test: CRLF line ends, lines within the
// RFC limits, and no header that a value could break out of.
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/result.hpp"

namespace tessera::mail {

// What to send. `to` is one bare address (already validated by the domain); `text` is the
// plain-text body, `html` the HTML body (empty = a text/plain-only message). Bodies are UTF-8.
struct Message {
  std::string to;
  std::string subject;
  std::string text;
  std::string html;
};

// RFC 5322 §2.1.1: a line SHOULD be at most 78 characters (and MUST be at most 998); headers
// keep to 78 (only an address longer than a line can exceed it).
inline constexpr std::size_t kMaxHeaderLine = 78;
// RFC 2045 §6.7: quoted-printable lines are at most 76 characters.
inline constexpr std::size_t kMaxQuotedPrintableLine = 76;

// Builds the RFC 5322 message (CRLF line ends): From, To, Subject (RFC 2047 encoded-words when
// not ASCII), Date, Message-ID (random, @ the From domain), MIME-Version, Auto-Submitted, and a
// multipart/alternative body with quoted-printable UTF-8 text/plain and text/html parts.
// Refuses (errc::invalid_request) header values with CR, LF or NUL, a recipient that is not one
// bare address, and bodies or subjects that are not UTF-8.
Result<std::string> build_mime(const Message& m, std::string_view from_header, Random& random, TimePoint now);

// The bare address of a From header: "Tessera <no-reply@x>" -> "no-reply@x"; "no-reply@x" as is.
Result<std::string> address_of(std::string_view from_header);

// True when `address` is one bare addr-spec safe for an SMTP command and a header: one '@' with
// text on both sides, no whitespace, control character, comma, quote, angle bracket or other
// header syntax (defence in depth: the domain has already validated recipients).
bool is_bare_address(std::string_view address);

// Quoted-printable (RFC 2045 §6.7) of UTF-8 text: any line break (CRLF, LF or CR) becomes CRLF,
// lines are at most 76 characters, trailing whitespace and a leading '.' or "From " are encoded.
std::string encode_quoted_printable(std::string_view text);

// `text` as RFC 2047 "B" encoded-words of whole UTF-8 characters, each at most 75 characters,
// joined by CRLF SP (a folded header line); ASCII-only callers need not use it.
std::string encode_words(std::string_view text);

// The RFC 5322 date-time of `t` in UTC: "Tue, 14 Nov 2023 22:13:20 +0000".
std::string format_rfc5322_date(TimePoint t);

}  // namespace tessera::mail
