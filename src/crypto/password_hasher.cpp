#include "crypto/password_hasher.hpp"

#include <argon2.h>
#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/argon2_memory.hpp"
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

bool is_ascii_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Our own hashes: a 16-byte salt and a 32-byte output, as libsodium and most libraries write.
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
// What we accept in a stored string: libargon2's minimums, and bounds no real hash exceeds.
constexpr std::size_t kMinStoredSaltBytes = ARGON2_MIN_SALT_LENGTH;  // 8
constexpr std::size_t kMaxStoredSaltBytes = 64;
constexpr std::size_t kMinStoredHashBytes = ARGON2_MIN_OUTLEN;  // 4
constexpr std::size_t kMaxStoredHashBytes = 64;

// An Argon2 PHC string: $argon2id$v=19$m=M,t=T,p=P$SALT$HASH (SALT and HASH in unpadded
// standard base64), as libsodium, libargon2 and the npm argon2 package write it.
struct Argon2String {
  bool argon2id = false;  // otherwise Argon2i
  std::uint64_t memory_kib = 0;
  std::uint64_t iterations = 0;
  std::uint64_t lanes = 0;
  std::string_view salt_b64;
  std::string_view hash_b64;
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
  // One or more characters of unpadded standard base64 (the PHC alphabet), or empty.
  std::string_view base64() {
    std::size_t n = 0;
    while (n < s_.size() && (is_ascii_alnum(s_[n]) || s_[n] == '+' || s_[n] == '/')) ++n;
    const std::string_view out = s_.substr(0, n);
    s_.remove_prefix(n);
    return out;
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
  if (!p || !r.literal("$")) return std::nullopt;
  out.salt_b64 = r.base64();
  if (out.salt_b64.empty() || !r.literal("$")) return std::nullopt;
  out.hash_b64 = r.base64();
  if (out.hash_b64.empty() || !r.at_end()) return std::nullopt;
  out.memory_kib = *m;
  out.iterations = *t;
  out.lanes = *p;
  return out;
}

bool is_bcrypt_char(char c) { return is_ascii_alnum(c) || c == '.' || c == '/'; }

// The cost of a well-formed $2a$/$2b$/$2y$ string, or nothing.
std::optional<int> parse_bcrypt(std::string_view stored) {
  if (stored.size() != kBcryptLength || stored[0] != '$' || stored[1] != '2' ||
      (stored[2] != 'a' && stored[2] != 'b' && stored[2] != 'y') || stored[3] != '$' || stored[6] != '$') {
    return std::nullopt;
  }
  if (stored[4] < '0' || stored[4] > '9' || stored[5] < '0' || stored[5] > '9') return std::nullopt;
  for (std::size_t i = 7; i < kBcryptLength; ++i) {
    if (!is_bcrypt_char(stored[i])) return std::nullopt;
  }
  return (stored[4] - '0') * 10 + (stored[5] - '0');
}

Error hash_error(std::string reason) { return make_error(errc::internal_error, {}, std::move(reason)); }

// Strict unpadded base64 into at most `max` bytes; nullopt for a non-canonical encoding (unused
// low bits set), so no two strings decode to one stored hash.
std::optional<std::string> decode_b64(std::string_view text, std::size_t max) {
  std::string out(max, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string encode_b64(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// One Argon2 computation by libargon2 into the calling thread's kept work memory (the slot's
// when it holds one: crypto/argon2_memory.hpp); libargon2 wipes that memory before handing it
// back.
Result<void> compute_argon2(bool argon2id, std::string_view password, std::string_view salt, std::uint32_t memory_kib,
                            std::uint32_t iterations, std::uint32_t lanes, unsigned char* out, std::size_t out_len) {
  argon2_context ctx{};
  ctx.out = out;
  ctx.outlen = static_cast<std::uint32_t>(out_len);
  // The length is passed explicitly: every byte counts, embedded NUL bytes included. libargon2
  // only reads the password (ARGON2_FLAG_CLEAR_PASSWORD is not set).
  ctx.pwd = password.empty() ? nullptr : reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = reinterpret_cast<std::uint8_t*>(const_cast<char*>(salt.data()));
  ctx.saltlen = static_cast<std::uint32_t>(salt.size());
  ctx.t_cost = iterations;
  ctx.m_cost = memory_kib;
  ctx.lanes = lanes;
  ctx.threads = 1;  // lanes are computed one after the other on this worker
  ctx.version = ARGON2_VERSION_13;
  ctx.allocate_cbk = allocate_argon2_memory;
  ctx.free_cbk = free_argon2_memory;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  const int rc = argon2id ? argon2id_ctx(&ctx) : argon2i_ctx(&ctx);
  if (rc != ARGON2_OK) return hash_error(std::string("argon2 failed: ") + argon2_error_message(rc));
  return ok();
}

}  // namespace

// Holds a slot of `gate` (if any) for as long as it lives.
class GatePass {
 public:
  explicit GatePass(HashGate* gate) {
    if (gate != nullptr) pass_.emplace(gate);
  }

 private:
  // std::optional cannot hold the non-movable Pass; a small wrapper constructed in place can.
  struct Held {
    explicit Held(HashGate* gate) : pass(gate->enter()) {}
    HashGate::Pass pass;
  };
  std::optional<Held> pass_;
};

PasswordHasher::PasswordHasher(Argon2Params params, HashGate* gate) : params_(params), gate_(gate) {
  init();
  // One lane needs 8 blocks of 1 KiB (ARGON2_MIN_MEMORY for p=1).
  if (params.memory_kib < 8 || params.memory_kib > ARGON2_MAX_MEMORY) {
    throw std::invalid_argument("Argon2 memory must be at least 8 KiB (TESSERA_ARGON2_MEMORY_KIB)");
  }
  if (params.iterations < ARGON2_MIN_TIME) {
    throw std::invalid_argument("Argon2 iterations must be at least 1 (TESSERA_ARGON2_ITERATIONS)");
  }
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  std::array<unsigned char, kSaltBytes> salt{};
  randombytes_buf(salt.data(), salt.size());
  std::array<unsigned char, kHashBytes> out{};
  const GatePass pass(gate_);
  auto done = compute_argon2(true, password, std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()),
                             params_.memory_kib, params_.iterations, 1, out.data(), out.size());
  if (!done) return std::move(done).error();
  std::string phc = "$argon2id$v=19$m=" + std::to_string(params_.memory_kib) +
                    ",t=" + std::to_string(params_.iterations) + ",p=1$" + encode_b64(salt.data(), salt.size()) + "$" +
                    encode_b64(out.data(), out.size());
  sodium_memzero(out.data(), out.size());
  return phc;
}

Result<bool> PasswordHasher::verify(std::string_view password, std::string_view stored) const {
  if (stored.starts_with("$argon2")) return verify_argon2(password, stored);
  if (stored.starts_with("$2")) return verify_bcrypt(password, stored);
  return hash_error("stored password hash is in no known format (length " + std::to_string(stored.size()) + ")");
}

// What verify_argon2 and verify_bcrypt accept, checked without computing: an import refuses the
// hashes a login could never verify, rather than store a password that matches nothing.
Result<void> PasswordHasher::check_stored(std::string_view stored) const {
  if (stored.starts_with("$argon2")) {
    auto phc = checked_argon2(stored);
    if (!phc) return std::move(phc).error();
    return ok();
  }
  if (stored.starts_with("$2")) {
    auto cost = checked_bcrypt(stored);
    if (!cost) return std::move(cost).error();
    return ok();
  }
  return hash_error("not a bcrypt ($2a$, $2b$, $2y$) or Argon2 PHC ($argon2id$, $argon2i$) hash");
}

Result<PasswordHasher::CheckedArgon2> PasswordHasher::checked_argon2(std::string_view stored) const {
  const auto phc = parse_argon2(stored);
  if (!phc) return hash_error("stored argon2 hash is malformed or not version 19");
  if (phc->memory_kib > std::max<std::uint64_t>(kMaxStoredMemoryKib, params_.memory_kib) ||
      phc->iterations > std::max<std::uint64_t>(kMaxStoredIterations, params_.iterations) ||
      phc->lanes > kMaxStoredLanes) {
    return hash_error(
        "stored argon2 hash asks for more memory or time than allowed (m=" + std::to_string(phc->memory_kib) +
        ", t=" + std::to_string(phc->iterations) + ", p=" + std::to_string(phc->lanes) + ")");
  }
  if (phc->lanes == 0 || phc->iterations == 0 || phc->memory_kib < 8 * phc->lanes) {
    return hash_error("stored argon2 hash has parameters Argon2 cannot compute (m=" + std::to_string(phc->memory_kib) +
                      ", t=" + std::to_string(phc->iterations) + ", p=" + std::to_string(phc->lanes) + ")");
  }
  auto salt = decode_b64(phc->salt_b64, kMaxStoredSaltBytes);
  auto expected = decode_b64(phc->hash_b64, kMaxStoredHashBytes);
  if (!salt || !expected || salt->size() < kMinStoredSaltBytes || expected->size() < kMinStoredHashBytes) {
    return hash_error("stored argon2 hash has a malformed salt or hash");
  }
  return CheckedArgon2{phc->argon2id,
                       static_cast<std::uint32_t>(phc->memory_kib),
                       static_cast<std::uint32_t>(phc->iterations),
                       static_cast<std::uint32_t>(phc->lanes),
                       std::move(*salt),
                       std::move(*expected)};
}

Result<int> PasswordHasher::checked_bcrypt(std::string_view stored) const {
  const auto cost = parse_bcrypt(stored);
  if (!cost) return hash_error("stored bcrypt hash is malformed");
  if (*cost < 4 || *cost > kMaxBcryptCost) {
    return hash_error("stored bcrypt hash has cost " + std::to_string(*cost) + ", outside 4.." +
                      std::to_string(kMaxBcryptCost));
  }
  return *cost;
}

Result<bool> PasswordHasher::verify_argon2(std::string_view password, std::string_view stored) const {
  auto phc = checked_argon2(stored);
  if (!phc) return std::move(phc).error();
  std::array<unsigned char, kMaxStoredHashBytes> computed{};
  const GatePass pass(gate_);
  auto done = compute_argon2(phc->argon2id, password, phc->salt, phc->memory_kib, phc->iterations, phc->lanes,
                             computed.data(), phc->expected.size());
  if (!done) return std::move(done).error();
  const bool same = sodium_memcmp(computed.data(), phc->expected.data(), phc->expected.size()) == 0;
  sodium_memzero(computed.data(), computed.size());
  return same;
}

// bcrypt as the Node app computed it: only the first 72 bytes of the password count.
//
// A password with a NUL byte never matches. bcrypt implementations disagree here (node.bcrypt.js
// and libxcrypt read C strings and stop at the NUL; bcryptjs hashes the NUL and what follows), so
// any answer could let a shorter password in; refusing is the safe one, and such a user resets
// the password. The work is still done, on the part before the NUL, so the answer takes as long
// as any other bcrypt verification.
Result<bool> PasswordHasher::verify_bcrypt(std::string_view password, std::string_view stored) const {
  if (auto cost = checked_bcrypt(stored); !cost) return std::move(cost).error();
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
  const GatePass pass(gate_);  // bcrypt is as CPU-bound as Argon2: it counts against the same slots
  const char* out = crypt_rn(key_c.data(), setting.data(), scratch.get(), sizeof(crypt_data));
  sodium_memzero(key_c.data(), key_c.size());
  if (out == nullptr || out[0] == '*') {
    sodium_memzero(scratch.get(), sizeof(crypt_data));
    return hash_error("bcrypt verification failed in libxcrypt");
  }
  const bool same = std::strlen(out) == stored.size() && sodium_memcmp(out, stored.data(), stored.size()) == 0;
  sodium_memzero(scratch.get(), sizeof(crypt_data));
  return same && nul == std::string_view::npos;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
  const auto phc = parse_argon2(stored);
  if (!phc || !phc->argon2id) return true;
  if (phc->memory_kib != params_.memory_kib || phc->iterations != params_.iterations || phc->lanes != 1) {
    return true;
  }
  // Salt and output of other lengths than ours (another library's defaults) are upgraded too.
  const auto salt = decode_b64(phc->salt_b64, kMaxStoredSaltBytes);
  const auto hash = decode_b64(phc->hash_b64, kMaxStoredHashBytes);
  return !salt || !hash || salt->size() != kSaltBytes || hash->size() != kHashBytes;
}

const std::string& PasswordHasher::dummy_hash() const {
  // Made on first use, not in the constructor: it is a full hash (~25 ms at the default cost)
  // that would otherwise lengthen every start-up and every CLI command. serve warms it on the
  // maintenance thread right after start, so no login waits for it.
  std::call_once(dummy_once_, [this] {
    std::array<unsigned char, 32> random_password{};
    randombytes_buf(random_password.data(), random_password.size());
    auto dummy = hash(std::string_view(reinterpret_cast<const char*>(random_password.data()), random_password.size()));
    sodium_memzero(random_password.data(), random_password.size());
    // Whichever thread or slot made it keeps no Argon2 memory for it (the maintenance thread
    // never hashes again; a hash worker maps its block again at its next hash).
    release_thread_argon2_memory();
    if (gate_ != nullptr) gate_->release_idle_memory();
    if (!dummy) throw std::runtime_error("cannot make the dummy password hash: " + dummy.error().reason);
    dummy_hash_ = std::move(*dummy);
  });
  return dummy_hash_;
}

}  // namespace tessera::crypto
