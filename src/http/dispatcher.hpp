#pragma once
// Takes a parsed request through the route table: match (404/405), media type (415), guard
// (401/403), then the handler on its lane (503 when that lane's queue is full).
#include <boost/asio/awaitable.hpp>
#include <functional>

#include "core/result.hpp"
#include "domain/principal.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"

namespace tessera::http {

// Proves who is calling, from the request's credentials; implemented by the API layer.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller's principal, or missing_token / invalid_token.
  virtual Result<std::shared_ptr<const domain::Principal>> authenticate(const Request& request) const = 0;
};

// Runs before routing on every request and may answer it (CORS preflight, rate limits, CSRF).
// It also gets every response, to add headers (CORS). Implemented by the API layer.
class Policy {
 public:
  virtual ~Policy() = default;
  // An early answer, or nullopt to carry on.
  virtual std::optional<Response> before(Request& request) const = 0;
  // Adjusts any response before it is sent.
  virtual void after(const Request& request, Response& response) const = 0;
};

struct Lanes {
  WorkerPool* db = nullptr;
  WorkerPool* hash = nullptr;
};

class Dispatcher {
 public:
  Dispatcher(const Router& router, const Authenticator* auth, Lanes lanes, const Policy* policy = nullptr)
      : router_(router), auth_(auth), lanes_(lanes), policy_(policy) {}

  // For a request whose head has arrived: its route when that route takes bodies larger than
  // `limit` (a lookup only when the table has such a route), else null.
  // The largest body any route may take.
  std::size_t largest_body() const { return router_.largest_body(); }
  const Route* larger_body_route(Method method, std::string_view path, std::size_t limit) const;
  // Whether the head passes the route's guard, so its larger body may be read (the guard runs
  // again when the request is dispatched).
  bool admits(const Request& head, const Route& route) const;

  // Answers one request. Never throws: a handler's exception becomes a 500 and a log line.
  boost::asio::awaitable<Response> dispatch(Request& request) const;

 private:
  boost::asio::awaitable<Response> route_and_run(Request& request) const;
  Response checked(Request& request, const Route& route) const;
  // The route's guard on `request`: its principal, or the problem to answer.
  Result<std::shared_ptr<const domain::Principal>> guarded(const Request& request, const Route& route) const;

  const Router& router_;
  const Authenticator* auth_;
  Lanes lanes_;
  const Policy* policy_;
};

// True when the Content-Type (parameters ignored) is application/json.
bool is_json(std::string_view content_type);
// True when the Content-Type (parameters ignored) is application/x-www-form-urlencoded.
bool is_form(std::string_view content_type);

}  // namespace tessera::http
