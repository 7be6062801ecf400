#include "store/postgres/target.hpp"

#include <libpq-fe.h>

#include <memory>
#include <vector>

namespace tessera::store::postgres {
namespace {

constexpr std::string_view kMask = "****";

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

// The password of the URL's userinfo as written (still percent-encoded); "" when there is none.
// The userinfo ends at the *last* '@' before the path: a password may contain '@' unencoded.
std::string_view userinfo_password(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto start = scheme_end + 3;
  const auto path = url.find_first_of("/?#", start);
  const auto authority_end = path == std::string_view::npos ? url.size() : path;
  if (authority_end == start) return {};
  const auto at = url.rfind('@', authority_end - 1);
  if (at == std::string_view::npos || at < start) return {};
  const auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return {};
  return url.substr(colon + 1, at - colon - 1);
}

// The values of password=... parameters in the query string, as written.
std::vector<std::string_view> query_passwords(std::string_view url) {
  std::vector<std::string_view> out;
  const auto q = url.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = url.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    constexpr std::string_view kKey = "password=";
    if (pair.starts_with(kKey)) out.push_back(pair.substr(kKey.size()));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

Error url_error(std::string detail) {
  // The same text for the operator (detail) and the log (reason): neither holds the password.
  return make_error(errc::database_unavailable, "TESSERA_DATABASE: " + detail, "postgres: " + detail);
}

struct OptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

}  // namespace

std::string mask_url(std::string_view url) {
  std::string out(url);
  for (const auto value : query_passwords(url)) {
    if (!value.empty()) replace_all(out, "password=" + std::string(value), "password=" + std::string(kMask));
  }
  const auto password = userinfo_password(out);
  if (!password.empty()) {
    const auto at = static_cast<std::size_t>(password.data() - out.data());
    out.replace(at, password.size(), kMask);
  }
  return out;
}

std::string redact(std::string_view text, const Target& target) {
  std::string out(text);
  if (!target.url.empty()) replace_all(out, target.url, mask_url(target.url));
  replace_all(out, userinfo_password(target.url), kMask);
  for (const auto value : query_passwords(target.url)) replace_all(out, value, kMask);
  replace_all(out, target.password, kMask);
  return out;
}

Result<Target> parse_target(std::string_view url) {
  Target t;
  t.url = std::string(url);
  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> options(PQconninfoParse(t.url.c_str(), &message));
  if (!options) {
    std::string why = message != nullptr ? message : "out of memory";
    PQfreemem(message);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return url_error("cannot read the PostgreSQL URL " + mask_url(url) + ": " + redact(why, t) +
                     " (write postgres://user:password@host:port/database)");
  }
  std::string user, host, port, dbname;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view key = o->keyword;
    if (key == "user") user = o->val;
    if (key == "host") host = o->val;
    if (key == "hostaddr" && host.empty()) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "password") t.password = o->val;
  }
  t.shown = "postgres://";
  if (!user.empty()) t.shown += user + "@";
  t.shown += host.empty() ? "localhost" : host;
  if (!port.empty()) t.shown += ":" + port;
  t.shown += "/" + dbname;
  return t;
}

}  // namespace tessera::store::postgres
