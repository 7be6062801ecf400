// Argon2id hashing, Argon2 and bcrypt verification, re-hash decisions and the dummy hash.
// Argon2 runs at a tiny cost here (m=64 KiB, t=1) except in the one test of the default cost.
#include "crypto/password_hasher.hpp"

#include <argon2.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "crypto/argon2_memory.hpp"

namespace tessera::crypto {
namespace {

using namespace std::string_literals;

constexpr Argon2Params kCheap{64, 1};

const PasswordHasher& cheap_hasher() {
  static const PasswordHasher hasher(kCheap);
  return hasher;
}

bool verifies(std::string_view password, std::string_view stored) {
  const auto r = cheap_hasher().verify(password, stored);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().reason);
  return r.has_value() && *r;
}

std::string must_hash(std::string_view password, const PasswordHasher& hasher = cheap_hasher()) {
  auto r = hasher.hash(password);
  EXPECT_TRUE(r.has_value());
  return r ? *r : std::string();
}

// A bcrypt hash made here with libxcrypt itself, for round trips beside the fixed vectors.
std::string libxcrypt_bcrypt(const char* prefix, const char* password, unsigned long cost = 4) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof setting), nullptr);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password, setting, data.get(), sizeof(crypt_data));
  EXPECT_NE(out, nullptr);
  return out ? std::string(out) : std::string();
}

// --- Argon2id -----------------------------------------------------------------------------

TEST(PasswordHasher, VerifyAcceptsThePasswordThatWasHashed) {
  const std::string h = must_hash("correct horse battery staple");
  EXPECT_TRUE(verifies("correct horse battery staple", h));
}

TEST(PasswordHasher, VerifyRejectsAWrongPassword) {
  const std::string h = must_hash("correct horse battery staple");
  EXPECT_FALSE(verifies("correct horse battery stapl", h));
  EXPECT_FALSE(verifies("correct horse battery staplE", h));
  EXPECT_FALSE(verifies("correct horse battery staple ", h));
  EXPECT_FALSE(verifies("", h));
}

TEST(PasswordHasher, HashIsAnArgon2idPhcStringWithTheConfiguredParameters) {
  const std::string h = must_hash("pw");
  const std::string_view prefix = "$argon2id$v=19$m=64,t=1,p=1$";
  ASSERT_TRUE(h.starts_with(prefix)) << h;
  // 16 bytes of salt and 32 of hash, unpadded base64: 22 and 43 characters.
  const std::string_view rest = std::string_view(h).substr(prefix.size());
  ASSERT_EQ(rest.size(), 22u + 1u + 43u) << h;
  EXPECT_EQ(rest[22], '$');
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i == 22) continue;
    const char c = rest[i];
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') << h;
  }
}

TEST(PasswordHasher, TwoHashesOfOnePasswordDifferByTheirSalt) { EXPECT_NE(must_hash("same"), must_hash("same")); }

TEST(PasswordHasher, AnEmbeddedNulByteIsHashedNotTreatedAsTheEnd) {
  const std::string with_nul = "ab\0cd"s;
  const std::string h = must_hash(with_nul);
  EXPECT_TRUE(verifies(with_nul, h));
  EXPECT_FALSE(verifies("ab", h));         // what a C string would have hashed
  EXPECT_FALSE(verifies("ab\0ce"s, h));    // the bytes after the NUL count
  EXPECT_FALSE(verifies("ab\0cd\0"s, h));  // and so does a trailing NUL
}

TEST(PasswordHasher, A256BytePasswordIsHashedWhole) {
  std::string pw(256, 'x');
  const std::string h = must_hash(pw);
  EXPECT_TRUE(verifies(pw, h));
  pw.back() = 'y';
  EXPECT_FALSE(verifies(pw, h));  // the last byte counts: nothing is truncated
  EXPECT_FALSE(verifies(std::string(255, 'x'), h));
}

TEST(PasswordHasher, AnEmptyPasswordCanBeHashedAndVerified) {
  const std::string h = must_hash("");
  EXPECT_TRUE(verifies("", h));
  EXPECT_FALSE(verifies("\0"s, h));
}

TEST(PasswordHasher, AHashMadeWithOtherParametersStillVerifies) {
  const PasswordHasher other(Argon2Params{128, 2});
  const std::string h = must_hash("secret", other);
  EXPECT_NE(h.find("m=128,t=2,p=1"), std::string::npos);
  EXPECT_TRUE(verifies("secret", h));
  EXPECT_FALSE(verifies("Secret", h));
}

TEST(PasswordHasher, Argon2iHashesVerify) {
  char out[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(out, "legacy", 6, 3, 64 * 1024, crypto_pwhash_ALG_ARGON2I13), 0);
  ASSERT_TRUE(std::string_view(out).starts_with("$argon2i$"));
  EXPECT_TRUE(verifies("legacy", out));
  EXPECT_FALSE(verifies("legacY", out));
}

TEST(PasswordHasher, HashesFromTheReferenceArgon2ImplementationVerify) {
  // Made with Debian's argon2 CLI (the reference code): echo -n hello | argon2 salt-678 -id -t 2 -m 4 -l 16 -e
  const char* short_output = "$argon2id$v=19$m=16,t=2,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw";
  EXPECT_TRUE(verifies("hello", short_output));
  EXPECT_FALSE(verifies("hellO", short_output));
  // The npm argon2 package's defaults, four lanes: ... | argon2 somesalt16bytes! -id -t 3 -m 16 -p 4 -e
  const char* four_lanes =
      "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxNmJ5dGVzIQ$a14X7WZ54B9LA5XoRymbieNys1S+Em0TIAg8ConvrtY";
  EXPECT_TRUE(verifies("admin", four_lanes));
  EXPECT_FALSE(verifies("admin123", four_lanes));
  // Argon2i: echo -n p4ss | argon2 saltsaltsalt -i -t 3 -m 12 -e
  const char* argon2i = "$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$H+AijZDqZWCEF/vDekm8tS2HZGveGYaQg7UumFYi4aE";
  EXPECT_TRUE(verifies("p4ss", argon2i));
  EXPECT_FALSE(verifies("p4sS", argon2i));
}

// Hashes are computed by libargon2 now; libsodium wrote the hashes already in databases and
// is an independent implementation of the same function, so each must accept the other's.
TEST(PasswordHasher, OurHashesVerifyWithLibsodiumAndLibsodiumsWithUs) {
  const PasswordHasher default_cost{Argon2Params{}};
  for (const PasswordHasher* hasher : {&cheap_hasher(), &default_cost}) {
    const std::string ours = must_hash("Tr0ub4dor&3 café", *hasher);
    EXPECT_EQ(crypto_pwhash_str_verify(ours.c_str(), "Tr0ub4dor&3 café", std::strlen("Tr0ub4dor&3 café")), 0) << ours;
    EXPECT_NE(crypto_pwhash_str_verify(ours.c_str(), "Tr0ub4dor&3 cafe", std::strlen("Tr0ub4dor&3 cafe")), 0);

    char theirs[crypto_pwhash_STRBYTES];
    ASSERT_EQ(crypto_pwhash_str_alg(theirs, "from libsodium", 14, hasher->params().iterations,
                                    std::size_t{hasher->params().memory_kib} * 1024, crypto_pwhash_ALG_ARGON2ID13),
              0);
    EXPECT_TRUE(*hasher->verify("from libsodium", theirs)) << theirs;
    EXPECT_FALSE(*hasher->verify("from libsodiuM", theirs));
    EXPECT_FALSE(hasher->needs_rehash(theirs)) << "libsodium's layout is ours: 16-byte salt, 32-byte hash";
  }
}

TEST(PasswordHasher, ASaltOrOutputLengthOtherThanOursVerifiesAndNeedsRehash) {
  // libargon2's own encoder, 8-byte salt and 24-byte output, at the cheap hasher's m and t.
  char encoded[256];
  ASSERT_EQ(argon2id_hash_encoded(1, 64, 1, "pw", 2, "8bytes!!", 8, 24, encoded, sizeof encoded), ARGON2_OK);
  EXPECT_TRUE(verifies("pw", encoded)) << encoded;
  EXPECT_FALSE(verifies("pW", encoded));
  EXPECT_TRUE(cheap_hasher().needs_rehash(encoded));
}

TEST(PasswordHasher, AHashingThreadKeepsItsWorkMemoryUntilReleased) {
  std::thread([] {
    EXPECT_EQ(thread_argon2_memory_kept(), 0u);
    const std::string h = must_hash("kept");
    const std::size_t kept = thread_argon2_memory_kept();
    EXPECT_EQ(kept, std::size_t{64} * 1024);  // m=64 KiB
    // The kept block is reused, and reuse does not change any answer.
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(verifies("kept", h));
      EXPECT_FALSE(verifies("kepT", h));
      EXPECT_EQ(thread_argon2_memory_kept(), kept);
    }
    release_thread_argon2_memory();
    EXPECT_EQ(thread_argon2_memory_kept(), 0u);
    EXPECT_TRUE(verifies("kept", h));  // and a released thread simply maps a new block
  }).join();
}

TEST(PasswordHasher, MakingTheDummyHashLeavesTheThreadWithoutArgon2Memory) {
  const PasswordHasher hasher{Argon2Params{}};
  std::thread([&] {
    EXPECT_TRUE(hasher.dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    EXPECT_EQ(thread_argon2_memory_kept(), 0u);
  }).join();
}

TEST(PasswordHasher, ConcurrentFirstUsesOfTheDummyHashAgreeOnOne) {
  const PasswordHasher hasher(kCheap);
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { seen[i] = hasher.dummy_hash(); });
  for (auto& t : threads) t.join();
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
  EXPECT_FALSE(verifies("", seen[0]));
}

TEST(PasswordHasher, AStoredHashLargerThanTheKeptLimitGetsMemoryOfItsOwn) {
  std::thread([] {
    const PasswordHasher small(kCheap);
    const PasswordHasher large(Argon2Params{static_cast<std::uint32_t>(kKeepLimitBytes / 1024 + 1024), 1});
    const std::string big = must_hash("big", large);
    const std::size_t before = thread_argon2_memory_kept();
    EXPECT_TRUE(*small.verify("big", big));
    EXPECT_EQ(thread_argon2_memory_kept(), before) << "a one-off region, not a new kept block";
    EXPECT_LE(thread_argon2_memory_kept(), kKeepLimitBytes);
  }).join();
}

TEST(PasswordHasher, NoSingleCharacterChangeToAStoredHashLetsThePasswordIn) {
  const std::string h = must_hash("pw");
  // Two substitutions a position, so the unused low bits of the last base64 character of salt
  // and hash are flipped too (libsodium refuses non-canonical encodings).
  for (std::size_t i = 1; i < h.size(); ++i) {
    for (const char c : {'A', 'B', 'x'}) {
      std::string mutated = h;
      mutated[i] = c;
      if (mutated == h) continue;
      const auto r = cheap_hasher().verify("pw", mutated);
      EXPECT_FALSE(r.has_value() && *r) << "position " << i << ": " << mutated;
    }
  }
}

TEST(PasswordHasher, ATruncatedOrExtendedHashNeverVerifies) {
  const std::string h = must_hash("pw");
  for (std::size_t n = 0; n < h.size(); ++n) {
    const auto r = cheap_hasher().verify("pw", h.substr(0, n));
    EXPECT_FALSE(r.has_value() && *r) << n;
  }
  const auto longer = cheap_hasher().verify("pw", h + "A");
  EXPECT_FALSE(longer.has_value() && *longer);
}

TEST(PasswordHasher, MalformedArgon2StringsAreErrorsNotMismatches) {
  for (const char* bad : {
           "$argon2id$",
           "$argon2id$v=19$m=64,t=1,p=1$",
           "$argon2id$v=16$m=64,t=1,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw",
           "$argon2id$v=19$m=64,t=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw",
           "$argon2id$v=19$m=abc,t=1,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw",
           "$argon2id$v=19$m=64,t=1,p=1$c2Fs!C02Nzg$XUb4CH1RppZ2CLAi36TUrw",
           "$argon2d$v=19$m=64,t=1,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw",
       }) {
    const auto r = cheap_hasher().verify("pw", bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.code(), errc::internal_error) << bad;
    EXPECT_FALSE(r.error().reason.empty());
  }
}

TEST(PasswordHasher, AStoredHashAskingForGigabytesIsRefusedBeforeAnyAllocation) {
  const auto huge = cheap_hasher().verify("pw", "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw");
  ASSERT_FALSE(huge.has_value());
  EXPECT_NE(huge.error().reason.find("m=4194304"), std::string::npos);
  const auto slow = cheap_hasher().verify("pw", "$argon2id$v=19$m=64,t=100000,p=1$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw");
  EXPECT_FALSE(slow.has_value());
}

// --- needs_rehash --------------------------------------------------------------------------

TEST(PasswordHasher, ItsOwnHashNeedsNoRehash) { EXPECT_FALSE(cheap_hasher().needs_rehash(must_hash("pw"))); }

TEST(PasswordHasher, AHashWithOtherMemoryOrIterationsNeedsRehash) {
  EXPECT_TRUE(cheap_hasher().needs_rehash(must_hash("pw", PasswordHasher(Argon2Params{128, 1}))));
  EXPECT_TRUE(cheap_hasher().needs_rehash(must_hash("pw", PasswordHasher(Argon2Params{64, 2}))));
}

TEST(PasswordHasher, Argon2iAndMultiLaneHashesNeedRehash) {
  char out[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(out, "pw", 2, 3, 64 * 1024, crypto_pwhash_ALG_ARGON2I13), 0);
  EXPECT_TRUE(cheap_hasher().needs_rehash(out));
  // Same m and t as the cheap hasher, but four lanes.
  EXPECT_TRUE(cheap_hasher().needs_rehash("$argon2id$v=19$m=64,t=1,p=4$c2FsdC02Nzg$XUb4CH1RppZ2CLAi36TUrw"));
}

TEST(PasswordHasher, BcryptHashesAlwaysNeedRehash) {
  EXPECT_TRUE(cheap_hasher().needs_rehash("$2a$10$d1eCqtX1.uRee.cAqdN9Z.YwmnpL8UOc3dDTXnfD8zJuFJBS97WXK"));
  EXPECT_TRUE(cheap_hasher().needs_rehash("$2b$10$qOvYEX.sfptS16JuCTffq.FhbyH6dA95vRTevTpnRHJ1dPzmlVkgS"));
}

TEST(PasswordHasher, UnknownStringsNeedRehash) {
  for (const char* s : {"", "plain", "$argon2id$", "$6$salt$hash", "$argon2d$v=19$m=64,t=1,p=1$a$b"}) {
    EXPECT_TRUE(cheap_hasher().needs_rehash(s)) << s;
  }
}

// --- bcrypt (hashes imported from Node apps) ---------------------------------------------

// Made by bcryptjs 2.4.3, bcrypt.hashSync(password, 10): the library behind many NestJS and
// Express apps; it writes $2a$.
constexpr const char* kBcryptjs2Hunter2 = "$2a$10$d1eCqtX1.uRee.cAqdN9Z.YwmnpL8UOc3dDTXnfD8zJuFJBS97WXK";
constexpr const char* kBcryptjs2Umlauts = "$2a$10$p/xN8HN98Yl3UhAT9hrncepDUg3uxhhs7s09bWtiMsJrOOEbw2OAe";
// Made by bcryptjs 3.0.3, which writes $2b$.
constexpr const char* kBcryptjs3Staple = "$2b$10$qOvYEX.sfptS16JuCTffq.FhbyH6dA95vRTevTpnRHJ1dPzmlVkgS";
// bcryptjs 3.0.3, cost 4, of "0123456789" eight times (80 bytes).
constexpr const char* kBcryptjs3Digits80 = "$2b$04$65PpJoe86n4TBnaugs16SOWj5q24srO4dul/Ov4SxSr7T.G1IJYuq";
// bcryptjs 3.0.3, cost 4, of 71 'a' and an 'é' (U+00E9, two bytes: the 72nd is 0xC3).
constexpr const char* kBcryptjs3A71EAcute = "$2b$04$LTYxsx4jYrkU6hPdZNCD8OH5sa4V9QmgHhRgHOR/UTGU7BFgZUwUq";
// bcryptjs 3.0.3, cost 4, of "ab\0cd": bcryptjs hashes the bytes after the NUL.
constexpr const char* kBcryptjs3WithNul = "$2b$04$qgbicF.0HYqhjr0TAZVWj.dviEYuxyPQmsCftRs7RxUpTlt4h9xWW";

TEST(PasswordHasherBcrypt, A2aHashFromBcryptjsVerifies) {
  EXPECT_TRUE(verifies("hunter2", kBcryptjs2Hunter2));
  EXPECT_FALSE(verifies("hunter3", kBcryptjs2Hunter2));
  EXPECT_FALSE(verifies("Hunter2", kBcryptjs2Hunter2));
  EXPECT_FALSE(verifies("", kBcryptjs2Hunter2));
}

TEST(PasswordHasherBcrypt, ANonAsciiPasswordVerifiesOnItsUtf8Bytes) {
  EXPECT_TRUE(verifies("p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac", kBcryptjs2Umlauts));  // "pässwörd€"
  EXPECT_FALSE(verifies("passwörd€", kBcryptjs2Umlauts));
}

TEST(PasswordHasherBcrypt, A2bHashFromBcryptjsVerifies) {
  EXPECT_TRUE(verifies("correct horse battery staple", kBcryptjs3Staple));
  EXPECT_FALSE(verifies("correct horse battery stapl", kBcryptjs3Staple));
}

TEST(PasswordHasherBcrypt, A2yHashVerifiesLikeA2bOne) {
  // $2y$ (PHP's name for the corrected algorithm) is the same computation as $2b$.
  std::string h = kBcryptjs3Staple;
  h[2] = 'y';
  EXPECT_TRUE(verifies("correct horse battery staple", h));
  EXPECT_FALSE(verifies("correct horse battery staplf", h));
}

TEST(PasswordHasherBcrypt, OpenwallPublishedVectorsVerify) {
  // From crypt_blowfish's test suite, also checked against bcryptjs.
  EXPECT_TRUE(verifies("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_TRUE(verifies("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"));
  EXPECT_TRUE(verifies("U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"));
  EXPECT_TRUE(verifies("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
  EXPECT_FALSE(verifies("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(PasswordHasherBcrypt, OnlyTheFirst72BytesCountAsInNode) {
  const std::string digits80 = "01234567890123456789012345678901234567890123456789012345678901234567890123456789";
  EXPECT_TRUE(verifies(digits80, kBcryptjs3Digits80));
  EXPECT_TRUE(verifies(digits80.substr(0, 72), kBcryptjs3Digits80));
  EXPECT_TRUE(verifies(digits80.substr(0, 72) + "anything after byte 72", kBcryptjs3Digits80));
  EXPECT_FALSE(verifies(digits80.substr(0, 71), kBcryptjs3Digits80));
  EXPECT_FALSE(verifies(digits80.substr(0, 71) + "X", kBcryptjs3Digits80));
  // The Openwall vector whose text says so.
  EXPECT_TRUE(verifies("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                       "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"));
}

TEST(PasswordHasherBcrypt, The72ByteCutFallsInsideACharacterAsInNode) {
  const std::string a71(71, 'a');
  EXPECT_TRUE(verifies(a71 + "\xc3\xa9", kBcryptjs3A71EAcute));  // 'é' = C3 A9
  EXPECT_TRUE(verifies(a71 + "\xc3\xa8", kBcryptjs3A71EAcute));  // 'è' = C3 A8: same first 72
  EXPECT_FALSE(verifies(a71, kBcryptjs3A71EAcute));
  EXPECT_FALSE(verifies(a71 + "e", kBcryptjs3A71EAcute));
}

TEST(PasswordHasherBcrypt, APasswordWithANulByteNeverMatches) {
  // A C-string implementation would cut "ab\0cd" to "ab" and let it in.
  const std::string h = libxcrypt_bcrypt("$2b$", "ab");
  EXPECT_TRUE(verifies("ab", h));
  EXPECT_FALSE(verifies("ab\0cd"s, h));
  EXPECT_FALSE(verifies("ab\0"s, h));
  // bcryptjs hashed the bytes after the NUL; we refuse rather than guess which library it was.
  EXPECT_FALSE(verifies("ab\0cd"s, kBcryptjs3WithNul));
  EXPECT_FALSE(verifies("ab", kBcryptjs3WithNul));
}

TEST(PasswordHasherBcrypt, HashesMadeByLibxcryptRoundTripForEachPrefix) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    const std::string h = libxcrypt_bcrypt(prefix, "round trip");
    ASSERT_TRUE(h.starts_with(prefix)) << h;
    EXPECT_TRUE(verifies("round trip", h)) << prefix;
    EXPECT_FALSE(verifies("round trap", h)) << prefix;
  }
}

TEST(PasswordHasherBcrypt, NoSingleCharacterChangeToTheHashLetsThePasswordIn) {
  const std::string h = kBcryptjs3Digits80;  // cost 4: cheap
  for (std::size_t i = 7; i < h.size(); ++i) {
    std::string mutated = h;
    mutated[i] = h[i] == 'A' ? 'z' : 'A';
    const auto r = cheap_hasher().verify(
        "01234567890123456789012345678901234567890123456789012345678901234567890123456789", mutated);
    EXPECT_FALSE(r.has_value() && *r) << "position " << i;
  }
}

TEST(PasswordHasherBcrypt, MalformedOrUnsupportedBcryptStringsAreErrors) {
  const std::string good = kBcryptjs2Hunter2;
  std::string x = good;
  x[2] = 'x';  // $2x$: crypt_blowfish's marker for the old sign-extension bug
  std::string no_minor = "$2$10$" + good.substr(7);
  std::string short_one = good.substr(0, 59);
  std::string long_one = good + "A";
  std::string bad_char = good;
  bad_char[30] = '!';
  std::string cost3 = good;
  cost3.replace(4, 2, "03");
  std::string cost31 = good;
  cost31.replace(4, 2, "31");  // years of work: refused instead of run
  for (const std::string& s : {x, no_minor, short_one, long_one, bad_char, cost3, cost31}) {
    const auto r = cheap_hasher().verify("hunter2", s);
    ASSERT_FALSE(r.has_value()) << s;
    EXPECT_EQ(r.code(), errc::internal_error) << s;
  }
}

// --- unknown formats, dummy hash, default cost, threads -----------------------------------

TEST(PasswordHasher, AStoredStringInNoKnownFormatIsAnErrorNotAMismatch) {
  for (const char* s : {"", "hunter2", "$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0", "$5$rounds=5000$x$y", "$6$salt$hash",
                        "{SSHA}abcdef", "pbkdf2_sha256$260000$x$y", "$argon"}) {
    const auto r = cheap_hasher().verify("hunter2", s);
    ASSERT_FALSE(r.has_value()) << s;
    EXPECT_EQ(r.code(), errc::internal_error) << s;
    EXPECT_FALSE(r.error().reason.empty()) << s;
  }
}

TEST(PasswordHasher, TheDummyHashMatchesNoPasswordAndHasTheCurrentParameters) {
  const std::string& dummy = cheap_hasher().dummy_hash();
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << dummy;
  EXPECT_FALSE(cheap_hasher().needs_rehash(dummy));
  for (const char* pw : {"", "password", "hunter2", "\0"}) EXPECT_FALSE(verifies(pw, dummy)) << pw;
}

TEST(PasswordHasher, EachHasherHasItsOwnDummyHash) {
  const PasswordHasher other(kCheap);
  EXPECT_NE(other.dummy_hash(), cheap_hasher().dummy_hash());
}

TEST(PasswordHasher, ParametersOutsideArgon2sLimitsStopConstruction) {
  EXPECT_THROW(PasswordHasher(Argon2Params{0, 1}), std::invalid_argument);
  EXPECT_THROW(PasswordHasher(Argon2Params{7, 1}), std::invalid_argument);
  EXPECT_THROW(PasswordHasher(Argon2Params{64, 0}), std::invalid_argument);
}

TEST(PasswordHasher, TheDefaultCostIsOwaspsAndRoundTrips) {
  const PasswordHasher hasher{Argon2Params{}};
  EXPECT_EQ(hasher.params().memory_kib, 19456u);
  EXPECT_EQ(hasher.params().iterations, 2u);
  EXPECT_TRUE(hasher.dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  const std::string h = must_hash("default cost", hasher);
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << h;
  EXPECT_TRUE(*hasher.verify("default cost", h));
  EXPECT_FALSE(*hasher.verify("default cosT", h));
  EXPECT_FALSE(hasher.needs_rehash(h));
  EXPECT_TRUE(cheap_hasher().needs_rehash(h));
}

TEST(PasswordHasher, ConcurrentCallsOnOneHasherGiveCorrectAnswers) {
  const PasswordHasher& hasher = cheap_hasher();
  const std::string argon = must_hash("shared");
  const std::string bcrypt = libxcrypt_bcrypt("$2b$", "shared");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        const auto h = hasher.hash("mine");
        if (!h || !*hasher.verify("mine", *h)) ++wrong;
        if (!*hasher.verify("shared", argon) || *hasher.verify("other", argon)) ++wrong;
        if (!*hasher.verify("shared", bcrypt) || *hasher.verify("other", bcrypt)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// --- check_stored: what an import accepts ---------------------------------------------------

TEST(PasswordHasherCheckStored, AcceptsExactlyTheHashesVerifyAccepts) {
  const auto& h = cheap_hasher();
  EXPECT_TRUE(h.check_stored(kBcryptjs2Hunter2));
  EXPECT_TRUE(h.check_stored(kBcryptjs3Staple));
  std::string y = kBcryptjs3Staple;
  y[2] = 'y';
  EXPECT_TRUE(h.check_stored(y));
  EXPECT_TRUE(h.check_stored(*h.hash("pw")));
  // Known formats that verify() would refuse are refused here too, with the same words.
  std::string cost17 = kBcryptjs3Staple;
  cost17.replace(4, 2, "17");
  std::string cost3 = kBcryptjs3Staple;
  cost3.replace(4, 2, "03");
  for (const std::string& bad :
       {std::string(), std::string("hunter2"), std::string("!no-password"), std::string(kBcryptjs3Staple).substr(0, 59),
        std::string(kBcryptjs3Staple) + "x", cost17, cost3, std::string("$2x$10$") + std::string(53, 'a'),
        std::string("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$"),
        std::string("$argon2id$v=19$m=4,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("$argon2id$v=19$m=2000000,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA")}) {
    const auto checked = h.check_stored(bad);
    EXPECT_FALSE(checked) << bad;
    const auto verified = h.verify("pw", bad);
    EXPECT_FALSE(verified) << bad << ": verify() must refuse it too";
  }
  EXPECT_NE(h.check_stored(cost17).error().reason.find("cost 17"), std::string::npos);
}

}  // namespace
}  // namespace tessera::crypto
