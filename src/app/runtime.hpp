#pragma once
// The object graph every command works with, built from the configuration in dependency
// order: clock and randomness, the store, revocations, signing keys, tokens, the abuse controls,
// sessions, passwords, email, second factors, accounts. `serve` adds the HTTP server on top; the CLI uses it directly.
#include <memory>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/random_source.hpp"
#include "domain/access_tokens.hpp"
#include "domain/account_service.hpp"
#include "domain/admin_service.hpp"
#include "domain/audit_log.hpp"
#include "domain/email_service.hpp"
#include "domain/key_ring.hpp"
#include "domain/login_slowdown.hpp"
#include "domain/mfa_service.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/revocation_list.hpp"
#include "domain/session_binding.hpp"
#include "domain/session_service.hpp"
#include "domain/settings.hpp"
#include "domain/user_import.hpp"
#include "store/open.hpp"

namespace tessera::app {

struct Runtime {
  explicit Runtime(const config::Config& config);

  const config::Config& config;
  SystemClock clock;
  crypto::SystemRandom random;
  domain::Settings settings;
  store::Opened db;
  domain::RevocationList revocations;
  domain::AuditLog audit{clock};
  std::unique_ptr<domain::KeyRing> keys;
  std::unique_ptr<domain::SessionBinding> binding;
  std::unique_ptr<domain::AccessTokens> tokens;
  // Declared (so built and outliving) before the services that take them by reference.
  std::unique_ptr<domain::RateLimiter> limiter;
  std::unique_ptr<domain::LoginSlowdown> slowdown;
  std::unique_ptr<domain::SessionService> sessions;
  std::unique_ptr<crypto::HashGate> hash_gate;  // hash_workers slots; outlives the hasher
  std::unique_ptr<crypto::PasswordHasher> hasher;
  std::unique_ptr<domain::EmailService> email;
  std::unique_ptr<domain::MfaService> mfa;
  std::unique_ptr<domain::AccountService> accounts;
  std::unique_ptr<domain::AdminService> admin;
  std::unique_ptr<domain::UserImporter> importer;
};

// The machine's cores (at least 1): the default number of network threads and hash slots.
int cores();

enum class Migrations {
  apply,    // run pending migrations (serve with migrate_on_start, `tessera migrate`)
  require,  // refuse to run against an out-of-date schema
};

enum class Keys {
  create,    // when no key of TESSERA_JWT_ALG signs yet, make one (serve: first start, algorithm change)
  existing,  // use the stored keys as they are and never write them (the CLI signs nothing, so a
             // `tessera user list` run with another TESSERA_JWT_ALG must not rotate the server's key)
};

// Opens the database (migrating or checking its schema), loads keys and recent revocations.
// The error's detail is one line for the operator.
Result<std::unique_ptr<Runtime>> build_runtime(const config::Config& config, Migrations migrations,
                                               Keys keys = Keys::create);

// Applies revocation events recorded since the last one seen (by other instances or the CLI).
Result<std::size_t> poll_revocations(Runtime& rt);

}  // namespace tessera::app
