// What the server decides from a request head, without a socket (http/request_head.hpp).
#include <gtest/gtest.h>

#include <set>

#include "http/limits.hpp"
#include "http/request_head.hpp"

namespace tessera::test {
namespace {

using http::Framing;

TEST(RequestHead, OneFramingPasses) {
  EXPECT_FALSE(http::head_error(Framing{11, 0, "", true}, "/auth/login"));
  EXPECT_FALSE(http::head_error(Framing{11, 0, "", false}, "/"));
  EXPECT_FALSE(http::head_error(Framing{11, 1, "chunked", false}, "/admin/users/import"));
  EXPECT_FALSE(http::head_error(Framing{11, 1, "Chunked", false}, "/x")) << "codings compare ignoring case";
  EXPECT_FALSE(http::head_error(Framing{10, 0, "", true}, "/x"));
}

TEST(RequestHead, SmugglingShapesAreRefused) {
  for (const Framing& f :
       {Framing{11, 1, "chunked", true}, Framing{11, 2, "chunked", false}, Framing{11, 1, "gzip, chunked", false},
        Framing{11, 1, "identity", false}, Framing{10, 1, "chunked", false}}) {
    auto e = http::head_error(f, "/x");
    ASSERT_TRUE(e) << f.transfer_encoding << " te=" << f.transfer_encodings << " cl=" << f.content_length;
    EXPECT_EQ(e->code, errc::invalid_request);
    EXPECT_EQ(e->reason, "http: ambiguous framing");
  }
}

TEST(RequestHead, OnlyAnOriginFormTargetWithinTheLimitIsRouted) {
  for (const std::string& t : {std::string(), std::string("*"), std::string("http://example.com/x"), std::string("x/y"),
                               "/" + std::string(http::kMaxTargetBytes, 'a')}) {
    auto e = http::head_error(Framing{}, t);
    ASSERT_TRUE(e) << t.substr(0, 40);
    EXPECT_EQ(e->reason, "http: bad target");
  }
  EXPECT_FALSE(http::head_error(Framing{}, "/" + std::string(http::kMaxTargetBytes - 1, 'a')));
}

TEST(RequestHead, TheTargetIsSplitIntoPathAndQuery) {
  http::Request r;
  http::set_target(r, "/auth/check?role=admin&verified=true");
  EXPECT_EQ(r.path, "/auth/check");
  EXPECT_EQ(r.query, "role=admin&verified=true");
  http::set_target(r, "/healthz");
  EXPECT_EQ(r.path, "/healthz");
  EXPECT_EQ(r.query, "") << "no '?' leaves no query from before";
  http::set_target(r, "/x?");
  EXPECT_EQ(r.path, "/x");
  EXPECT_EQ(r.query, "");
}

TEST(RequestHead, TheClientIsThePeerUnlessATrustedProxyNamesIt) {
  http::Request r;
  r.headers.push_back({"X-Forwarded-For", "198.51.100.7"});
  r.headers.push_back({"x-forwarded-for", "10.0.0.9"});
  EXPECT_EQ(http::client_address_of(r, "203.0.113.5", http::TrustedProxies{}), "203.0.113.5")
      << "no trusted proxies: X-Forwarded-For is anyone's to write";
  auto proxies = http::TrustedProxies::parse({"10.0.0.0/8", "127.0.0.1"});
  ASSERT_TRUE(proxies);
  // The lines are one list: the client, then a proxy of ours that added a line of its own.
  EXPECT_EQ(http::client_address_of(r, "127.0.0.1", *proxies), "198.51.100.7");
  EXPECT_EQ(http::client_address_of(r, "203.0.113.5", *proxies), "203.0.113.5") << "an untrusted peer";
}

TEST(RequestHead, PlainShortRequestIdsAreKeptAndNewOnesAreTwelveHexDigits) {
  EXPECT_TRUE(http::acceptable_request_id("abc-123_x.Y"));
  EXPECT_TRUE(http::acceptable_request_id(std::string(http::kMaxRequestIdBytes, 'a')));
  for (const std::string& bad : {std::string(), std::string(http::kMaxRequestIdBytes + 1, 'a'), std::string("a b"),
                                 std::string("a\r\nSet-Cookie: x"), std::string("\xc3\xa9")}) {
    EXPECT_FALSE(http::acceptable_request_id(bad)) << bad;
  }
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = http::new_request_id();
    EXPECT_EQ(id.size(), 12u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(http::acceptable_request_id(id));
    seen.insert(id);
  }
  EXPECT_GE(seen.size(), 99u);
}

}  // namespace
}  // namespace tessera::test
