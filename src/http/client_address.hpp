#pragma once
// Which address a request comes from (rate limits, sessions, the audit log). The socket's peer,
// unless that peer is a proxy the operator trusts (TESSERA_TRUSTED_PROXIES): then the rightmost
// X-Forwarded-For entry that is not itself a trusted proxy. Nobody else can choose their address
// by sending the header.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tessera::http {

class TrustedProxies {
 public:
  // Parses CIDR blocks ("10.0.0.0/8", "::1/128") or single addresses; errc::invalid_request
  // naming the bad entry.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries);
  TrustedProxies();
  ~TrustedProxies();
  TrustedProxies(const TrustedProxies&);
  TrustedProxies& operator=(const TrustedProxies&);
  TrustedProxies(TrustedProxies&&) noexcept;
  TrustedProxies& operator=(TrustedProxies&&) noexcept;

  bool empty() const;
  // True when `address` (textual IPv4 or IPv6) lies in one of the blocks.
  bool contains(std::string_view address) const;
  // The client's address for a request from `peer` carrying `forwarded_for` (may be empty).
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

 private:
  struct Block;
  std::vector<Block> blocks_;
};

}  // namespace tessera::http
