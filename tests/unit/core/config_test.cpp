#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config/config.hpp"

namespace tessera::config {
namespace {

std::string write_toml(const std::string& text) {
  char name[] = "/tmp/tessera-config-XXXXXX";
  const int fd = mkstemp(name);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, HasTheDefaultsOfTheSpec) {
  auto c = load_config({});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->public_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c->issuer, "http://127.0.0.1:8080");
  EXPECT_EQ(c->audience, c->issuer);
  EXPECT_EQ(c->database, "sqlite://./tessera.db");
  EXPECT_EQ(c->jwt_alg, "ES256");  // issue 19: the widest-supported algorithm (SPEC §5 said EdDSA)
  EXPECT_EQ(c->access_ttl.count(), 900);
  EXPECT_EQ(c->refresh_ttl.count(), 7 * 86400);
  EXPECT_EQ(c->refresh_reuse_grace.count(), 10);
  EXPECT_EQ(c->argon2_memory_kib, 19456u);
  EXPECT_EQ(c->argon2_iterations, 2u);
  EXPECT_TRUE(c->rate_limits);
  EXPECT_FALSE(c->require_verified);
  EXPECT_FALSE(c->cookie_secure_effective);
}

TEST(Config, FlagsBeatEnvironmentWhichBeatsTheFile) {
  const auto file = write_toml("access_ttl = \"1h\"\nrefresh_ttl = \"2d\"\nlog = \"warn\"\n");
  Sources s;
  s.config_file = file;
  s.env = {{"TESSERA_ACCESS_TTL", "30m"}, {"TESSERA_LOG", "debug"}};
  s.flags = {{"access_ttl", "5m"}};
  auto c = load_config(s);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->access_ttl.count(), 300);         // flag
  EXPECT_EQ(c->log_level, log::Level::debug);    // environment over file
  EXPECT_EQ(c->refresh_ttl.count(), 2 * 86400);  // file
  EXPECT_EQ(c->origins.at("access_ttl"), "--access-ttl");
  EXPECT_EQ(c->origins.at("log"), "TESSERA_LOG");
  std::remove(file.c_str());
}

TEST(Config, NamesTheSettingAndTheFixInOneLine) {
  Sources s;
  s.env = {{"TESSERA_ACCESS_TTL", "15x"}};
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("TESSERA_ACCESS_TTL"), std::string::npos);
  EXPECT_NE(c.error().detail.find("15m"), std::string::npos);
  EXPECT_EQ(c.error().detail.find('\n'), std::string::npos);
}

TEST(Config, RefusesAnUnknownKeyInTheFile) {
  const auto file = write_toml("acess_ttl = \"1h\"\n");
  Sources s;
  s.config_file = file;
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("acess_ttl"), std::string::npos);
  std::remove(file.c_str());
}

TEST(Config, ReportsATomlSyntaxErrorWithItsLine) {
  const auto file = write_toml("a = \n");
  Sources s;
  s.config_file = file;
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("line 1"), std::string::npos);
  std::remove(file.c_str());
}

TEST(Config, RequiresAStrongSecretForHs256AndAcceptsTheJwtSecretAlias) {
  Sources s;
  s.env = {{"TESSERA_JWT_ALG", "HS256"}};
  EXPECT_FALSE(load_config(s));
  s.env["JWT_SECRET"] = "tiny-secret";
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("32 bytes"), std::string::npos);
  EXPECT_EQ(c.error().detail.find("tiny-secret"), std::string::npos);  // the secret is never echoed
  s.env["JWT_SECRET"] = std::string(32, 'k');
  EXPECT_TRUE(load_config(s));
}

TEST(Config, ChecksValuesEachInTheirOwnTerms) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"TESSERA_LISTEN", "8080"},
      {"TESSERA_LISTEN", "127.0.0.1:99999"},
      {"TESSERA_PUBLIC_URL", "ftp://x"},
      {"TESSERA_DATABASE", "mysql://x"},
      {"TESSERA_SMTP_URL", "http://x"},
      {"TESSERA_JWT_ALG", "none"},
      {"TESSERA_JWT_ALG", "hs256"},
      {"TESSERA_RATE_LIMITS", "maybe"},
      {"TESSERA_ARGON2_MEMORY_KIB", "12"},
      {"TESSERA_COOKIE_SECURE", "sometimes"},
      {"TESSERA_CORS_ORIGINS", "example.com"},
      {"TESSERA_LOG", "loud"},
      {"TESSERA_ACCESS_TTL", "2d"},
      {"TESSERA_PASSWORD_MIN_LENGTH", "4"},
      {"TESSERA_SMTP_FROM", "a\r\nBcc: x"},
      {"TESSERA_MASTER_KEY", "short"},
  };
  for (const auto& [k, v] : bad) {
    Sources s;
    s.env = {{k, v}};
    auto c = load_config(s);
    EXPECT_FALSE(c) << k << "=" << v;
    if (!c) {
      EXPECT_NE(c.error().detail.find(k), std::string::npos) << c.error().detail;
    }
  }
}

TEST(Config, RefusesAnAbsoluteLifetimeShorterThanTheIdleOne) {
  Sources s;
  s.env = {{"TESSERA_REFRESH_TTL", "30d"}, {"TESSERA_REFRESH_ABSOLUTE_TTL", "7d"}};
  EXPECT_FALSE(load_config(s));
}

TEST(Config, TurnsOnSecureCookiesForHttpsPublicUrls) {
  Sources s;
  s.env = {{"TESSERA_PUBLIC_URL", "https://auth.example.com/"}};
  auto c = load_config(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->public_url, "https://auth.example.com");
  EXPECT_TRUE(c->cookie_secure_effective);
  s.env["TESSERA_COOKIE_SECURE"] = "false";
  EXPECT_FALSE(load_config(s)->cookie_secure_effective);
}

TEST(Config, MasksSecretsWhenDescribed) {
  Sources s;
  s.env = {{"TESSERA_SMTP_URL", "smtp://me:hunter2@smtp.example.com:587"},
           {"TESSERA_DATABASE", "postgres://app:s3cret@db:5432/auth"},
           {"TESSERA_JWT_SECRET", std::string(40, 'z')}};
  auto c = load_config(s);
  ASSERT_TRUE(c);
  const std::string text = describe(*c);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("zzzz"), std::string::npos);
  EXPECT_NE(text.find("smtp://me:****@smtp.example.com:587"), std::string::npos);
  EXPECT_NE(text.find("jwt_secret = (set, 40 bytes)"), std::string::npos);
}

TEST(Config, MasksAPasswordThatContainsAnAtSign) {
  Sources s;
  s.env = {{"TESSERA_SMTP_URL", "smtp://me@gmail.com:p@ss@smtp.gmail.com:587"}};
  auto c = load_config(s);
  ASSERT_TRUE(c);
  const std::string text = describe(*c);
  EXPECT_EQ(text.find("p@ss"), std::string::npos);
  EXPECT_NE(text.find("@smtp.gmail.com:587"), std::string::npos);
}

TEST(Config, NeverEchoesAUrlPasswordInAnError) {
  Sources s;
  s.env = {{"TESSERA_SMTP_URL", "http://user:s3cret@host:587"}};
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().detail.find("s3cret"), std::string::npos) << c.error().detail;
  s.env = {{"TESSERA_DATABASE", "mysql://user:s3cret@host/db"}};
  c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().detail.find("s3cret"), std::string::npos) << c.error().detail;
}

TEST(Config, EverySettingHasAnEnvironmentNameAndAFlag) {
  for (const auto& s : settings()) {
    EXPECT_EQ(s.env.rfind("TESSERA_", 0), 0u) << s.name;
    EXPECT_EQ(s.flag.rfind("--", 0), 0u) << s.name;
    EXPECT_FALSE(s.help.empty()) << s.name;
  }
}

// The value --print-config shows for `name` in `described` (describe()'s "name = value    # source").
std::string shown(const std::string& described, const std::string& name) {
  const std::string key = name + " = ";
  for (std::size_t at = 0; at < described.size();) {
    const auto end = described.find('\n', at);
    const std::string line = described.substr(at, end - at);
    if (line.starts_with(key)) return line.substr(key.size(), line.rfind("    # ") - key.size());
    at = end == std::string::npos ? described.size() : end + 1;
  }
  return "(not shown)";
}

// A default is written twice, as the struct's initialiser and as the help's default text: they
// must agree. Every setting whose default text is a value is given that text explicitly, and
// must come out as the untouched default does.
TEST(Config, EveryDefaultTextIsTheValueTheSettingHasByDefault) {
  auto plain = load_config({});
  ASSERT_TRUE(plain);
  const std::string defaults = describe(*plain);
  std::size_t checked = 0;
  for (const auto& s : settings()) {
    if (s.default_text.empty() || s.default_text.front() == '(' || s.secret) continue;  // "(none)", "(from public_url)"
    Sources given;
    given.flags[s.name] = s.default_text;
    auto c = load_config(given);
    ASSERT_TRUE(c) << s.name << " = " << s.default_text << ": " << c.error().detail;
    EXPECT_EQ(shown(describe(*c), s.name), shown(defaults, s.name))
        << s.name << "'s default text is " << s.default_text;
    ++checked;
  }
  EXPECT_GE(checked, 30u);
}

}  // namespace
}  // namespace tessera::config
