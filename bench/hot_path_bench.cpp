// What one guarded request costs the server, piece by piece and without the network: checking
// the access token (a cache miss pays the Ed25519 signature, a hit does not), the revocation
// lookup every check makes, routing, and building the JSON answer (a /profile body, or the
// problem+json of a refused token). BM_GuardedProfile adds them up for one GET /profile with a
// token already verified once. crypto_bench.cpp has the per-algorithm signature numbers.
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "api/bearer_authenticator.hpp"
#include "api/resource_handlers.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "crypto/random_source.hpp"
#include "domain/access_tokens.hpp"
#include "domain/key_ring.hpp"
#include "domain/revocation_list.hpp"
#include "domain/store.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "store/open.hpp"

namespace {

namespace bj = boost::json;
namespace api = tessera::api;
namespace domain = tessera::domain;
namespace http = tessera::http;
using namespace std::chrono_literals;

// Entries live one revocation window (~15 min), so 10k is a pessimistic load, not a usual one.
constexpr std::size_t kRevocationsHeld = 10'000;
constexpr std::size_t kMissPool = 1024;  // distinct tokens per cache-miss round

// `n` revocation events, half sessions and half users (who revoked every token below
// version 5), all live: the list a busy server checks on every request.
void hold_revocations(domain::RevocationList& list, std::size_t n, tessera::Random& random, tessera::TimePoint now,
                      std::vector<std::string>* revoked_sessions = nullptr) {
  for (std::size_t i = 0; i < n; ++i) {
    domain::RevocationEvent e;
    e.id = static_cast<std::int64_t>(i + 1);
    e.kind = i % 2 == 0 ? domain::RevocationEvent::Kind::session : domain::RevocationEvent::Kind::user;
    e.subject = tessera::new_uuid(random);
    e.version = 5;
    e.created_at = now;
    e.expires_at = now + 930s;
    list.apply(e);
    if (revoked_sessions && e.kind == domain::RevocationEvent::Kind::session) revoked_sessions->push_back(e.subject);
  }
}

// KeyRing keeps its keys in a store: a real SQLite database in a temporary folder, removed
// when the benchmark ends (the guarded request itself never reads it).
struct TempSqliteStore {
  TempSqliteStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tessera-bench.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temporary folder");
    dir = pattern;
    auto opened = tessera::store::open_store("sqlite://" + (dir / "bench.db").string(), {});
    if (!opened || !opened->migrator->migrate()) throw std::runtime_error("cannot open the benchmark's SQLite store");
    store = std::move(opened->store);
  }
  ~TempSqliteStore() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TempSqliteStore(const TempSqliteStore&) = delete;
  TempSqliteStore& operator=(const TempSqliteStore&) = delete;

  std::filesystem::path dir;
  std::unique_ptr<domain::Store> store;
};

// The server's pieces as `tessera serve` wires them for the token check: the real clock (expiry
// is checked on every use, cached or not), an EdDSA key ring and a revocation list holding
// kRevocationsHeld entries, so every check pays real hash lookups rather than the empty-list
// shortcut. One user, who is in none of the revocations.
struct HotPath {
  HotPath() {
    settings.issuer = "https://auth.example.com";
    settings.audience = settings.issuer;
    if (!keys.load_or_create(*keys_store.store)) throw std::runtime_error("cannot make the signing key");
    hold_revocations(revocations, kRevocationsHeld, random, clock.now());
    user.id = domain::UserId(tessera::new_uuid(random));
    user.email = "ada@example.com";
    user.username = "ada";
    user.email_verified = true;
    user.roles = {"user"};
    user.token_version = 7;
  }

  // A verifier with an empty cache.
  std::unique_ptr<domain::AccessTokens> access_tokens() {
    return std::make_unique<domain::AccessTokens>(settings, keys, revocations, binding, clock, random);
  }

  // `n` access tokens of the user, each for a session of its own (as n clients would hold).
  std::vector<std::string> fresh_tokens(std::size_t n) {
    const auto issuer = access_tokens();
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      domain::Session session;
      session.id = domain::SessionId(tessera::new_uuid(random));
      session.auth_time = clock.now();
      auto issued = issuer->issue(user, session);
      if (!issued) throw std::runtime_error("cannot issue an access token");
      out.push_back(std::move(issued->token));
    }
    return out;
  }

  domain::Settings settings;
  tessera::SystemClock clock;
  tessera::crypto::SystemRandom random;
  TempSqliteStore keys_store;
  domain::KeyRing keys{domain::KeyRingOptions{}, clock, random};  // EdDSA, the default
  domain::RevocationList revocations;
  domain::SessionBinding binding{tessera::SecretString(std::string(32, 'b'))};
  domain::User user;
};

HotPath& hot_path() {
  static HotPath h;
  return h;
}

// The route table the server serves. The handlers only capture the services, which stay empty:
// nothing here calls a handler that needs them.
const http::Router& router() {
  static api::Services services;
  static const http::Router r = api::build_router(services);
  return r;
}

// A request as the HTTP layer hands it over, with an Authorization header unless
// `authorization` is empty. The views point into `path` and `authorization`, which must outlive it.
http::Request request_for(http::Method method, std::string_view path, const std::string& authorization = {}) {
  http::Request req;
  req.method = method;
  req.target = path;
  req.path = path;
  req.headers.push_back({"Host", "auth.example.com"});
  req.headers.push_back({"Accept", "application/json"});
  if (!authorization.empty()) req.headers.push_back({"Authorization", authorization});
  return req;
}

bool verifies(const std::string& token) { return static_cast<bool>(hot_path().access_tokens()->verify(token)); }

// --- 1. Access token verification -----------------------------------------------------------

// A token the server has not seen: signature and claims, then the revocation check, then the
// cache insert. Each iteration verifies another token; once the pool is used up they are all
// cached, so the verifier is replaced by one with an empty cache, off the clock.
void BM_VerifyCacheMiss(benchmark::State& state) {
  auto& h = hot_path();
  const auto tokens = h.fresh_tokens(kMissPool);
  if (!verifies(tokens.front())) return state.SkipWithError("the token does not verify");
  auto verifier = h.access_tokens();
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == tokens.size()) {
      state.PauseTiming();
      verifier = h.access_tokens();
      next = 0;
      state.ResumeTiming();
    }
    auto principal = verifier->verify(tokens[next++]);
    benchmark::DoNotOptimize(principal);
  }
  state.SetLabel("EdDSA, token " + std::to_string(tokens.front().size()) + " B");
}

// The same token again (what a client does for 15 minutes): hash the text, find it under the
// shard's lock, re-check expiry and revocation.
void BM_VerifyCacheHit(benchmark::State& state) {
  auto& h = hot_path();
  const std::string token = h.fresh_tokens(1).front();
  const auto verifier = h.access_tokens();
  if (!verifier->verify(token)) return state.SkipWithError("the token does not verify");
  for (auto _ : state) {
    auto principal = verifier->verify(token);
    benchmark::DoNotOptimize(principal);
  }
}

// The route guard's whole token step on a cache hit: find the one Authorization header, strip
// "Bearer ", verify.
void BM_BearerGuardCacheHit(benchmark::State& state) {
  auto& h = hot_path();
  const std::string authorization = "Bearer " + h.fresh_tokens(1).front();
  const auto verifier = h.access_tokens();
  const api::BearerAuthenticator guard(*verifier);
  const http::Request req = request_for(http::Method::get, "/profile", authorization);
  if (!guard.authenticate(req)) return state.SkipWithError("the token does not verify");
  for (auto _ : state) {
    auto principal = guard.authenticate(req);
    benchmark::DoNotOptimize(principal);
  }
}

// --- 2. Revocation lookup -------------------------------------------------------------------

// Argument: entries held. A live token (the common case) probes both the session and the user
// map and finds neither.
void BM_RevocationNotRevoked(benchmark::State& state) {
  tessera::crypto::SystemRandom random;
  domain::RevocationList list;
  hold_revocations(list, static_cast<std::size_t>(state.range(0)), random, tessera::SystemClock{}.now());
  const std::string session = tessera::new_uuid(random);
  const std::string user = tessera::new_uuid(random);
  if (list.is_revoked(session, user, 7)) return state.SkipWithError("a live token counted as revoked");
  for (auto _ : state) {
    bool revoked = list.is_revoked(session, user, 7);
    benchmark::DoNotOptimize(revoked);
  }
  state.SetLabel(std::to_string(list.size()) + " entries");
}

// A token of a revoked session: found in the session map, the user map is not probed.
void BM_RevocationRevokedSession(benchmark::State& state) {
  tessera::crypto::SystemRandom random;
  domain::RevocationList list;
  std::vector<std::string> sessions;
  hold_revocations(list, static_cast<std::size_t>(state.range(0)), random, tessera::SystemClock{}.now(), &sessions);
  const std::string session = sessions[sessions.size() / 2];
  const std::string user = tessera::new_uuid(random);
  if (!list.is_revoked(session, user, 7)) return state.SkipWithError("a revoked session was let through");
  for (auto _ : state) {
    bool revoked = list.is_revoked(session, user, 7);
    benchmark::DoNotOptimize(revoked);
  }
  state.SetLabel(std::to_string(list.size()) + " entries");
}

// --- 3. Routing -----------------------------------------------------------------------------

void match_repeatedly(benchmark::State& state, http::Method method, std::string_view path,
                      http::Router::Outcome expected) {
  const auto& r = router();
  if (r.match(method, path).outcome != expected) return state.SkipWithError("unexpected routing outcome");
  for (auto _ : state) {
    auto m = r.match(method, path);
    benchmark::DoNotOptimize(m);
  }
  state.SetLabel(std::to_string(r.routes().size()) + " routes");
}

// A path with a parameter: found among the parameterised patterns, then its {id} extracted.
void BM_RouteParam(benchmark::State& state) {
  match_repeatedly(state, http::Method::delete_, "/auth/sessions/0b9e6c5e-4f1d-4e7a-9a53-3c1f2d8e7b60",
                   http::Router::Outcome::found);
}

// A static path: one hash lookup, though match() still tries every parameterised pattern.
void BM_RouteStatic(benchmark::State& state) {
  match_repeatedly(state, http::Method::get, "/profile", http::Router::Outcome::found);
}

// A path nothing serves (scanners): every lookup fails.
void BM_RouteNotFound(benchmark::State& state) {
  match_repeatedly(state, http::Method::get, "/wp-admin/setup-config.php", http::Router::Outcome::not_found);
}

// --- 4. Response bodies ---------------------------------------------------------------------

domain::Principal profile_principal() {
  const auto& u = hot_path().user;
  domain::Principal p;
  p.user_id = u.id;
  p.session_id = domain::SessionId("2f6d0c1a-8b3e-4c59-a7d2-91e0f4b6c3a8");
  p.email = u.email;
  p.username = u.username;
  p.email_verified = u.email_verified;
  p.roles = u.roles;
  return p;
}

// The GET /profile handler: build {"id","username","email"} and serialise it into a Response.
void BM_ProfileResponse(benchmark::State& state) {
  http::Request req = request_for(http::Method::get, "/profile");
  req.principal = std::make_shared<const domain::Principal>(profile_principal());
  for (auto _ : state) {
    auto response = api::profile(req);
    benchmark::DoNotOptimize(response);
  }
}

// Only boost::json::serialize of that object, built once: how much of the above is writing text.
void BM_SerializeProfileObject(benchmark::State& state) {
  const auto p = profile_principal();
  const bj::object body{{"id", p.user_id.str()}, {"username", p.username}, {"email", p.email}};
  for (auto _ : state) {
    auto text = bj::serialize(body);
    benchmark::DoNotOptimize(text);
  }
}

// The 401 problem+json a refused token gets, with its WWW-Authenticate challenge.
void BM_ProblemInvalidToken(benchmark::State& state) {
  const tessera::Error error = tessera::make_error(tessera::errc::invalid_token, "", "bad_signature");
  for (auto _ : state) {
    auto response = http::problem(error);
    benchmark::DoNotOptimize(response);
  }
}

// --- All together ---------------------------------------------------------------------------

// GET /profile with a token verified before: the Request object, route, guard (cache hit),
// handler. Not counted: reading and parsing the request, writing the response, the
// dispatcher's logging and metrics.
void BM_GuardedProfile(benchmark::State& state) {
  auto& h = hot_path();
  const std::string authorization = "Bearer " + h.fresh_tokens(1).front();
  const auto verifier = h.access_tokens();
  const api::BearerAuthenticator guard(*verifier);
  const auto& r = router();
  if (!guard.authenticate(request_for(http::Method::get, "/profile", authorization))) {
    return state.SkipWithError("the token does not verify");
  }
  for (auto _ : state) {
    http::Request req = request_for(http::Method::get, "/profile", authorization);
    const auto m = r.match(req.method, req.path);
    auto principal = guard.authenticate(req);
    if (m.route == nullptr || !principal) {
      state.SkipWithError("the request was refused");
      break;
    }
    req.principal = std::move(*principal);
    auto response = m.route->handler(req);
    benchmark::DoNotOptimize(response);
  }
}

BENCHMARK(BM_VerifyCacheMiss);
BENCHMARK(BM_VerifyCacheHit);
BENCHMARK(BM_BearerGuardCacheHit);
BENCHMARK(BM_RevocationNotRevoked)->Arg(0)->Arg(kRevocationsHeld);
BENCHMARK(BM_RevocationRevokedSession)->Arg(kRevocationsHeld);
BENCHMARK(BM_RouteParam);
BENCHMARK(BM_RouteStatic);
BENCHMARK(BM_RouteNotFound);
BENCHMARK(BM_ProfileResponse);
BENCHMARK(BM_SerializeProfileObject);
BENCHMARK(BM_ProblemInvalidToken);
BENCHMARK(BM_GuardedProfile);

}  // namespace

BENCHMARK_MAIN();
