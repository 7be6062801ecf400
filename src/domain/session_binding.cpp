#include "domain/session_binding.hpp"

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"

namespace tessera::domain {
namespace {

// 128 bits: a forger must guess it blind, online, one request at a time.
constexpr std::size_t kTagBytes = 16;

void append_field(std::string& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

}  // namespace

std::string SessionBinding::tag(std::string_view user_id, std::string_view session_id,
                                std::int64_t token_version) const {
  std::string message = "tessera/session-binding/v1";
  append_field(message, user_id);
  append_field(message, session_id);
  append_field(message, std::to_string(token_version));
  const std::string mac = crypto::hmac_sha256(key_.reveal(), message);
  return crypto::base64url::encode(std::string_view(mac).substr(0, kTagBytes));
}

bool SessionBinding::matches(std::string_view claimed, std::string_view user_id, std::string_view session_id,
                             std::int64_t token_version) const {
  return crypto::constant_time_equal(claimed, tag(user_id, session_id, token_version));
}

}  // namespace tessera::domain
