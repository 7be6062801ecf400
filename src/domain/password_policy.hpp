#pragma once
// The password policy (SPEC §4, after NIST SP 800-63B): a length floor, no composition rules,
// and refusal of passwords that are common, guessable or built from the user's identifiers.
#include <cstddef>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace tessera::domain {

// Longest password accepted, in bytes as received (SPEC §4): longer ones are refused before any
// other work, so a flood of huge passwords costs nothing and is never hashed.
inline constexpr std::size_t kMaxPasswordBytes = 256;

// The strength estimator (zxcvbn-c) sees the whole password, in overlapping windows of at most
// kMaxScoredCodePoints code points and kMaxScoredWindowBytes bytes, each starting at the middle of
// the one before, and the password scores what its strongest window scores (docs/security.md,
// "Password strength"). zxcvbn-c reads only its first 100 bytes in detail (the rest counts as a
// run of a few bits) and its cost grows faster than linearly with length (measured: 1.3 ms for
// 64 repeated digits, 4.6 ms for 100), so a long password is never estimated as one string,
// and never by its first characters alone: what is added before or after a password only adds
// windows, and the first window is what earlier versions scored.
inline constexpr std::size_t kMaxScoredCodePoints = 64;
inline constexpr std::size_t kMaxScoredWindowBytes = 100;

// The UTF-8 bytes of a password in the form that is hashed and compared: Unicode NFKC, nothing
// truncated, embedded NUL bytes kept. invalid_request when over kMaxPasswordBytes or not UTF-8.
// Used for new passwords and for login attempts alike.
Result<SecretString> normalize_password(std::string_view raw);

// What a new password must satisfy; the defaults are SPEC §4's.
struct PasswordRules {
  int min_length = 8;  // code points (TESSERA_PASSWORD_MIN_LENGTH)
  int min_score = 3;   // zxcvbn score 0..4 the password must reach
};

// ok, or weak_password with `reasons` among "too_short", "too_common", "too_guessable" and
// "contains_identifier" (in that order) and a `detail` sentence naming each problem.
// `normalized` comes from normalize_password; `email` and `username` may be empty.
Result<void> check_new_password(const SecretString& normalized, const PasswordRules& rules, std::string_view email,
                                std::string_view username);

// The zxcvbn score (0..4) of a normalized password: that of its strongest window (see
// kMaxScoredCodePoints), with the email's local part, the email's domain labels and the
// username as the user's own dictionary.
int password_score(const SecretString& normalized, std::string_view email, std::string_view username);

}  // namespace tessera::domain
