#pragma once
// The domain services over a real SQLite store in a temporary file, with a pinned clock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/random_source.hpp"
#include "domain/access_tokens.hpp"
#include "domain/account_service.hpp"
#include "domain/audit_log.hpp"
#include "domain/email_service.hpp"
#include "domain/key_ring.hpp"
#include "domain/login_slowdown.hpp"
#include "domain/rate_limiter.hpp"
#include "domain/revocation_list.hpp"
#include "domain/session_binding.hpp"
#include "domain/session_service.hpp"
#include "store/open.hpp"

namespace tessera::test {

// A password the policy accepts.
inline constexpr const char* kGoodPassword = "Tessera-Unit-Correct-Horse-42";

struct Services {
  explicit Services(domain::Settings s = default_settings(), crypto::Argon2Params argon = {4096, 1})
      : settings(std::move(s)) {
    dir = std::filesystem::temp_directory_path() /
          ("tessera-services-" + std::to_string(getpid()) + "-" + std::to_string(++counter()));
    std::filesystem::create_directories(dir);
    auto opened = store::open_store("sqlite://" + (dir / "t.db").string(), {});
    if (!opened) throw std::runtime_error("open: " + opened.error().detail + opened.error().reason);
    db = std::move(*opened);
    if (!db.migrator->migrate()) throw std::runtime_error("migrate");
    keys = std::make_unique<domain::KeyRing>(domain::KeyRingOptions{}, clock, random);
    if (!keys->load_or_create(*db.store)) throw std::runtime_error("keys");
    tokens = std::make_unique<domain::AccessTokens>(settings, *keys, revocations, binding, clock, random);
    sessions = std::make_unique<domain::SessionService>(*db.store, *tokens, revocations, audit, settings, no_limits,
                                                        clock, random);
    hasher = std::make_unique<crypto::PasswordHasher>(argon);
    no_slowdown = std::make_unique<domain::LoginSlowdown>(*db.store, disabled_slowdown(), clock);
    accounts = std::make_unique<domain::AccountService>(*db.store, *sessions, *hasher, audit, settings, no_limits,
                                                        *no_slowdown, no_mail, no_second_factor, clock, random);
  }
  ~Services() {
    accounts.reset();
    sessions.reset();
    tokens.reset();
    keys.reset();
    db = {};
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Sessions and accounts again over other abuse controls (null: the disabled ones): the limits
  // of sign-up and login (`accounts_limiter`), the slow-down, and the refresh limit.
  void rebuild(domain::RateLimiter* accounts_limiter, domain::LoginSlowdown* slowdown,
               domain::RateLimiter* sessions_limiter) {
    accounts.reset();
    sessions =
        std::make_unique<domain::SessionService>(*db.store, *tokens, revocations, audit, settings,
                                                 sessions_limiter ? *sessions_limiter : no_limits, clock, random);
    accounts = std::make_unique<domain::AccountService>(
        *db.store, *sessions, *hasher, audit, settings, accounts_limiter ? *accounts_limiter : no_limits,
        slowdown ? *slowdown : *no_slowdown, no_mail, no_second_factor, clock, random);
  }

  static domain::RateLimits disabled_limits() {
    domain::RateLimits l;
    l.enabled = false;
    return l;
  }
  static domain::SlowdownPolicy disabled_slowdown() {
    domain::SlowdownPolicy p;
    p.enabled = false;
    return p;
  }

  static domain::Settings default_settings() {
    domain::Settings s;
    s.issuer = "https://auth.test";
    s.audience = "https://auth.test";
    return s;
  }
  static int& counter() {
    static int n = 0;
    return n;
  }

  domain::TokenResponse signup(const std::string& email, const std::string& password = kGoodPassword) {
    auto r = accounts->signup({email, "", password}, client);
    if (!r) throw std::runtime_error("signup: " + r.error().detail + " " + r.error().reason);
    if (!r->tokens) throw std::runtime_error("signup opened no session");
    return std::move(*r->tokens);
  }

  std::filesystem::path dir;
  ManualClock clock{1'800'000'000};
  crypto::SystemRandom random;
  domain::Settings settings;
  store::Opened db;
  domain::RevocationList revocations;
  domain::SessionBinding binding{SecretString(std::string(32, 'b'))};
  domain::AuditLog audit{clock};
  // The abuse controls and mail the services require, all off: the tests of them pass their own.
  domain::RateLimiter no_limits{disabled_limits(), clock};
  std::unique_ptr<domain::LoginSlowdown> no_slowdown;  // over db, made once it is open
  domain::NoAccountMail no_mail;
  domain::NoSecondFactor no_second_factor;
  std::unique_ptr<domain::KeyRing> keys;
  std::unique_ptr<domain::AccessTokens> tokens;
  std::unique_ptr<domain::SessionService> sessions;
  std::unique_ptr<crypto::PasswordHasher> hasher;
  std::unique_ptr<domain::AccountService> accounts;
  domain::ClientInfo client{"127.0.0.1", "unit-test"};
};

}  // namespace tessera::test
