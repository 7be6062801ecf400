#include "http/client_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace tessera::http {

struct TrustedProxies::Block {
  boost::asio::ip::address network;
  int prefix = 0;
};

namespace {

// The address with IPv4-mapped IPv6 (::ffff:a.b.c.d) seen as IPv4, so one rule fits both.
boost::asio::ip::address canonical(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

// The address's bytes in network order (4 or 16).
std::vector<unsigned char> bytes_of(const boost::asio::ip::address& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  const auto b = a.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

bool in_block(const boost::asio::ip::address& a, const boost::asio::ip::address& net, int prefix) {
  if (a.is_v4() != net.is_v4()) return false;
  const auto bytes_a = bytes_of(a);
  const auto bytes_n = bytes_of(net);
  int bits = prefix;
  for (std::size_t i = 0; i < bytes_a.size() && bits > 0; ++i, bits -= 8) {
    const unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((bytes_a[i] & mask) != (bytes_n[i] & mask)) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

TrustedProxies::TrustedProxies() = default;
TrustedProxies::~TrustedProxies() = default;
TrustedProxies::TrustedProxies(const TrustedProxies&) = default;
TrustedProxies& TrustedProxies::operator=(const TrustedProxies&) = default;
TrustedProxies::TrustedProxies(TrustedProxies&&) noexcept = default;
TrustedProxies& TrustedProxies::operator=(TrustedProxies&&) noexcept = default;

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& raw : entries) {
    const std::string_view e = trim(raw);
    const auto slash = e.find('/');
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(e.substr(0, slash)), ec);
    const auto bad = [&] {
      return make_error(errc::invalid_request, "TESSERA_TRUSTED_PROXIES: \"" + std::string(e) +
                                                   "\" is not an address or CIDR block; write e.g. 10.0.0.0/8 or ::1");
    };
    if (ec) return bad();
    addr = canonical(addr);
    int prefix = addr.is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
      const auto p = e.substr(slash + 1);
      const auto [end, pec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      if (pec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > (addr.is_v4() ? 32 : 128)) {
        return bad();
      }
    }
    out.blocks_.push_back(Block{addr, prefix});
  }
  return out;
}

bool TrustedProxies::empty() const { return blocks_.empty(); }

bool TrustedProxies::contains(std::string_view address) const {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(trim(address)), ec);
  if (ec) return false;
  a = canonical(a);
  for (const auto& b : blocks_) {
    if (in_block(a, b.network, b.prefix)) return true;
  }
  return false;
}

std::string TrustedProxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
  if (blocks_.empty() || forwarded_for.empty() || !contains(peer)) return std::string(peer);
  // Walk from the nearest hop outwards; the first address we do not trust is the client.
  std::string_view rest = forwarded_for;
  std::string_view last_valid;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(hop), ec);
    if (ec) break;  // garbage in the chain: stop trusting it here
    last_valid = hop;
    if (!contains(hop)) return std::string(hop);
  }
  return std::string(last_valid.empty() ? peer : last_valid);
}

}  // namespace tessera::http
