#include "http/dispatcher.hpp"

#include <exception>

#include "core/log.hpp"
#include "http/problem.hpp"

namespace tessera::http {
namespace {

std::string_view media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return t;
}

bool is_ndjson(std::string_view content_type) {
  const auto t = media_type(content_type);
  return iequals(t, "application/x-ndjson") || iequals(t, "application/jsonl");
}

// A body must be JSON or a form (or NDJSON where the route takes it). A Content-Type of anything
// else is refused even without a body: text/plain and multipart/form-data are what a
// cross-site form can send without a CORS preflight (SPEC §2).
std::optional<Error> check_media_type(const Request& request, const Route& route) {
  const std::string_view ct = request.header("content-type");
  if (route.body == BodyKind::ndjson) {
    if (is_ndjson(ct) || (ct.empty() && request.body.empty())) return std::nullopt;
    return make_error(errc::unsupported_media_type, "Send the body as application/x-ndjson: one JSON object a line.");
  }
  if (ct.empty()) {
    if (request.body.empty()) return std::nullopt;
    return make_error(errc::unsupported_media_type,
                      "Send the body as application/json or application/x-www-form-urlencoded.");
  }
  if (is_json(ct) || is_form(ct)) return std::nullopt;
  return make_error(errc::unsupported_media_type,
                    "Content-Type " + std::string(media_type(ct).substr(0, 100)) +
                        " is not accepted; send application/json or application/x-www-form-urlencoded.");
}

Response internal_error(const Request& request, std::string_view what) {
  log::error("handler_failed").str("request_id", request.request_id).str("route", request.route).str("what", what);
  return problem(errc::internal_error);
}

}  // namespace

bool is_json(std::string_view content_type) { return iequals(media_type(content_type), "application/json"); }

bool is_form(std::string_view content_type) {
  return iequals(media_type(content_type), "application/x-www-form-urlencoded");
}

Response Dispatcher::checked(Request& request, const Route& route) const {
  try {
    return route.handler(request);
  } catch (const std::exception& e) {
    return internal_error(request, e.what());
  } catch (...) {
    return internal_error(request, "unknown exception");
  }
}

Result<std::shared_ptr<const domain::Principal>> Dispatcher::guarded(const Request& request, const Route& route) const {
  if (auth_ == nullptr) return make_error(errc::internal_error);
  auto principal = auth_->authenticate(request);
  if (!principal) return std::move(principal).error();
  if (route.guard.kind == Guard::Kind::verified && !(*principal)->email_verified) {
    return make_error(errc::email_not_verified);
  }
  if (route.guard.kind == Guard::Kind::role && !(*principal)->has_role(route.guard.role)) {
    return make_error(errc::forbidden);
  }
  if (route.guard.kind == Guard::Kind::aal2 && !(*principal)->has_aal2()) {
    return make_error(errc::step_up_required, "This needs a login with a second factor.",
                      "guard: the token is " + (*principal)->aal);
  }
  return principal;
}

const Route* Dispatcher::larger_body_route(Method method, std::string_view path, std::size_t limit) const {
  if (router_.largest_body() <= limit) return nullptr;
  const auto m = router_.match(method, path);
  if (m.outcome != Router::Outcome::found || m.route->max_body_bytes <= limit) return nullptr;
  return m.route;
}

bool Dispatcher::admits(const Request& head, const Route& route) const {
  if (route.guard.kind == Guard::Kind::none || route.guard.kind == Guard::Kind::optional) return true;
  return guarded(head, route).has_value();
}

boost::asio::awaitable<Response> Dispatcher::dispatch(Request& request) const {
  std::optional<Response> early;
  if (policy_ != nullptr) early = policy_->before(request);
  // Kept as plain statements: g++ 12 miscompiles a co_await inside a conditional expression.
  Response response;
  if (early) {
    response = std::move(*early);
  } else {
    response = co_await route_and_run(request);
  }
  if (policy_ != nullptr) policy_->after(request, response);
  co_return response;
}

boost::asio::awaitable<Response> Dispatcher::route_and_run(Request& request) const {
  auto m = router_.match(request.method, request.path);
  if (m.outcome == Router::Outcome::not_found) co_return problem(errc::not_found);
  if (m.outcome == Router::Outcome::method_not_allowed) {
    auto r = problem(errc::method_not_allowed);
    r.with_header("Allow", m.allow);
    co_return r;
  }
  const Route& route = *m.route;
  request.route = route.pattern;
  request.path_params = std::move(m.params);
  if (auto bad = check_media_type(request, route)) co_return problem(*bad);

  if (route.guard.kind == Guard::Kind::optional && auth_ != nullptr) {
    if (auto principal = auth_->authenticate(request)) request.principal = std::move(*principal);
  } else if (route.guard.kind != Guard::Kind::none) {
    auto principal = guarded(request, route);
    if (!principal) co_return problem(principal.error());
    request.principal = std::move(*principal);
  }

  WorkerPool* pool = route.lane == Lane::db ? lanes_.db : route.lane == Lane::hash ? lanes_.hash : nullptr;
  if (pool == nullptr) co_return checked(request, route);
  auto done = co_await pool->run([this, &request, &route] { return checked(request, route); });
  if (!done) {
    auto e = make_error(errc::overloaded, {}, pool->name() + " queue full");
    e.retry_after_s = 1;
    co_return problem(e);
  }
  co_return std::move(*done);
}

}  // namespace tessera::http
