// The defaults a running server uses are the configuration's (config/config.hpp); the option
// structs of the layers below have initialisers of their own, for tests and for code that builds
// them without a configuration. Where both exist, they must say the same (issue 21: defaults
// were written two to four times).
#include <gtest/gtest.h>

#include "api/web_settings.hpp"
#include "config/config.hpp"
#include "crypto/password_hasher.hpp"
#include "domain/email_service.hpp"
#include "domain/login_slowdown.hpp"
#include "domain/password_policy.hpp"
#include "domain/rate_limiter.hpp"
#include "http/server.hpp"

namespace tessera::test {
namespace {

TEST(Defaults, TheConfigurationAndTheOptionStructsAgree) {
  const config::Config c;
  const http::ServerOptions server;
  EXPECT_EQ(server.max_body_bytes, c.max_body_bytes);
  EXPECT_EQ(server.max_header_bytes, c.max_header_bytes);
  EXPECT_EQ(server.read_timeout, c.read_timeout);
  EXPECT_EQ(server.idle_timeout, c.idle_timeout);
  EXPECT_EQ(server.shutdown_timeout, c.shutdown_timeout);

  const crypto::Argon2Params argon;
  EXPECT_EQ(argon.memory_kib, c.argon2_memory_kib);
  EXPECT_EQ(argon.iterations, c.argon2_iterations);

  const domain::RateLimits limits;
  const RateRule configured[] = {c.rate_limit_login_ip,        c.rate_limit_login_account, c.rate_limit_signup_ip,
                                 c.rate_limit_email_recipient, c.rate_limit_email_ip,      c.rate_limit_refresh_session,
                                 c.rate_limit_mfa_ip,          c.rate_limit_mfa_enrol};
  ASSERT_EQ(std::size(configured), limits.rules.size());
  for (std::size_t i = 0; i < limits.rules.size(); ++i) {
    EXPECT_EQ(limits.rules[i].count, configured[i].count) << domain::to_string(static_cast<domain::Limit>(i));
    EXPECT_EQ(limits.rules[i].period, configured[i].period) << domain::to_string(static_cast<domain::Limit>(i));
  }
  EXPECT_EQ(limits.enabled, c.rate_limits);

  const domain::SlowdownPolicy slowdown;
  EXPECT_EQ(slowdown.free_failures, c.login_slowdown_after);
  EXPECT_EQ(slowdown.max_delay, c.login_slowdown_max);

  const domain::EmailSettings email;
  EXPECT_EQ(email.verification_ttl, c.verification_ttl);
  EXPECT_EQ(email.reset_ttl, c.reset_ttl);

  const domain::Settings settings;
  EXPECT_EQ(settings.step_up_max_age, c.step_up_max_age);
  EXPECT_EQ(settings.admin_require_aal2, c.admin_require_aal2);
  EXPECT_EQ(settings.mfa_issuer, c.product_name);

  const domain::PasswordRules rules;
  EXPECT_EQ(rules.min_length, c.password_min_length);
  EXPECT_EQ(rules.min_score, c.password_min_score);

  const api::WebSettings web;
  EXPECT_EQ(web.product_name, c.product_name);
  EXPECT_EQ(web.password_min_length, c.password_min_length);
  EXPECT_EQ(web.refresh_ttl, c.refresh_ttl);
}

}  // namespace
}  // namespace tessera::test
