#include "api/resource_handlers.hpp"

#include <boost/json/object.hpp>

namespace tessera::api {

namespace {
boost::json::value or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}
}  // namespace

http::Response data(http::Request& req) {
  return http::Response::json(
      200, boost::json::object{{"data", "This is the secret data."}, {"user_id", req.principal->user_id.str()}});
}

http::Response profile(http::Request& req) {
  const auto& p = *req.principal;
  return http::Response::json(
      200,
      boost::json::object{{"id", p.user_id.str()}, {"username", or_null(p.username)}, {"email", or_null(p.email)}});
}

http::Response verified_data(http::Request& req) {
  return http::Response::json(200, boost::json::object{{"data", "This is the secret data for verified accounts."},
                                                       {"user_id", req.principal->user_id.str()}});
}

http::Response second_factor_data(http::Request& req) {
  return http::Response::json(200,
                              boost::json::object{{"data", "This is the secret data for logins with a second factor."},
                                                  {"user_id", req.principal->user_id.str()}});
}

}  // namespace tessera::api
