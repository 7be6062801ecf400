#pragma once
// Random keys the server makes once and every instance shares (the outbox key that seals
// mailed tokens), kept in the store and sealed with TESSERA_MASTER_KEY when one is set — the
// same protection as the private signing keys.
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "domain/store.hpp"

namespace tessera::domain {

// The 32-byte secret called `name`: read from the store, or made and stored on first use (when
// two instances race, both end up with the one stored first).
Result<SecretString> server_secret(Store& store, std::string_view name, const SecretString& master_key, Random& random);

}  // namespace tessera::domain
