#pragma once
// What a handler answers: status, body and extra headers. The server adds Date-free framing,
// X-Request-Id, security headers and Connection handling.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tessera::http {

struct Response {
  int status = 200;
  std::string content_type;  // empty when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Not sent: the error behind a problem response, so the log line can name its reason.
  std::string error_code;
  std::string error_reason;

  // A JSON body.
  static Response json(int status, const boost::json::value& body);
  // An already-serialised JSON body.
  static Response json_text(int status, std::string body);
  // A text/plain body (seed 001's POST /login answers the bare token).
  static Response text(int status, std::string body);
  // A text/html body.
  static Response html(int status, std::string body);
  // 204 No Content.
  static Response no_content();

  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // Adds Cache-Control: no-store (responses that hold a token, SPEC §2).
  Response& no_store() { return with_header("Cache-Control", "no-store"); }
};

}  // namespace tessera::http
