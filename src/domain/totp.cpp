#include "domain/totp.hpp"

#include "crypto/base32.hpp"
#include "crypto/digest.hpp"
#include "crypto/hotp.hpp"

namespace tessera::domain {
namespace {

// Percent-encodes everything but RFC 3986's unreserved characters (the label and issuer may be
// any UTF-8; ':' inside them would be read as the label's separator).
std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::int64_t totp_step(TimePoint t) {
  return std::chrono::floor<Seconds>(t.time_since_epoch()).count() / kTotpPeriod.count();
}

std::string totp_code(std::string_view secret, std::int64_t step) {
  return crypto::hotp_sha1(secret, static_cast<std::uint64_t>(step), kTotpDigits);
}

Result<std::string> parse_totp_code(std::string_view text) {
  // Far more than any spelling of six digits: a long paste is refused before it is looked at.
  if (text.size() > 64) return make_error(errc::invalid_request, "code: must be 6 digits");
  std::string digits;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return make_error(errc::invalid_request, "code: must be 6 digits");
    digits.push_back(c);
  }
  if (digits.size() != static_cast<std::size_t>(kTotpDigits)) {
    return make_error(errc::invalid_request, "code: must be 6 digits");
  }
  return digits;
}

std::optional<std::int64_t> matching_totp_step(std::string_view secret, std::string_view code, TimePoint now) {
  const std::int64_t current = totp_step(now);
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - kTotpSkewSteps; step <= current + kTotpSkewSteps; ++step) {
    // No early exit: all steps are computed whatever matches. Two steps with one code are
    // vanishingly rare; the later one is taken, so the factor's last step moves furthest.
    if (crypto::constant_time_equal(totp_code(secret, step), code)) matched = step;
  }
  return matched;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret) {
  const std::string issuer_text = percent_encoded(issuer);
  return "otpauth://totp/" + issuer_text + ":" + percent_encoded(account) +
         "?secret=" + crypto::base32::encode(secret) + "&issuer=" + issuer_text +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) + "&period=" + std::to_string(kTotpPeriod.count());
}

}  // namespace tessera::domain
