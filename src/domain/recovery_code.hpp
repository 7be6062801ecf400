#pragma once
// Recovery codes: the way back in when the authenticator is lost. Ten a set, each 16 symbols of
// Crockford's base32 (80 random bits), shown once as XXXX-XXXX-XXXX-XXXX and stored only as a
// keyed hash. Typing is forgiving: any case, dashes and spaces anywhere, and the letters people
// confuse with digits (I and L for 1, O for 0) read as those digits.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "domain/ids.hpp"

namespace tessera::domain {

inline constexpr std::size_t kRecoveryCodesPerSet = 10;
inline constexpr std::size_t kRecoveryCodeSymbols = 16;

// A new code, as shown to the user (with dashes).
std::string new_recovery_code(Random& random);

// A set of kRecoveryCodesPerSet new codes, all different.
std::vector<std::string> new_recovery_codes(Random& random);

// The code's canonical form (16 upper-case symbols, no dashes), or nothing when `typed` cannot
// be a recovery code at all (a wrong length, a character outside the alphabet).
std::optional<std::string> canonical_recovery_code(std::string_view typed);

// What is stored and looked up: HMAC-SHA-256 under the server's pepper of the user's id and the
// canonical code, so a database read alone yields nothing to try and the same code of two users
// has two hashes.
std::string recovery_code_hash(std::string_view pepper, const UserId& user, std::string_view canonical);

}  // namespace tessera::domain
