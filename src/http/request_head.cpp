#include "http/request_head.hpp"

#include <random>

#include "http/limits.hpp"

namespace tessera::http {

std::optional<Error> head_error(const Framing& f, std::string_view target) {
  if (f.transfer_encodings > 0 &&
      (f.content_length || f.version < 11 || f.transfer_encodings > 1 || !iequals(f.transfer_encoding, "chunked"))) {
    return make_error(
        errc::invalid_request,
        "A request may not combine Transfer-Encoding with Content-Length or use a coding other than chunked.",
        "http: ambiguous framing");
  }
  if (target.size() > kMaxTargetBytes || target.empty() || target.front() != '/') {
    return make_error(errc::invalid_request, "The request target is not valid.", "http: bad target");
  }
  return std::nullopt;
}

void set_target(Request& req, std::string_view target) {
  req.target = target;
  const auto q = target.find('?');
  req.path = target.substr(0, q);
  req.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::string client_address_of(const Request& req, std::string_view peer_ip, const TrustedProxies& proxies) {
  if (proxies.empty()) return std::string(peer_ip);
  std::string forwarded;
  for (const auto& h : req.headers) {
    if (!iequals(h.name, "x-forwarded-for")) continue;
    if (!forwarded.empty()) forwarded += ", ";
    forwarded += h.value;
  }
  return proxies.client_address(peer_ip, forwarded);
}

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = gen();
  std::string id(12, '0');
  for (int i = 11; i >= 0; --i, v >>= 4) id[static_cast<std::size_t>(i)] = kHex[v & 15];
  return id;
}

}  // namespace tessera::http
