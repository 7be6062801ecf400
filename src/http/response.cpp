#include "http/response.hpp"

#include <boost/json/serialize.hpp>

namespace tessera::http {

Response Response::json(int status, const boost::json::value& body) {
  return json_text(status, boost::json::serialize(body));
}

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  return r;
}

}  // namespace tessera::http
