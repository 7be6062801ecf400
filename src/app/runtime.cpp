#include "app/runtime.hpp"

#include <thread>

#include "core/log.hpp"
#include "domain/server_secret.hpp"

namespace tessera::app {
namespace {

domain::Settings settings_from(const config::Config& c) {
  domain::Settings s;
  s.issuer = c.issuer;
  s.audience = c.audience;
  s.access_ttl = c.access_ttl;
  s.refresh_ttl = c.refresh_ttl;
  s.refresh_absolute_ttl = c.refresh_absolute_ttl;
  s.refresh_reuse_grace = c.refresh_reuse_grace;
  s.require_verified = c.require_verified;
  s.password_min_length = c.password_min_length;
  s.password_min_score = c.password_min_score;
  s.mfa_issuer = c.mfa_issuer.empty() ? c.product_name : c.mfa_issuer;
  s.step_up_max_age = c.step_up_max_age;
  s.admin_require_aal2 = c.admin_require_aal2;
  return s;
}

Error startup_error(std::string what, const Error& cause) {
  std::string detail = what;
  if (!cause.detail.empty()) detail += ": " + cause.detail;
  if (!cause.reason.empty()) detail += " (" + cause.reason + ")";
  return make_error(cause.code, detail);
}

}  // namespace

int cores() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Runtime::Runtime(const config::Config& c) : config(c), settings(settings_from(c)) {}

Result<std::size_t> poll_revocations(Runtime& rt) {
  std::size_t applied = 0;
  for (;;) {
    const std::int64_t after = rt.revocations.last_event_id();
    auto events = rt.db.store->read([&](domain::StoreTx& tx) { return tx.revocations_after(after, 1000); });
    if (!events) return std::move(events).error();
    for (const auto& e : *events) rt.revocations.apply(e);
    applied += events->size();
    if (events->size() < 1000) return applied;
  }
}

Result<std::unique_ptr<Runtime>> build_runtime(const config::Config& config, Migrations migrations, Keys keys) {
  auto rt = std::make_unique<Runtime>(config);
  store::Options options;
  options.connections = config.db_workers > 0 ? config.db_workers : 8;
  auto opened = store::open_store(config.database, options);
  if (!opened) return startup_error("TESSERA_DATABASE: cannot open the database", opened.error());
  rt->db = std::move(*opened);

  auto& m = *rt->db.migrator;
  if (migrations == Migrations::apply) {
    auto ran = m.migrate();
    if (!ran) return startup_error("cannot migrate the database schema", ran.error());
    if (*ran > 0) log::info("migrated").num("migrations", *ran).num("version", m.latest_version());
  } else {
    auto v = m.current_version();
    if (!v) return startup_error("cannot read the database schema version", v.error());
    if (*v != m.latest_version()) {
      return make_error(errc::internal_error, "the database schema is at version " + std::to_string(*v) +
                                                  ", this build needs " + std::to_string(m.latest_version()) +
                                                  "; run `tessera migrate`");
    }
  }

  domain::KeyRingOptions key_options;
  key_options.alg = config.jwt_alg;
  key_options.alg_explicit = config.origins.contains("jwt_alg");
  key_options.hs256_secret = config.jwt_secret;
  key_options.master_key = config.master_key;
  key_options.verify_window = rt->settings.revocation_window();
  rt->keys = std::make_unique<domain::KeyRing>(std::move(key_options), rt->clock, rt->random);
  auto loaded = keys == Keys::create ? rt->keys->load_or_create(*rt->db.store) : rt->keys->load(*rt->db.store);
  if (!loaded) {
    return startup_error("cannot load the signing keys", loaded.error());
  }
  if (auto polled = poll_revocations(*rt); !polled) return startup_error("cannot load revocations", polled.error());

  auto binding_key = domain::server_secret(*rt->db.store, "session_binding_key", config.master_key, rt->random);
  if (!binding_key) return startup_error("cannot load the session binding key", binding_key.error());
  rt->binding = std::make_unique<domain::SessionBinding>(std::move(*binding_key));
  rt->tokens = std::make_unique<domain::AccessTokens>(rt->settings, *rt->keys, rt->revocations, *rt->binding, rt->clock,
                                                      rt->random);
  // The abuse controls first: the services take them as required collaborators.
  domain::RateLimits limits;
  limits.enabled = config.rate_limits;
  limits.rules = {config.rate_limit_login_ip,        config.rate_limit_login_account, config.rate_limit_signup_ip,
                  config.rate_limit_email_recipient, config.rate_limit_email_ip,      config.rate_limit_refresh_session,
                  config.rate_limit_mfa_ip,          config.rate_limit_mfa_enrol};
  rt->limiter = std::make_unique<domain::RateLimiter>(limits, rt->clock);
  domain::SlowdownPolicy slowdown;
  slowdown.enabled = config.rate_limits;
  slowdown.free_failures = config.login_slowdown_after;
  slowdown.max_delay = config.login_slowdown_max;
  rt->slowdown = std::make_unique<domain::LoginSlowdown>(*rt->db.store, slowdown, rt->clock);

  rt->sessions = std::make_unique<domain::SessionService>(*rt->db.store, *rt->tokens, rt->revocations, rt->audit,
                                                          rt->settings, *rt->limiter, rt->clock, rt->random);
  rt->hash_gate = std::make_unique<crypto::HashGate>(config.hash_workers > 0 ? config.hash_workers : cores());
  rt->hasher = std::make_unique<crypto::PasswordHasher>(
      crypto::Argon2Params{config.argon2_memory_kib, config.argon2_iterations}, rt->hash_gate.get());

  auto outbox_key = domain::server_secret(*rt->db.store, "outbox_key", config.master_key, rt->random);
  if (!outbox_key) return startup_error("cannot load the outbox key", outbox_key.error());
  domain::EmailSettings email_settings;
  email_settings.verification_ttl = config.verification_ttl;
  email_settings.reset_ttl = config.reset_ttl;
  rt->email = std::make_unique<domain::EmailService>(*rt->db.store, *rt->sessions, *rt->hasher, rt->audit, rt->settings,
                                                     email_settings, std::move(*outbox_key), *rt->limiter, rt->clock,
                                                     rt->random);
  auto mfa_key = domain::server_secret(*rt->db.store, "mfa_key", config.master_key, rt->random);
  if (!mfa_key) return startup_error("cannot load the MFA key", mfa_key.error());
  rt->mfa = std::make_unique<domain::MfaService>(*rt->db.store, *rt->sessions, rt->audit, rt->settings, *mfa_key,
                                                 *rt->limiter, *rt->email, rt->clock, rt->random);
  rt->accounts = std::make_unique<domain::AccountService>(*rt->db.store, *rt->sessions, *rt->hasher, rt->audit,
                                                          rt->settings, *rt->limiter, *rt->slowdown, *rt->email,
                                                          *rt->mfa, rt->clock, rt->random);

  rt->admin = std::make_unique<domain::AdminService>(*rt->db.store, *rt->sessions, *rt->hasher, rt->audit, rt->settings,
                                                     rt->clock, rt->random);
  rt->importer = std::make_unique<domain::UserImporter>(*rt->db.store, *rt->sessions, *rt->hasher, rt->audit, rt->clock,
                                                        rt->random);
  return rt;
}

}  // namespace tessera::app
