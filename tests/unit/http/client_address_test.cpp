// Which address a request comes from: the peer, or a trusted proxy's X-Forwarded-For.
#include <gtest/gtest.h>

#include "http/client_address.hpp"

namespace tessera::http {
namespace {

TrustedProxies proxies(std::vector<std::string> e) {
  auto p = TrustedProxies::parse(e);
  EXPECT_TRUE(p) << (p ? "" : p.error().detail);
  return p ? std::move(*p) : TrustedProxies{};
}

TEST(TrustedProxies, ParsesBlocksAndSingleAddressesAndRefusesGarbage) {
  EXPECT_TRUE(TrustedProxies::parse({"10.0.0.0/8", "192.168.1.1", "::1", "fd00::/8"}));
  for (const char* bad : {"10.0.0.0/33", "example.com", "10.0.0.0/", "10.0.0.0/x", "::1/129", ""}) {
    auto p = TrustedProxies::parse({bad});
    EXPECT_FALSE(p) << bad;
    if (!p) {
      EXPECT_NE(p.error().detail.find("TESSERA_TRUSTED_PROXIES"), std::string::npos);
    }
  }
}

TEST(TrustedProxies, MatchesAddressesInsideTheBlocksOnly) {
  auto p = proxies({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_TRUE(p.contains("10.1.2.3"));
  EXPECT_FALSE(p.contains("11.0.0.1"));
  EXPECT_TRUE(p.contains("::ffff:10.9.9.9"));  // IPv4-mapped IPv6
  EXPECT_TRUE(p.contains("2001:db8::42"));
  EXPECT_FALSE(p.contains("2001:db9::1"));
  EXPECT_FALSE(p.contains("not an address"));
}

TEST(TrustedProxies, WithoutTrustTheHeaderIsIgnored) {
  TrustedProxies none;
  EXPECT_EQ(none.client_address("198.51.100.7", "1.2.3.4"), "198.51.100.7");
  auto p = proxies({"10.0.0.0/8"});
  // A client that is not a trusted proxy cannot choose its address.
  EXPECT_EQ(p.client_address("198.51.100.7", "1.2.3.4"), "198.51.100.7");
}

TEST(TrustedProxies, TakesTheRightmostUntrustedHop) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_EQ(p.client_address("10.0.0.1", "203.0.113.5"), "203.0.113.5");
  // The client wrote a fake first entry; the proxies appended the real ones.
  EXPECT_EQ(p.client_address("10.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.2"), "203.0.113.5");
  // Garbage in the chain stops the walk; the last good hop counts.
  EXPECT_EQ(p.client_address("10.0.0.1", "junk, 10.0.0.3"), "10.0.0.3");
  EXPECT_EQ(p.client_address("10.0.0.1", ""), "10.0.0.1");
}

}  // namespace
}  // namespace tessera::http
