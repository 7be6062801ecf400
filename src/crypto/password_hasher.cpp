#include "crypto/password_hasher.hpp"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/random_source.hpp"

namespace tessera::crypto {
namespace {

// bcrypt reads at most 72 bytes of the password (Blowfish's key schedule takes 18 32-bit words);
// bcryptjs and node.bcrypt.js cut there too, so the Node app's users typed passwords whose
// 73rd and later bytes never counted. We pass at most these bytes to libxcrypt, which is the
// same computation and keeps us under libxcrypt's own 512-byte passphrase limit.
constexpr std::size_t kBcryptKeyBytes = 72;
// A bcrypt string: "$2b$" + 2-digit cost + "$" + 22 salt + 31 hash characters.
constexpr std::size_t kBcryptLength = 60;
// A stored hash is data from the database (or an import): a corrupted or hostile one must not
// make one login run for minutes or allocate gigabytes. These bounds are far above any OWASP
// profile and above Node's bcrypt default (10); our own parameters are always allowed as well.
constexpr int kMaxBcryptCost = 16;
constexpr std::uint64_t kMaxStoredMemoryKib = 1024 * 1024;  // 1 GiB
constexpr std::uint64_t kMaxStoredIterations = 64;
constexpr std::uint64_t kMaxStoredLanes = 16;

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The shape of an Argon2 PHC string as libsodium writes and reads it.
struct Argon2String {
  bool argon2id = false;  // otherwise Argon2i
  std::uint64_t memory_kib = 0;
  std::uint64_t iterations = 0;
  std::uint64_t lanes = 0;
};

// A cursor over a stored string, for the small grammar below.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool literal(std::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  // A decimal number of at most 10 digits that fits in 32 bits.
  std::optional<std::uint64_t> decimal() {
    std::size_t n = 0;
    std::uint64_t v = 0;
    while (n < s_.size() && n < 11 && s_[n] >= '0' && s_[n] <= '9') v = v * 10 + (s_[n++] - '0');
    if (n == 0 || n > 10 || v > 0xffffffffULL) return std::nullopt;
    s_.remove_prefix(n);
    return v;
  }
  // One or more characters of unpadded standard base64 (the PHC alphabet).
  bool base64() {
    std::size_t n = 0;
    while (n < s_.size() && (is_ascii_alnum(s_[n]) || s_[n] == '+' || s_[n] == '/')) ++n;
    s_.remove_prefix(n);
    return n > 0;
  }
  bool at_end() const { return s_.empty(); }

 private:
  std::string_view s_;
};

std::optional<Argon2String> parse_argon2(std::string_view stored) {
  Reader r(stored);
  Argon2String out;
  if (r.literal("$argon2id$")) {
    out.argon2id = true;
  } else if (!r.literal("$argon2i$")) {
    return std::nullopt;
  }
  if (!r.literal("v=19$m=")) return std::nullopt;
  const auto m = r.decimal();
  if (!m || !r.literal(",t=")) return std::nullopt;
  const auto t = r.decimal();
  if (!t || !r.literal(",p=")) return std::nullopt;
  const auto p = r.decimal();
  if (!p || !r.literal("$") || !r.base64() || !r.literal("$") || !r.base64() || !r.at_end()) {
    return std::nullopt;
  }
  out.memory_kib = *m;
  out.iterations = *t;
  out.lanes = *p;
  return out;
}

bool is_bcrypt_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '/';
}

// The cost of a well-formed $2a$/$2b$/$2y$ string, or nothing.
std::optional<int> parse_bcrypt(std::string_view stored) {
  if (stored.size() != kBcryptLength || stored[0] != '$' || stored[1] != '2' ||
      (stored[2] != 'a' && stored[2] != 'b' && stored[2] != 'y') || stored[3] != '$' ||
      stored[6] != '$') {
    return std::nullopt;
  }
  if (stored[4] < '0' || stored[4] > '9' || stored[5] < '0' || stored[5] > '9') return std::nullopt;
  for (std::size_t i = 7; i < kBcryptLength; ++i) {
    if (!is_bcrypt_char(stored[i])) return std::nullopt;
  }
  return (stored[4] - '0') * 10 + (stored[5] - '0');
}

Error hash_error(std::string reason) { return make_error(errc::internal_error, {}, std::move(reason)); }

}  // namespace

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  init();
  const std::uint64_t memlimit = std::uint64_t{params.memory_kib} * 1024;
  if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    throw std::invalid_argument("Argon2 memory must be at least 8 KiB (TESSERA_ARGON2_MEMORY_KIB)");
  }
  if (params.iterations < crypto_pwhash_argon2id_OPSLIMIT_MIN) {
    throw std::invalid_argument("Argon2 iterations must be at least 1 (TESSERA_ARGON2_ITERATIONS)");
  }
  std::array<unsigned char, 32> random_password{};
  randombytes_buf(random_password.data(), random_password.size());
  auto dummy = hash(std::string_view(reinterpret_cast<const char*>(random_password.data()),
                                     random_password.size()));
  sodium_memzero(random_password.data(), random_password.size());
  if (!dummy) throw std::runtime_error("cannot make the dummy password hash: " + dummy.error().reason);
  dummy_hash_ = std::move(*dummy);
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  // The length is passed explicitly: every byte counts, embedded NUL bytes included.
  const char* data = password.empty() ? "" : password.data();
  if (crypto_pwhash_str_alg(out.data(), data, password.size(), params_.iterations,
                            std::size_t{params_.memory_kib} * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return hash_error(std::string("argon2id hashing failed: ") + std::strerror(errno));
  }
  return std::string(out.data());
}

Result<bool> PasswordHasher::verify(std::string_view password, std::string_view stored) const {
  if (stored.starts_with("$argon2")) return verify_argon2(password, stored);
  if (stored.starts_with("$2")) return verify_bcrypt(password, stored);
  return hash_error("stored password hash is in no known format (length " +
                    std::to_string(stored.size()) + ")");
}

Result<bool> PasswordHasher::verify_argon2(std::string_view password, std::string_view stored) const {
  const auto phc = parse_argon2(stored);
  // libsodium's functions read a crypto_pwhash_STRBYTES buffer; longer strings are not its own.
  if (!phc || stored.size() >= crypto_pwhash_STRBYTES) {
    return hash_error("stored argon2 hash is malformed or not version 19");
  }
  if (phc->memory_kib > std::max<std::uint64_t>(kMaxStoredMemoryKib, params_.memory_kib) ||
      phc->iterations > std::max<std::uint64_t>(kMaxStoredIterations, params_.iterations) ||
      phc->lanes > kMaxStoredLanes) {
    return hash_error("stored argon2 hash asks for more memory or time than allowed (m=" +
                      std::to_string(phc->memory_kib) + ", t=" + std::to_string(phc->iterations) +
                      ", p=" + std::to_string(phc->lanes) + ")");
  }
  std::array<char, crypto_pwhash_STRBYTES> str{};
  std::memcpy(str.data(), stored.data(), stored.size());
  const char* data = password.empty() ? "" : password.data();
  // libsodium returns -1 both for a mismatch and for a failure (decoding, memory); it sets errno
  // to EINVAL only for the mismatch.
  errno = 0;
  if (crypto_pwhash_str_verify(str.data(), data, password.size()) == 0) return true;
  if (errno == EINVAL) return false;
  return hash_error(std::string("argon2 verification failed: ") +
                    (errno != 0 ? std::strerror(errno) : "undecodable hash"));
}

// bcrypt as the Node app computed it: only the first 72 bytes of the password count.
//
// A password with a NUL byte never matches. bcrypt implementations disagree here (node.bcrypt.js
// and libxcrypt read C strings and stop at the NUL; bcryptjs hashes the NUL and what follows), so
// any answer could let a shorter password in; refusing is the safe one, and such a user resets
// the password. The work is still done, on the part before the NUL, so the answer takes as long
// as any other bcrypt verification.
Result<bool> PasswordHasher::verify_bcrypt(std::string_view password, std::string_view stored) const {
  const auto cost = parse_bcrypt(stored);
  if (!cost) return hash_error("stored bcrypt hash is malformed");
  if (*cost < 4 || *cost > kMaxBcryptCost) {
    return hash_error("stored bcrypt hash has cost " + std::to_string(*cost) + ", outside 4.." +
                      std::to_string(kMaxBcryptCost));
  }
  const std::size_t nul = password.find('\0');
  std::string_view key = password.substr(0, nul);
  if (key.size() > kBcryptKeyBytes) key = key.substr(0, kBcryptKeyBytes);

  std::array<char, kBcryptKeyBytes + 1> key_c{};
  std::memcpy(key_c.data(), key.data(), key.size());
  std::array<char, kBcryptLength + 1> setting{};
  std::memcpy(setting.data(), stored.data(), stored.size());
  // crypt_rn with a zeroed crypt_data of our own is reentrant (libxcrypt); it is 32 KiB, so it
  // lives on the heap rather than a worker thread's stack.
  auto scratch = std::make_unique<crypt_data>();
  const char* out = crypt_rn(key_c.data(), setting.data(), scratch.get(), sizeof(crypt_data));
  sodium_memzero(key_c.data(), key_c.size());
  if (out == nullptr || out[0] == '*') {
    sodium_memzero(scratch.get(), sizeof(crypt_data));
    return hash_error("bcrypt verification failed in libxcrypt");
  }
  const bool same = std::strlen(out) == stored.size() &&
                    sodium_memcmp(out, stored.data(), stored.size()) == 0;
  sodium_memzero(scratch.get(), sizeof(crypt_data));
  return same && nul == std::string_view::npos;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
  const auto phc = parse_argon2(stored);
  if (!phc || !phc->argon2id || stored.size() >= crypto_pwhash_STRBYTES) return true;
  if (phc->memory_kib != params_.memory_kib || phc->iterations != params_.iterations ||
      phc->lanes != 1) {
    return true;
  }
  // libsodium also checks what our grammar does not (salt and hash lengths).
  std::array<char, crypto_pwhash_STRBYTES> str{};
  std::memcpy(str.data(), stored.data(), stored.size());
  return crypto_pwhash_argon2id_str_needs_rehash(str.data(), params_.iterations,
                                                 std::size_t{params_.memory_kib} * 1024) != 0;
}

const std::string& PasswordHasher::dummy_hash() const { return dummy_hash_; }

}  // namespace tessera::crypto
