#pragma once
// The route table (DESIGN rule 8): each route names its method, path pattern, guard, the lane
// its handler runs on, and the handler. api/routes.cpp fills one Router with every route.
#include <boost/container/small_vector.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/method.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::http {

// Who may call a route. A guard either stops the request with an error or sets
// Request::principal before the handler runs.
struct Guard {
  enum class Kind {
    none,      // anyone
    optional,  // anyone; a valid access token, if sent, sets the principal (logout)
    user,      // a valid access token
    verified,  // a valid access token whose user has verified their email
    role,      // a valid access token carrying `role`
    aal2,      // a valid access token from a login or step-up with a second factor (aal2)
  };
  Kind kind = Kind::none;
  std::string role;

  static Guard anyone() { return {Kind::none, {}}; }
  static Guard optional_user() { return {Kind::optional, {}}; }
  static Guard user() { return {Kind::user, {}}; }
  static Guard verified() { return {Kind::verified, {}}; }
  static Guard with_role(std::string r) { return {Kind::role, std::move(r)}; }
  static Guard second_factor() { return {Kind::aal2, {}}; }
};

// Where a handler runs. Nothing that blocks or burns CPU may run on the network threads.
enum class Lane {
  network,  // cheap and non-blocking: answered on the network thread
  db,       // touches the database: the database worker pool
  hash,     // hashes a password: the hash worker pool (bounded; full -> 503)
};

using Handler = std::function<Response(Request&)>;

// What a route's body may be. JSON and forms everywhere; NDJSON (one JSON text a line) where a
// route takes many records at once.
enum class BodyKind {
  json_or_form,
  ndjson,
};

struct Route {
  Method method = Method::get;
  std::string pattern;  // "/auth/sessions/{id}": literal segments and {name} segments
  Guard guard;
  Lane lane = Lane::network;
  Handler handler;
  std::string summary;  // one line, for the API description
  BodyKind body = BodyKind::json_or_form;
  // A larger body than the server's limit, granted only once the guard has passed on the
  // request's head, so an anonymous client can never make the server hold more. 0: the limit.
  std::size_t max_body_bytes = 0;
};

class Router {
 public:
  void add(Route route);

  enum class Outcome { found, not_found, method_not_allowed };
  struct Match {
    Outcome outcome = Outcome::not_found;
    const Route* route = nullptr;
    boost::container::small_vector<std::pair<std::string_view, std::string_view>, 2> params;  // views into `path`
    std::string allow;  // for method_not_allowed: "GET, POST"
  };

  // Finds the route for `method` and `path`. HEAD falls back to GET.
  Match match(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }
  // The largest max_body_bytes of any route (0 when none has one).
  std::size_t largest_body() const { return largest_body_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;  // "{name}" marks a parameter
    std::size_t route_index;
  };
  bool matches(const Compiled& c, std::string_view path,
               boost::container::small_vector<std::pair<std::string_view, std::string_view>, 2>* params) const;

  std::vector<Route> routes_;
  std::size_t largest_body_ = 0;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // Patterns without parameters, looked up without building a string.
  std::unordered_map<std::string, std::vector<std::size_t>, StringHash, std::equal_to<>> exact_;
  std::vector<Compiled> parameterised_;
};

}  // namespace tessera::http
