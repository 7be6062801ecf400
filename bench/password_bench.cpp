// Cost of the password path: Argon2id at the default cost, bcrypt verification of an imported
// hash, the new-password policy and identifier normalisation.
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/password_hasher.hpp"
#include "domain/identifiers.hpp"
#include "domain/password_policy.hpp"

namespace {

using tessera::crypto::Argon2Params;
using tessera::crypto::PasswordHasher;

const PasswordHasher& default_hasher() {
  static const PasswordHasher hasher{Argon2Params{}};  // m=19456 KiB, t=2
  return hasher;
}

// With a thread per core this is the most logins per second this hasher allows here;
// bench/compare.sh sets the servers' login rate against it as well as against the peer's floor
// tool. Each thread computes into its own kept block, as each hash slot of the server does
// (crypto/argon2_memory.hpp).
void BM_Argon2idHashDefaultCost(benchmark::State& state) {
  const PasswordHasher& hasher = default_hasher();
  for (auto _ : state) benchmark::DoNotOptimize(hasher.hash("bench-Passw0rd!"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Argon2idHashDefaultCost)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->ThreadPerCpu();

void BM_Argon2idVerifyDefaultCost(benchmark::State& state) {
  const PasswordHasher& hasher = default_hasher();
  const std::string stored = *hasher.hash("bench-Passw0rd!");
  for (auto _ : state) benchmark::DoNotOptimize(hasher.verify("bench-Passw0rd!", stored));
}
BENCHMARK(BM_Argon2idVerifyDefaultCost)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BcryptCost10Verify(benchmark::State& state) {
  const PasswordHasher& hasher = default_hasher();
  // bcryptjs 2.4.3, cost 10, of "hunter2".
  const std::string stored = "$2a$10$d1eCqtX1.uRee.cAqdN9Z.YwmnpL8UOc3dDTXnfD8zJuFJBS97WXK";
  for (auto _ : state) benchmark::DoNotOptimize(hasher.verify("hunter2", stored));
}
BENCHMARK(BM_BcryptCost10Verify)->Unit(benchmark::kMillisecond)->UseRealTime();

void check_password(benchmark::State& state, const std::string& raw) {
  const auto pw = tessera::domain::normalize_password(raw);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tessera::domain::check_new_password(*pw, {}, "alice@example.com", "alice"));
  }
}

void BM_CheckNewPasswordTypical(benchmark::State& state) { check_password(state, "tessera-e2e-Secret-42"); }
BENCHMARK(BM_CheckNewPasswordTypical)->Unit(benchmark::kMicrosecond);

// The slowest shape for zxcvbn: one character repeated (every window is the same text, scored once).
void BM_CheckNewPassword256BytesRepeated(benchmark::State& state) { check_password(state, std::string(256, '1')); }
BENCHMARK(BM_CheckNewPassword256BytesRepeated)->Unit(benchmark::kMicrosecond);

void BM_CheckNewPassword256BytesMixed(benchmark::State& state) {
  std::string pw;
  while (pw.size() < 256) pw += "Correct-Horse7Battery!Staple";
  pw.resize(256);
  check_password(state, pw);
}
BENCHMARK(BM_CheckNewPassword256BytesMixed)->Unit(benchmark::kMicrosecond);

// The slowest 256-byte shape for the windowed estimate: runs of one character, a new one every
// 16, so no two of its seven windows are the same text and each is full of repeats.
void BM_CheckNewPassword256BytesRuns(benchmark::State& state) {
  std::string pw;
  for (char c = '0'; pw.size() < 256; ++c) pw += std::string(16, c);
  check_password(state, pw);
}
BENCHMARK(BM_CheckNewPassword256BytesRuns)->Unit(benchmark::kMicrosecond);

// 256 bytes of no pattern (a generated password).
void BM_CheckNewPassword256BytesRandom(benchmark::State& state) {
  const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+-=?@";
  std::string pw;
  unsigned x = 12345;
  while (pw.size() < 256) {
    x = x * 1103515245u + 12345u;
    pw += alphabet[(x >> 16) % (sizeof alphabet - 1)];
  }
  check_password(state, pw);
}
BENCHMARK(BM_CheckNewPassword256BytesRandom)->Unit(benchmark::kMicrosecond);

// Issue 24's passphrase: 60 ü and " long unicode passphrase", 144 bytes.
void BM_CheckNewPasswordUnicodePassphrase(benchmark::State& state) {
  std::string pw;
  for (int i = 0; i < 60; ++i) pw += "\xc3\xbc";
  check_password(state, pw + " long unicode passphrase");
}
BENCHMARK(BM_CheckNewPasswordUnicodePassphrase)->Unit(benchmark::kMicrosecond);

void BM_NormalizePassword256Bytes(benchmark::State& state) {
  std::string raw;
  while (raw.size() + 2 <= 256) raw += "\xc3\xa9";  // é, already NFC
  for (auto _ : state) benchmark::DoNotOptimize(tessera::domain::normalize_password(raw));
}
BENCHMARK(BM_NormalizePassword256Bytes)->Unit(benchmark::kMicrosecond);

void BM_NormalizeEmail(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(tessera::domain::normalize_email(" Alice.Liddell+tag@Example.COM "));
}
BENCHMARK(BM_NormalizeEmail);

void BM_NormalizeUsername(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(tessera::domain::normalize_username("Alice_Liddell"));
}
BENCHMARK(BM_NormalizeUsername);

}  // namespace

BENCHMARK_MAIN();
