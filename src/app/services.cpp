#include "app/services.hpp"

#include <utility>

namespace tessera::app {

api::Services make_services(Runtime& rt, std::function<bool()> draining) {
  const config::Config& config = rt.config;
  api::Services services;
  services.readiness.draining = std::move(draining);
  services.readiness.database = [&rt] { return rt.db.store->ping(); };
  services.web.public_url = config.public_url;
  services.web.cors_origins = config.cors_origins;
  services.web.cookie_secure = config.cookie_secure_effective;
  services.web.refresh_ttl = config.refresh_ttl;
  services.web.product_name = config.product_name;
  services.web.password_min_length = config.password_min_length;
  services.web.verify_redirect = config.verify_redirect;
  services.web.web_dir = config.web_dir;
  services.accounts = rt.accounts.get();
  services.sessions = rt.sessions.get();
  services.email = rt.email.get();
  services.admin = rt.admin.get();
  services.importer = rt.importer.get();
  services.mfa = rt.mfa.get();
  services.admin_require_aal2 = config.admin_require_aal2;
  services.import_max_body_bytes = config.import_max_body_bytes;
  services.outbox_counts = [&rt] { return rt.db.store->read([](domain::StoreTx& tx) { return tx.count_mail(); }); };
  services.keys = rt.keys.get();
  services.jwt_alg = rt.keys->alg();
  services.issuer = config.issuer;
  return services;
}

}  // namespace tessera::app
