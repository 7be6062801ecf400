#pragma once
// Every route Tessera serves, with its guard and lane, on one screen (DESIGN rule 8).
#include "api/health_handlers.hpp"
#include "api/web_settings.hpp"
#include "domain/account_service.hpp"
#include "domain/admin_service.hpp"
#include "domain/email_service.hpp"
#include "domain/key_ring.hpp"
#include "domain/mfa_service.hpp"
#include "domain/session_service.hpp"
#include "domain/user_import.hpp"
#include "http/router.hpp"

namespace tessera::api {

// What the handlers need, wired by app/.
struct Services {
  Readiness readiness;
  WebSettings web;
  domain::AccountService* accounts = nullptr;
  domain::SessionService* sessions = nullptr;
  domain::EmailService* email = nullptr;
  domain::AdminService* admin = nullptr;
  domain::UserImporter* importer = nullptr;
  domain::MfaService* mfa = nullptr;
  bool admin_require_aal2 = true;  // TESSERA_ADMIN_REQUIRE_AAL2
  std::size_t import_max_body_bytes = 32 * 1024 * 1024;
  // Mails per state, for /metrics.
  std::function<Result<std::vector<std::pair<domain::MailState, std::int64_t>>>()> outbox_counts;
  const domain::KeyRing* keys = nullptr;
  std::string jwt_alg;
  std::string issuer;
};

// Builds the route table.
http::Router build_router(Services& services);

}  // namespace tessera::api
