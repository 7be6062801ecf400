#pragma once
// Account identifiers in their comparison form (SPEC §4): emails trimmed and lower-cased on their
// ASCII letters, usernames NFKC case-folded once so lookalikes map to one account.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::domain {

// RFC 5321's limits: a path of 256 octets including the angle brackets, 64 for the local part.
inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxEmailLocalBytes = 64;
// A username is 3 to 32 code points after normalisation.
inline constexpr std::size_t kMinUsernameCodePoints = 3;
inline constexpr std::size_t kMaxUsernameCodePoints = 32;

// The stored and compared form of an email address, or invalid_request with a detail starting
// "email: ". The result has no whitespace, control character, comma, angle bracket, quote or
// other header syntax, so it can be put into an SMTP header as it is.
Result<std::string> normalize_email(std::string_view raw);

// The stored and compared form of a username (NFKC case-folded: "ＡＬＩＣＥ", "Alice" and
// "ᵃlice" are all "alice"), or invalid_request with a detail starting "username: ".
Result<std::string> normalize_username(std::string_view raw);

enum class IdentifierKind {
  email,     // contains '@' (usernames never do)
  username,  // anything else
};

// Which kind of identifier a login's `login` field holds: '@' present means email.
IdentifierKind classify_identifier(std::string_view raw);

// What names a new account: its email and username in comparison form, either one empty.
struct AccountIdentifiers {
  std::string email;
  std::string username;
};

// The identifiers of a new account (sign-up, `user create`, an imported line): each one given
// normalised, and at least one given (invalid_request, "email: an email or a username is
// required").
Result<AccountIdentifiers> normalize_identifiers(std::string_view email, std::string_view username);

}  // namespace tessera::domain
