#include "crypto/openssl_support.hpp"

#include <openssl/err.h>

#include <array>

namespace tessera::crypto::detail {

std::string openssl_error() {
  const unsigned long e = ERR_peek_last_error();
  std::string text = "openssl";
  if (e != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    text = buf.data();
  }
  ERR_clear_error();
  return text;
}

Error key_error(std::string reason) {
  return make_error(errc::invalid_request, "The signing key is not valid.", std::move(reason));
}

Error internal(std::string reason) { return make_error(errc::internal_error, {}, std::move(reason)); }

}  // namespace tessera::crypto::detail
