#include "http/response_writer.hpp"

#include <charconv>
#include <ctime>

#include "http/problem.hpp"
#include "http/request.hpp"

namespace tessera::http {
namespace {

void append_safe(std::string& out, std::string_view v) {
  for (char c : v) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
}

void append_number(std::string& out, std::size_t n) {
  char tmp[24];
  const auto r = std::to_chars(tmp, tmp + sizeof tmp, n);
  out.append(tmp, r.ptr);
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    default: break;
  }
  const std::string_view t = title_of(status);
  return t == "Error" ? std::string_view("Status") : t;
}

}  // namespace

const std::string& http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
    cached_second = now;
  }
  return cached;
}

std::string response_head(const Response& r, const HeadOptions& o) {
  std::string h;
  h.reserve(256 + r.headers.size() * 64);
  h += "HTTP/1.1 ";
  append_number(h, static_cast<std::size_t>(r.status));
  h.push_back(' ');
  h += reason_phrase(r.status);
  h += "\r\nDate: ";
  h += http_date();
  h += "\r\nX-Request-Id: ";
  append_safe(h, o.request_id);
  h += "\r\nX-Content-Type-Options: nosniff\r\n";
  bool has_cache_control = false;
  for (const auto& [name, value] : r.headers) {
    if (iequals(name, "Cache-Control")) has_cache_control = true;
    append_safe(h, name);
    h += ": ";
    append_safe(h, value);
    h += "\r\n";
  }
  // API answers are about one person's account: nothing may cache them unless a handler says
  // otherwise (JWKS, static pages).
  if (!has_cache_control) h += "Cache-Control: no-store\r\n";
  if (!r.content_type.empty()) {
    h += "Content-Type: ";
    append_safe(h, r.content_type);
    h += "\r\n";
  }
  // 1xx, 204 and 304 answers have no body and no Content-Length.
  if (r.status >= 200 && r.status != 204 && r.status != 304) {
    h += "Content-Length: ";
    append_number(h, o.content_length);
    h += "\r\n";
  }
  if (!o.keep_alive) {
    h += "Connection: close\r\n";
  } else if (o.http10) {
    h += "Connection: keep-alive\r\n";
  }
  h += "\r\n";
  return h;
}

}  // namespace tessera::http
