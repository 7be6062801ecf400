#pragma once
// Every setting Tessera reads, already parsed and checked (SPEC §1). Built by load_config()
// from flags > TESSERA_* environment > TOML file > defaults; see settings.cpp for the table.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/rate_rule.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace tessera::config {

using std::chrono::seconds;

enum class CookieSecure { automatic, on, off };

struct Config {
  // Network
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string public_url = "http://127.0.0.1:8080";  // no trailing slash
  std::string issuer;                                // defaults to public_url
  std::string audience;                              // defaults to issuer
  int threads = 0;                                   // network threads; 0 = one per core
  std::vector<std::string> cors_origins;
  std::vector<std::string> trusted_proxies;  // CIDR blocks whose X-Forwarded-For is believed
  CookieSecure cookie_secure = CookieSecure::automatic;
  bool cookie_secure_effective = false;  // cookie_secure with `automatic` resolved

  // HTTP limits
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t import_max_body_bytes = 32 * 1024 * 1024;  // POST /admin/users/import, admins only
  std::size_t max_header_bytes = 16 * 1024;
  seconds read_timeout{10};
  seconds idle_timeout{60};
  seconds shutdown_timeout{10};

  // Storage
  std::string database = "sqlite://./tessera.db";
  bool migrate_on_start = true;
  int db_workers = 0;  // 0 = chosen by the store

  // Tokens
  std::string jwt_alg = "ES256";
  SecretString jwt_secret;
  SecretString master_key;
  seconds access_ttl{15 * 60};
  seconds refresh_ttl{7 * 86400};
  seconds refresh_absolute_ttl{30 * 86400};
  seconds refresh_reuse_grace{10};
  seconds verification_ttl{24 * 3600};
  seconds reset_ttl{3600};

  // Passwords
  std::uint32_t argon2_memory_kib = 19456;
  std::uint32_t argon2_iterations = 2;
  int password_min_length = 8;
  int password_min_score = 3;
  int hash_workers = 0;  // 0 = one per core
  int hash_queue = 64;   // logins waiting for a hash worker; past it, 503

  // Accounts and abuse
  bool rate_limits = true;
  RateRule rate_limit_login_ip{30, seconds(60)};
  RateRule rate_limit_login_account{10, seconds(60)};
  RateRule rate_limit_signup_ip{20, seconds(3600)};
  RateRule rate_limit_email_recipient{5, seconds(3600)};
  RateRule rate_limit_email_ip{20, seconds(3600)};
  RateRule rate_limit_refresh_session{60, seconds(60)};
  RateRule rate_limit_mfa_ip{30, seconds(60)};
  RateRule rate_limit_mfa_enrol{10, seconds(3600)};
  int login_slowdown_after = 5;    // failed logins in a row before delays start
  seconds login_slowdown_max{60};  // the longest delay between two attempts
  bool require_verified = false;
  std::string verify_redirect;

  // Second factors
  std::string mfa_issuer;  // empty: product_name
  seconds step_up_max_age{600};
  bool admin_require_aal2 = true;

  // Email
  std::string smtp_url;
  std::string smtp_from = "Tessera <no-reply@localhost>";
  std::string smtp_ca_file;
  seconds smtp_timeout{30};
  std::string templates_dir;
  std::string product_name = "Tessera";

  // Pages, logs, audit
  std::string web_dir;
  log::Level log_level = log::Level::info;
  seconds audit_retention{90 * 86400};

  // Where each setting's value came from (flag, variable or file), for --print-config.
  std::map<std::string, std::string> origins;
};

// Where the raw setting values come from.
struct Sources {
  std::string config_file;                   // TOML; empty = none
  std::map<std::string, std::string> flags;  // setting name -> value given on the command line
  std::map<std::string, std::string> env;    // the process environment
};

// One setting: its name (TOML key), environment variable, command-line flag and help.
struct SettingInfo {
  std::string name;
  std::string env;
  std::string flag;
  std::string default_text;
  std::string help;
  bool secret;
};

// Every setting, in the order --print-config shows them.
const std::vector<SettingInfo>& settings();

// Builds the configuration. On a bad value, the error's detail is one line naming the setting
// (as the operator wrote it: flag, variable or file key) and how to fix it.
Result<Config> load_config(const Sources& sources);

// `name = value  (source)` for every setting, secrets masked, for --print-config.
std::string describe(const Config& config);

// The current process environment as a map.
std::map<std::string, std::string> process_environment();

}  // namespace tessera::config
