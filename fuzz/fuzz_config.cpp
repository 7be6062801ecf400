// fuzz_config: durations, rate rules and the whole configuration loader.
//
// The first input byte picks a mode; the rest is the text:
//
//   0  config::parse_duration: what it accepts is a whole number and one unit, at most 10
//      years, and format_duration() writes it back as text that parses to the same value
//   1  parse_rate_rule: what it accepts formats back to text that parses to the same rule
//   2  load_config with the text as the value of one setting (the next byte picks which, in
//      settings() order), given as its environment variable and then as its flag
//   3  load_config with an environment made of the text's NAME=VALUE lines (combinations)
//   4  load_config with the text as the TOML file (written to a temporary file per input)
// Whatever loads, describe() must show no secret: it is the same whatever the secrets are.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/duration.hpp"
#include "core/rate_rule.hpp"
#include "support/check.hpp"

namespace {

using namespace tessera;

constexpr std::int64_t kTenYears = 10LL * 366 * 24 * 3600;

void fuzz_duration(std::string_view text) {
  auto d = config::parse_duration(text);
  if (!d) {
    FUZZ_CHECK(d.code() == errc::invalid_request, "a bad duration is not invalid_request");
    return;
  }
  FUZZ_CHECK(text.size() >= 2, "a duration without a number or unit was accepted");
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: FUZZ_CHECK(false, "a duration without a known unit was accepted");
  }
  __int128 n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    FUZZ_CHECK(c >= '0' && c <= '9', "a duration with a non-digit was accepted");
    n = n * 10 + (c - '0');
    FUZZ_CHECK(n * unit <= kTenYears, "a duration over 10 years was accepted");
  }
  FUZZ_CHECK(n * unit == d->count(), "a duration parsed to the wrong number of seconds");
  auto again = config::parse_duration(config::format_duration(*d));
  FUZZ_CHECK(again && *again == *d, "format_duration does not round-trip");
}

void fuzz_rate_rule(std::string_view text) {
  auto r = parse_rate_rule(text);
  if (!r) return;
  FUZZ_CHECK(r->count >= 0 && r->period.count() >= 0, "a negative rate rule was accepted");
  auto again = parse_rate_rule(format_rate_rule(*r));
  FUZZ_CHECK(again && again->count == r->count && again->period == r->period, "format_rate_rule does not round-trip");
}

// describe() with every secret replaced by another of the same length must read the same.
void check_describe(const config::Sources& sources, const config::Config& c) {
  const std::string shown = config::describe(c);
  config::Sources other = sources;
  bool any_secret = false;
  for (const auto& s : config::settings()) {
    if (!s.secret) continue;
    for (auto* map : {&other.env, &other.flags}) {
      for (const std::string& key : {s.env, s.name, std::string("JWT_SECRET")}) {
        auto it = map->find(key);
        if (it != map->end() && !it->second.empty()) {
          it->second.assign(it->second.size(), 'x');
          any_secret = true;
        }
      }
    }
  }
  if (!any_secret) return;
  auto c2 = config::load_config(other);
  if (!c2) return;  // e.g. the secret was trimmed to a shorter length first
  FUZZ_CHECK(config::describe(*c2) == shown, "describe() shows something of a secret");
}

void load(const config::Sources& sources) {
  auto c = config::load_config(sources);
  if (!c) {
    FUZZ_CHECK(c.code() == errc::invalid_request, "a bad setting is not invalid_request");
    FUZZ_CHECK(!c.error().detail.empty(), "a bad setting has no message");
    return;
  }
  FUZZ_CHECK(!c->issuer.empty() && !c->audience.empty(), "issuer or audience left empty");
  FUZZ_CHECK(c->refresh_absolute_ttl >= c->refresh_ttl && c->refresh_ttl >= c->access_ttl,
             "session lifetimes out of order were accepted");
  FUZZ_CHECK(c->jwt_alg != "HS256" || c->jwt_secret.size() >= 32, "HS256 with a short secret was accepted");
  check_describe(sources, *c);
}

void fuzz_one_setting(std::string_view rest) {
  if (rest.empty()) return;
  const auto& all = config::settings();
  const auto& s = all[static_cast<unsigned char>(rest[0]) % all.size()];
  const std::string value(rest.substr(1));
  config::Sources env;
  env.env[s.env] = value;
  load(env);
  config::Sources flags;
  flags.flags[s.name] = value;
  load(flags);
}

void fuzz_environment(std::string_view text) {
  config::Sources sources;
  while (!text.empty() && sources.env.size() < 32) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    sources.env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  load(sources);
}

const std::string& toml_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tessera-fuzz-config-XXXXXX";
    const int fd = mkstemp(pattern.data());
    FUZZ_CHECK(fd >= 0, "cannot make a temporary file");
    close(fd);
    static std::string to_remove = pattern;
    std::atexit([] { std::remove(to_remove.c_str()); });
    return pattern;
  }();
  return path;
}

void fuzz_toml(std::string_view text) {
  {
    std::ofstream f(toml_path(), std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  config::Sources sources;
  sources.config_file = toml_path();
  load(sources);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: fuzz_duration(rest); break;
    case 1: fuzz_rate_rule(rest); break;
    case 2: fuzz_one_setting(rest); break;
    case 3: fuzz_environment(rest); break;
    default: fuzz_toml(rest); break;
  }
  return 0;
}
