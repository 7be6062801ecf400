#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/duration.hpp"

extern char** environ;

namespace tessera::config {
namespace {

using Apply = std::function<Result<void>(Config&, std::string_view)>;
using Show = std::function<std::string(const Config&)>;

struct Setting {
  SettingInfo info;
  Apply apply;
  Show show;
};

Error bad(std::string why) { return make_error(errc::invalid_request, std::move(why)); }

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    std::string item = trim(s.substr(0, comma));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

Result<bool> parse_bool(std::string_view v) {
  if (v == "true" || v == "on" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "off" || v == "0" || v == "no") return false;
  return bad("write true or false (on/off also work)");
}

Result<long long> parse_int(std::string_view v, long long lo, long long hi) {
  long long n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return bad("write a whole number");
  if (n < lo || n > hi) {
    return bad("write a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

Result<seconds> parse_duration_in(std::string_view v, seconds lo, seconds hi) {
  auto d = parse_duration(v);
  if (!d) return std::move(d).error();
  if (*d < lo || *d > hi) {
    return bad("write a duration from " + format_duration(lo) + " to " + format_duration(hi));
  }
  return *d;
}

// "http(s)://host[:port][/path]" without a trailing slash, query or fragment.
Result<std::string> parse_base_url(std::string_view v) {
  std::string s = trim(v);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  const bool scheme_ok = s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
  const auto host_start = s.find("://") + 3;
  if (!scheme_ok || s.size() <= host_start || s.find_first_of("?#@ \t\r\n") != std::string::npos) {
    return bad("write an http:// or https:// base URL such as https://auth.example.com");
  }
  return s;
}

// "host:port", "[v6]:port". Port 0 asks the system for a free port (tests).
Result<void> parse_listen(Config& c, std::string_view v) {
  const auto colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("write address:port, like 127.0.0.1:8080");
  std::string host(v.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = parse_int(v.substr(colon + 1), 0, 65535);
  if (!port) return bad("write address:port with a port from 0 to 65535, like 127.0.0.1:8080");
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(*port);
  return ok();
}

// Hides the password of a URL's userinfo: scheme://user:****@host.
std::string mask_url_password(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto start = scheme_end + 3;
  // The userinfo ends at the *last* '@' before the path: a password may contain '@' unencoded.
  const auto path = url.find_first_of("/?#", start);
  const auto authority_end = path == std::string::npos ? url.size() : path;
  const auto at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string::npos || at < start) return url;
  const auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "****" + url.substr(at);
}

std::string show_secret(const SecretString& s) {
  return s.empty() ? "(not set)" : "(set, " + std::to_string(s.size()) + " bytes)";
}

template <class Int>
Apply int_setting(Int Config::*field, long long lo, long long hi) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    auto n = parse_int(v, lo, hi);
    if (!n) return std::move(n).error();
    c.*field = static_cast<Int>(*n);
    return ok();
  };
}
template <class Int>
Show show_int(Int Config::*field) {
  return [=](const Config& c) { return std::to_string(c.*field); };
}

Apply duration_setting(seconds Config::*field, seconds lo, seconds hi) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    auto d = parse_duration_in(v, lo, hi);
    if (!d) return std::move(d).error();
    c.*field = *d;
    return ok();
  };
}
Show show_duration(seconds Config::*field) {
  return [=](const Config& c) { return format_duration(c.*field); };
}

Apply bool_setting(bool Config::*field) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    auto b = parse_bool(v);
    if (!b) return std::move(b).error();
    c.*field = *b;
    return ok();
  };
}
Show show_bool(bool Config::*field) {
  return [=](const Config& c) { return std::string(c.*field ? "true" : "false"); };
}

Apply rate_setting(RateRule Config::*field) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    auto r = parse_rate_rule(v);
    if (!r) return std::move(r).error();
    c.*field = *r;
    return ok();
  };
}
Show show_rate(RateRule Config::*field) {
  return [=](const Config& c) { return format_rate_rule(c.*field); };
}

Apply string_setting(std::string Config::*field) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    c.*field = trim(v);
    return ok();
  };
}
Show show_string(std::string Config::*field) {
  return [=](const Config& c) { return c.*field; };
}

Apply list_setting(std::vector<std::string> Config::*field) {
  return [=](Config& c, std::string_view v) -> Result<void> {
    c.*field = split_list(v);
    return ok();
  };
}
Show show_list(std::vector<std::string> Config::*field) {
  return [=](const Config& c) { return join(c.*field); };
}

Setting make(std::string name, std::string default_text, std::string help, Apply apply, Show show,
             bool secret = false) {
  std::string env = "TESSERA_" + name;
  std::transform(env.begin(), env.end(), env.begin(), [](unsigned char ch) { return std::toupper(ch); });
  std::string flag = "--" + name;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return Setting{
      SettingInfo{std::move(name), std::move(env), std::move(flag), std::move(default_text), std::move(help), secret},
      std::move(apply), std::move(show)};
}

const std::vector<Setting>& table() {
  using namespace std::chrono_literals;
  static const std::vector<Setting> t = [] {
    const seconds kYear = 366 * 24h;
    std::vector<Setting> v;
    v.push_back(make("listen", "127.0.0.1:8080", "address:port to listen on (port 0: any free port)", parse_listen,
                     [](const Config& c) {
                       const bool v6 = c.listen_host.find(':') != std::string::npos;
                       return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(c.listen_port);
                     }));
    v.push_back(make(
        "public_url", "http://127.0.0.1:8080",
        "base of every link in emails; also the token issuer unless issuer is set",
        [](Config& c, std::string_view s) -> Result<void> {
          auto u = parse_base_url(s);
          if (!u) return std::move(u).error();
          c.public_url = *u;
          return ok();
        },
        show_string(&Config::public_url)));
    v.push_back(make("issuer", "(public_url)", "the `iss` claim of access tokens", string_setting(&Config::issuer),
                     show_string(&Config::issuer)));
    v.push_back(make("audience", "(issuer)", "the `aud` claim of access tokens", string_setting(&Config::audience),
                     show_string(&Config::audience)));
    v.push_back(make(
        "database", "sqlite://./tessera.db", "sqlite://PATH (embedded) or postgres://user:pass@host:port/db",
        [](Config& c, std::string_view s) -> Result<void> {
          std::string d = trim(s);
          const bool ok_scheme =
              d.rfind("sqlite://", 0) == 0 || d.rfind("postgres://", 0) == 0 || d.rfind("postgresql://", 0) == 0;
          if (!ok_scheme || d == "sqlite://") {
            return bad("write sqlite://PATH or postgres://user:pass@host:port/db");
          }
          c.database = d;
          return ok();
        },
        [](const Config& c) { return mask_url_password(c.database); }));
    v.push_back(make("migrate_on_start", "true", "run pending schema migrations when `serve` starts",
                     bool_setting(&Config::migrate_on_start), show_bool(&Config::migrate_on_start)));
    v.push_back(make("db_workers", "0", "database worker threads (0: 4) and PostgreSQL pool size (0: 8)",
                     int_setting(&Config::db_workers, 0, 256), show_int(&Config::db_workers)));
    v.push_back(make(
        "smtp_url", "(empty: emails are written to the log)",
        "smtp://user:pass@host:587 (STARTTLS required) or smtps://user:pass@host:465",
        [](Config& c, std::string_view s) -> Result<void> {
          std::string u = trim(s);
          if (!u.empty() && u.rfind("smtp://", 0) != 0 && u.rfind("smtps://", 0) != 0) {
            return bad("write smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465");
          }
          c.smtp_url = u;
          return ok();
        },
        [](const Config& c) { return mask_url_password(c.smtp_url); }));
    v.push_back(make(
        "smtp_from", "Tessera <no-reply@localhost>", "the From header of emails",
        [](Config& c, std::string_view s) -> Result<void> {
          if (s.find_first_of("\r\n") != std::string_view::npos) return bad("write it on one line");
          c.smtp_from = trim(s);
          return ok();
        },
        show_string(&Config::smtp_from)));
    v.push_back(make("smtp_ca_file", "(system CAs)", "PEM file of CAs trusted for the SMTP server's certificate",
                     string_setting(&Config::smtp_ca_file), show_string(&Config::smtp_ca_file)));
    v.push_back(make("smtp_timeout", "30s", "time allowed for one SMTP delivery",
                     duration_setting(&Config::smtp_timeout, 1s, 10min), show_duration(&Config::smtp_timeout)));
    v.push_back(make(
        "jwt_alg", "ES256",
        "signing algorithm: ES256, EdDSA, RS256 or HS256 (not set: an installation keeps the algorithm its stored key "
        "signs with)",
        [](Config& c, std::string_view s) -> Result<void> {
          if (s != "EdDSA" && s != "ES256" && s != "RS256" && s != "HS256") {
            return bad("write EdDSA, ES256, RS256 or HS256");
          }
          c.jwt_alg = std::string(s);
          return ok();
        },
        show_string(&Config::jwt_alg)));
    v.push_back(make(
        "jwt_secret", "(none)", "HS256 secret, at least 32 bytes (alias JWT_SECRET)",
        [](Config& c, std::string_view s) -> Result<void> {
          c.jwt_secret = SecretString(s);
          return ok();
        },
        [](const Config& c) { return show_secret(c.jwt_secret); }, true));
    v.push_back(make(
        "master_key", "(none)", "encrypts stored private signing keys (32+ bytes)",
        [](Config& c, std::string_view s) -> Result<void> {
          if (!s.empty() && s.size() < 32) return bad("use at least 32 bytes (e.g. openssl rand -base64 32)");
          c.master_key = SecretString(s);
          return ok();
        },
        [](const Config& c) { return show_secret(c.master_key); }, true));
    v.push_back(make("access_ttl", "15m", "access token lifetime", duration_setting(&Config::access_ttl, 30s, 24h),
                     show_duration(&Config::access_ttl)));
    v.push_back(make("refresh_ttl", "7d", "a session ends after this long without a refresh",
                     duration_setting(&Config::refresh_ttl, 1min, kYear), show_duration(&Config::refresh_ttl)));
    v.push_back(make("refresh_absolute_ttl", "30d", "a session ends this long after login, used or not",
                     duration_setting(&Config::refresh_absolute_ttl, 1min, kYear),
                     show_duration(&Config::refresh_absolute_ttl)));
    v.push_back(make("refresh_reuse_grace", "10s",
                     "window in which a just-rotated refresh token yields the same successor (0s: none)",
                     duration_setting(&Config::refresh_reuse_grace, 0s, 5min),
                     show_duration(&Config::refresh_reuse_grace)));
    v.push_back(make("verification_ttl", "24h", "lifetime of email verification links",
                     duration_setting(&Config::verification_ttl, 5min, 30 * 24h),
                     show_duration(&Config::verification_ttl)));
    v.push_back(make("reset_ttl", "1h", "lifetime of password reset links",
                     duration_setting(&Config::reset_ttl, 5min, 7 * 24h), show_duration(&Config::reset_ttl)));
    v.push_back(make("argon2_memory_kib", "19456", "Argon2id memory cost in KiB (OWASP: 19456)",
                     int_setting(&Config::argon2_memory_kib, 1024, 4 * 1024 * 1024),
                     show_int(&Config::argon2_memory_kib)));
    v.push_back(make("argon2_iterations", "2", "Argon2id time cost (OWASP: 2)",
                     int_setting(&Config::argon2_iterations, 1, 64), show_int(&Config::argon2_iterations)));
    v.push_back(make("password_min_length", "8",
                     "fewest characters a new password may have (NIST: 8, 15 single-factor)",
                     int_setting(&Config::password_min_length, 8, 64), show_int(&Config::password_min_length)));
    v.push_back(make("password_min_score", "3", "lowest zxcvbn strength score (0-4) a new password may have",
                     int_setting(&Config::password_min_score, 0, 4), show_int(&Config::password_min_score)));
    v.push_back(make("hash_workers", "0", "password hashes run at once (0: one per core)",
                     int_setting(&Config::hash_workers, 0, 256), show_int(&Config::hash_workers)));
    v.push_back(make("hash_queue", "64", "password hashes that may wait for a worker; past it, 503",
                     int_setting(&Config::hash_queue, 1, 100000), show_int(&Config::hash_queue)));
    v.push_back(make("rate_limits", "on", "off disables every rate limit (tests, benchmarks)",
                     bool_setting(&Config::rate_limits), show_bool(&Config::rate_limits)));
    v.push_back(make("rate_limit_login_ip", "30/1m", "login attempts allowed from one client IP",
                     rate_setting(&Config::rate_limit_login_ip), show_rate(&Config::rate_limit_login_ip)));
    v.push_back(make("rate_limit_login_account", "10/1m", "login attempts allowed for one account (email or username)",
                     rate_setting(&Config::rate_limit_login_account), show_rate(&Config::rate_limit_login_account)));
    v.push_back(make("rate_limit_signup_ip", "20/1h", "sign-ups allowed from one client IP",
                     rate_setting(&Config::rate_limit_signup_ip), show_rate(&Config::rate_limit_signup_ip)));
    v.push_back(make("rate_limit_email_recipient", "5/1h", "verification and reset mails to one address",
                     rate_setting(&Config::rate_limit_email_recipient),
                     show_rate(&Config::rate_limit_email_recipient)));
    v.push_back(make("rate_limit_email_ip", "20/1h", "mail requests (resend, forgot) from one client IP",
                     rate_setting(&Config::rate_limit_email_ip), show_rate(&Config::rate_limit_email_ip)));
    v.push_back(make("rate_limit_refresh_session", "60/1m", "refreshes allowed for one session",
                     rate_setting(&Config::rate_limit_refresh_session),
                     show_rate(&Config::rate_limit_refresh_session)));
    v.push_back(make("rate_limit_mfa_ip", "30/1m", "second-step logins (a code after the password) from one client IP",
                     rate_setting(&Config::rate_limit_mfa_ip), show_rate(&Config::rate_limit_mfa_ip)));
    v.push_back(make("rate_limit_mfa_enrol", "10/1h", "authenticator-app enrolments of one account",
                     rate_setting(&Config::rate_limit_mfa_enrol), show_rate(&Config::rate_limit_mfa_enrol)));
    v.push_back(make("login_slowdown_after", "5", "failed logins in a row for one account before it is slowed down",
                     int_setting(&Config::login_slowdown_after, 1, 1000), show_int(&Config::login_slowdown_after)));
    v.push_back(make("login_slowdown_max", "60s", "the longest wait a slowed-down account imposes between attempts",
                     duration_setting(&Config::login_slowdown_max, 1s, 1h),
                     show_duration(&Config::login_slowdown_max)));
    v.push_back(make("require_verified", "false", "refuse login to accounts whose email is not verified",
                     bool_setting(&Config::require_verified), show_bool(&Config::require_verified)));
    v.push_back(make("mfa_issuer", "(product_name)", "the issuer name authenticator apps show beside the account",
                     string_setting(&Config::mfa_issuer), show_string(&Config::mfa_issuer)));
    v.push_back(make("step_up_max_age", "10m",
                     "how recent a second factor must be for a sensitive change (factors, password)",
                     duration_setting(&Config::step_up_max_age, 30s, 24h), show_duration(&Config::step_up_max_age)));
    v.push_back(make("admin_require_aal2", "true", "admins who have a second factor must have used it to call /admin",
                     bool_setting(&Config::admin_require_aal2), show_bool(&Config::admin_require_aal2)));
    v.push_back(make("verify_redirect", "(none: a confirmation page)",
                     "where to send the browser after it verifies an email", string_setting(&Config::verify_redirect),
                     show_string(&Config::verify_redirect)));
    v.push_back(make(
        "cookie_secure", "auto", "Secure flag and __Secure- prefix on the refresh cookie: auto, true or false",
        [](Config& c, std::string_view s) -> Result<void> {
          if (s == "auto") {
            c.cookie_secure = CookieSecure::automatic;
            return ok();
          }
          auto b = parse_bool(s);
          if (!b) return bad("write auto, true or false");
          c.cookie_secure = *b ? CookieSecure::on : CookieSecure::off;
          return ok();
        },
        [](const Config& c) {
          return std::string(c.cookie_secure == CookieSecure::automatic ? "auto"
                             : c.cookie_secure == CookieSecure::on      ? "true"
                                                                        : "false");
        }));
    v.push_back(make(
        "cors_origins", "(none)", "comma-separated origins allowed to call with credentials",
        [](Config& c, std::string_view s) -> Result<void> {
          auto list = split_list(s);
          for (auto& o : list) {
            while (!o.empty() && o.back() == '/') o.pop_back();
            if (o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0) {
              return bad("write origins like https://app.example.com, separated by commas");
            }
          }
          c.cors_origins = std::move(list);
          return ok();
        },
        show_list(&Config::cors_origins)));
    v.push_back(make("trusted_proxies", "(none)", "comma-separated CIDR blocks whose X-Forwarded-For is believed",
                     list_setting(&Config::trusted_proxies), show_list(&Config::trusted_proxies)));
    v.push_back(make("threads", "0", "network threads (0: one per core)", int_setting(&Config::threads, 0, 256),
                     show_int(&Config::threads)));
    v.push_back(make("max_body_bytes", "65536", "largest request body accepted; larger gets 413",
                     int_setting(&Config::max_body_bytes, 1024, 16 * 1024 * 1024), show_int(&Config::max_body_bytes)));
    v.push_back(make("import_max_body_bytes", "33554432",
                     "largest body of POST /admin/users/import, read only after the admin's token is checked",
                     int_setting(&Config::import_max_body_bytes, 64 * 1024, 1024 * 1024 * 1024),
                     show_int(&Config::import_max_body_bytes)));
    v.push_back(make("max_header_bytes", "16384", "largest request head accepted; larger gets 431",
                     int_setting(&Config::max_header_bytes, 4096, 1024 * 1024), show_int(&Config::max_header_bytes)));
    v.push_back(make("read_timeout", "10s", "time a client has to send a whole request; slower ones are dropped",
                     duration_setting(&Config::read_timeout, 1s, 10min), show_duration(&Config::read_timeout)));
    v.push_back(make("idle_timeout", "60s", "an idle keep-alive connection is closed after this",
                     duration_setting(&Config::idle_timeout, 1s, 1h), show_duration(&Config::idle_timeout)));
    v.push_back(make("shutdown_timeout", "10s", "on SIGTERM, time in-flight requests get to finish",
                     duration_setting(&Config::shutdown_timeout, 0s, 10min), show_duration(&Config::shutdown_timeout)));
    v.push_back(make("templates_dir", "(built in)", "folder with email templates that replace the built-in ones",
                     string_setting(&Config::templates_dir), show_string(&Config::templates_dir)));
    v.push_back(make(
        "product_name", "Tessera", "name shown in emails and pages",
        [](Config& c, std::string_view s) -> Result<void> {
          if (s.empty() || s.size() > 100 || s.find_first_of("\r\n<>") != std::string_view::npos) {
            return bad("write a short name on one line, without < or >");
          }
          c.product_name = std::string(s);
          return ok();
        },
        show_string(&Config::product_name)));
    v.push_back(make("web_dir", "(bundled)", "folder of the hosted pages", string_setting(&Config::web_dir),
                     show_string(&Config::web_dir)));
    v.push_back(make("audit_retention", "90d", "audit entries older than this are deleted",
                     duration_setting(&Config::audit_retention, 24h, 10 * kYear),
                     show_duration(&Config::audit_retention)));
    v.push_back(make(
        "log", "info", "log level: debug, info, warn, error or off",
        [](Config& c, std::string_view s) -> Result<void> {
          auto l = log::parse_level(s);
          if (!l) return bad("write debug, info, warn, error or off");
          c.log_level = *l;
          return ok();
        },
        [](const Config& c) { return std::string(log::to_string(c.log_level)); }));
    return v;
  }();
  return t;
}

// A value as an error message may show it: secrets hidden, URL passwords masked, long ones cut.
std::string quoted(std::string_view v, bool secret) {
  if (secret) return "(hidden)";
  return "\"" + mask_url_password(std::string(v.substr(0, 200))) + "\"";
}

// Flattens a TOML value to the text form the environment would give.
Result<std::string> toml_to_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (const auto* arr = node.as_array()) {
    std::string out;
    for (const auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s) return bad("write a string, a number, true/false or a list of strings");
      if (!out.empty()) out += ',';
      out += *s;
    }
    return out;
  }
  return bad("write a string, a number, true/false or a list of strings");
}

// Resolves defaults that depend on other settings and checks combinations.
Result<void> finish(Config& c) {
  if (c.issuer.empty()) c.issuer = c.public_url;
  if (c.audience.empty()) c.audience = c.issuer;
  c.cookie_secure_effective = c.cookie_secure == CookieSecure::on ||
                              (c.cookie_secure == CookieSecure::automatic && c.public_url.rfind("https://", 0) == 0);
  if (c.jwt_alg == "HS256" && c.jwt_secret.size() < 32) {
    return bad(std::string("TESSERA_JWT_SECRET: ") +
               (c.jwt_secret.empty() ? "HS256 needs a secret" : "the HS256 secret is shorter than 32 bytes") +
               "; set TESSERA_JWT_SECRET to 32 or more random bytes (openssl rand -base64 48), or choose another "
               "TESSERA_JWT_ALG");
  }
  if (c.refresh_absolute_ttl < c.refresh_ttl) {
    return bad("TESSERA_REFRESH_ABSOLUTE_TTL: shorter than TESSERA_REFRESH_TTL; make it at least " +
               format_duration(c.refresh_ttl));
  }
  if (c.refresh_ttl < c.access_ttl) {
    return bad("TESSERA_REFRESH_TTL: shorter than TESSERA_ACCESS_TTL; make it at least " +
               format_duration(c.access_ttl));
  }
  return ok();
}

}  // namespace

const std::vector<SettingInfo>& settings() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> v;
    for (const auto& s : table()) v.push_back(s.info);
    return v;
  }();
  return infos;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Result<Config> load_config(const Sources& sources) {
  Config c;
  const auto& t = table();
  const auto find = [&](std::string_view name) -> const Setting* {
    for (const auto& s : t) {
      if (s.info.name == name) return &s;
    }
    return nullptr;
  };
  const auto apply = [&](const Setting& s, std::string_view value, const std::string& where) -> Result<void> {
    auto r = s.apply(c, value);
    if (!r) return bad(where + "=" + quoted(value, s.info.secret) + ": " + r.error().detail);
    c.origins[s.info.name] = where;
    return ok();
  };

  // 1. TOML file (lowest precedence after the defaults).
  if (!sources.config_file.empty()) {
    toml::table file;
    try {
      file = toml::parse_file(sources.config_file);
    } catch (const toml::parse_error& e) {
      return bad("--config " + sources.config_file + ": " + std::string(e.description()) + " at line " +
                 std::to_string(e.source().begin.line) + "; fix the TOML syntax");
    } catch (const std::exception& e) {
      return bad("--config " + sources.config_file + ": cannot read it (" + e.what() + ")");
    }
    for (const auto& [key, node] : file) {
      const Setting* s = find(key.str());
      const std::string where = std::string(key.str()) + " in " + sources.config_file;
      if (s == nullptr) {
        return bad(where + ": unknown setting; `tessera --help` lists them");
      }
      auto text = toml_to_text(node);
      if (!text) return bad(where + ": " + text.error().detail);
      if (auto r = apply(*s, *text, where); !r) return r.error();
    }
  }
  // 2. Environment.
  for (const auto& s : t) {
    auto it = sources.env.find(s.info.env);
    if (it == sources.env.end() && s.info.name == "jwt_secret") it = sources.env.find("JWT_SECRET");
    if (it == sources.env.end()) continue;
    if (auto r = apply(s, it->second, it->first); !r) return r.error();
  }
  // 3. Flags (highest).
  for (const auto& [name, value] : sources.flags) {
    const Setting* s = find(name);
    if (s == nullptr) return bad("--" + name + ": unknown setting");
    if (auto r = apply(*s, value, s->info.flag); !r) return r.error();
  }
  if (auto r = finish(c); !r) return r.error();
  return c;
}

std::string describe(const Config& config) {
  std::string out;
  for (const auto& s : table()) {
    const auto it = config.origins.find(s.info.name);
    out +=
        s.info.name + " = " + s.show(config) + "    # " + (it == config.origins.end() ? "default" : it->second) + "\n";
  }
  return out;
}

}  // namespace tessera::config
