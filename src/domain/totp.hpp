#pragma once
// Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA-1, 6 digits,
// 30-second steps, and a window of one step either side for clocks that drift. Whether a code was
// already used is not decided here: the caller advances the factor's last accepted step with a
// compare-and-set, so a code works once (RFC 6238 §5.2).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace tessera::domain {

inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 §4's recommendation
inline constexpr int kTotpDigits = 6;
inline constexpr Seconds kTotpPeriod{30};
inline constexpr int kTotpSkewSteps = 1;

// The time step `t` falls in: whole periods since the Unix epoch.
std::int64_t totp_step(TimePoint t);

// The code for `step` under `secret` (for tests and the enrolment check; never sent anywhere).
std::string totp_code(std::string_view secret, std::int64_t step);

// A code as typed: six ASCII digits, with spaces anywhere ignored ("123 456", as apps show it).
// Anything else (letters, five or seven digits, a long paste) is refused with a reason.
Result<std::string> parse_totp_code(std::string_view text);

// The step within kTotpSkewSteps of `now` whose code is `code` (from parse_totp_code), if any.
// Every step of the window is computed and compared in constant time, so the answer's timing
// says nothing of which step matched or how many digits did.
std::optional<std::int64_t> matching_totp_step(std::string_view secret, std::string_view code, TimePoint now);

// The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format): label
// "issuer:account", the secret in base32, and the parameters spelled out.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace tessera::domain
