#include "support/app_fixture.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "crypto/random_source.hpp"
#include "domain/audit_log.hpp"
#include "support/check.hpp"

namespace tessera::fuzz {
namespace {

const domain::Actor kFixture{"fuzz-fixture", {"127.0.0.1", "fuzz"}};

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tessera-fuzz-XXXXXX";
  FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "cannot make a temporary directory");
  return pattern;
}

std::string& dir_to_remove() {
  static std::string dir;
  return dir;
}

void replace_all(std::string& s, std::string_view mark, std::string_view value) {
  for (std::size_t at = s.find(mark); at != std::string::npos; at = s.find(mark, at + value.size())) {
    s.replace(at, mark.size(), value);
  }
}

}  // namespace

std::map<std::string, std::string> App::environment() {
  return {
      {"TESSERA_PUBLIC_URL", "http://127.0.0.1:8080"},
      {"TESSERA_ARGON2_MEMORY_KIB", "1024"},  // the smallest the configuration allows
      {"TESSERA_ARGON2_ITERATIONS", "1"},
      {"TESSERA_ACCESS_TTL", "24h"},  // fuzz runs outlast the default 15 minutes
      {"TESSERA_RATE_LIMITS", "off"},
      {"TESSERA_LOG", "error"},
      {"TESSERA_DB_WORKERS", "2"},
      {"TESSERA_CORS_ORIGINS", "https://app.example.test"},
      {"TESSERA_TRUSTED_PROXIES", "127.0.0.1/32,10.0.0.0/8,::1"},
  };
}

void App::make_user(bool admin) {
  const std::string n = std::to_string(++generation_);
  domain::NewUser input;
  input.email = (admin ? "admin" : "user") + n + "@fuzz.test";
  input.username = (admin ? "fuzzadmin" : "fuzzuser") + n;
  input.password = std::string(kPassword);
  input.email_verified = true;
  if (admin) input.roles = {"admin"};
  auto created = rt->admin->create_user(kFixture, input);
  if (!created) std::fprintf(stderr, "fixture: create_user: %s\n", created.error().detail.c_str());
  FUZZ_CHECK(created.has_value(), "the fixture cannot create an account");
  user_ids.insert(created->id.str());
  auto session = rt->accounts->login(input.email, domain::IdentifierField::email, kPassword, kFixture.client);
  if (!session) std::fprintf(stderr, "fixture: login: %s\n", session.error().detail.c_str());
  FUZZ_CHECK(session.has_value(), "the fixture cannot log in");
  if (admin) {
    admin_token = session->access_token;
  } else {
    user_token = session->access_token;
    refresh_token = std::string(session->refresh_token.reveal());
  }
}

void App::refresh() {
  auto user = rt->tokens->verify(user_token);
  if (!user || !(*user)->email_verified) make_user(false);
  auto admin = rt->tokens->verify(admin_token);
  if (!admin || !(*admin)->has_role("admin")) make_user(true);
}

std::string App::substitute(std::string_view input) const {
  std::string s(input);
  replace_all(s, kUserTokenMark, user_token);
  replace_all(s, kAdminTokenMark, admin_token);
  replace_all(s, kRefreshTokenMark, refresh_token);
  return s;
}

App& app() {
  static App* a = [] {
    crypto::init();
    auto* built = new App;  // never destroyed: worker threads may still run at exit
    built->dir = make_temp_dir();
    dir_to_remove() = built->dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir_to_remove(), ec);
    });
    config::Sources sources;
    sources.env = App::environment();
    sources.env["TESSERA_DATABASE"] = "sqlite://" + built->dir + "/fuzz.db";
    auto config = config::load_config(sources);
    if (!config) std::fprintf(stderr, "fixture: %s\n", config.error().detail.c_str());
    FUZZ_CHECK(config.has_value(), "the fixture's configuration is refused");
    built->config = std::move(*config);
    log::set_level(built->config.log_level);
    auto rt = app::build_runtime(built->config, app::Migrations::apply);
    if (!rt) std::fprintf(stderr, "fixture: %s\n", rt.error().detail.c_str());
    FUZZ_CHECK(rt.has_value(), "the fixture's runtime cannot be built");
    built->rt = std::move(*rt);
    domain::NewUser login;
    login.email = std::string(kLoginEmail);
    login.username = std::string(kLoginUsername);
    login.password = std::string(kPassword);
    login.email_verified = true;
    auto created = built->rt->admin->create_user(kFixture, login);
    FUZZ_CHECK(created.has_value(), "the fixture cannot create the login account");
    built->user_ids.insert(created->id.str());
    built->make_user(false);
    built->make_user(true);
    return built;
  }();
  return *a;
}

}  // namespace tessera::fuzz
