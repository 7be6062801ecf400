// GET /auth/check (issue 19): its place in the route table (a guarded route on the network
// thread: no database, no per-IP limit), the query's guards and the header encoding.
#include "api/check_handler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "api/routes.hpp"

namespace tessera::test {
namespace {

std::string header(const http::Response& r, std::string_view name) {
  const auto it = std::find_if(r.headers.begin(), r.headers.end(), [&](const auto& h) { return h.first == name; });
  return it == r.headers.end() ? std::string("<absent>") : it->second;
}

http::Response checked(std::string_view query, std::vector<std::string> roles = {"user"}, bool verified = false,
                       std::string aal = "aal1") {
  auto p = std::make_shared<domain::Principal>();
  p->user_id = domain::UserId("6f1c0b7e-0000-4000-8000-000000000001");
  p->session_id = domain::SessionId("9c35053a-0000-4000-8000-000000000002");
  p->email = "ada@example.com";
  p->email_verified = verified;
  p->roles = std::move(roles);
  p->aal = std::move(aal);
  http::Request req;
  req.query = query;
  req.principal = p;
  return api::check(req);
}

TEST(AuthCheck, IsAGuardedRouteOnTheNetworkThread) {
  api::Services services;
  const http::Router router = api::build_router(services);
  const auto m = router.match(http::Method::get, "/auth/check");
  ASSERT_EQ(m.outcome, http::Router::Outcome::found);
  EXPECT_EQ(m.route->guard.kind, http::Guard::Kind::user);
  EXPECT_EQ(m.route->lane, http::Lane::network);
}

TEST(AuthCheck, AnswersTheIdentityInHeadersWithAnEmptyBody) {
  const auto r = checked("", {"admin", "editor"}, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(header(r, "X-Auth-User-Id"), "6f1c0b7e-0000-4000-8000-000000000001");
  EXPECT_EQ(header(r, "X-Auth-Email"), "ada@example.com");
  EXPECT_EQ(header(r, "X-Auth-Email-Verified"), "true");
  EXPECT_EQ(header(r, "X-Auth-Roles"), "admin,editor");
  EXPECT_EQ(header(r, "X-Auth-Session-Id"), "9c35053a-0000-4000-8000-000000000002");
  EXPECT_EQ(header(r, "X-Auth-Username"), "<absent>");
}

TEST(AuthCheck, RoleIsRepeatableAndAnyOfThemWillDo) {
  EXPECT_EQ(checked("role=admin").status, 403);
  EXPECT_EQ(checked("role=admin").error_code, "forbidden");
  EXPECT_EQ(checked("role=admin&role=user").status, 200);
  EXPECT_EQ(checked("role=user&role=admin").status, 200);
}

TEST(AuthCheck, VerifiedTrueNeedsAVerifiedEmail) {
  EXPECT_EQ(checked("verified=true").error_code, "email_not_verified");
  EXPECT_EQ(checked("verified=true", {"user"}, true).status, 200);
  EXPECT_EQ(checked("verified=false").status, 200);
}

TEST(AuthCheck, Aal2NeedsATokenFromASecondFactorAndTheLevelIsAHeader) {
  const auto weak = checked("aal=aal2");
  EXPECT_EQ(weak.status, 403);
  EXPECT_EQ(weak.error_code, "step_up_required");
  const auto strong = checked("aal=aal2", {"user"}, false, "aal2");
  EXPECT_EQ(strong.status, 200);
  EXPECT_EQ(header(strong, "X-Auth-Aal"), "aal2");
  EXPECT_EQ(checked("aal=aal1").status, 200);
  EXPECT_EQ(header(checked(""), "X-Auth-Aal"), "aal1");
}

TEST(AuthCheck, UnknownOrMalformedGuardsAreBadRequests) {
  for (const char* q : {"roles=admin", "verified=yes", "role=", "role", "role=%zz", "aal=aal3", "aal="}) {
    const auto r = checked(q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.error_code, "invalid_request") << q;
  }
  EXPECT_EQ(checked("&&").status, 200);  // empty pairs are nothing
}

TEST(AuthCheck, HeaderValuesKeepVisibleAsciiAndPercentEncodeEverythingElse) {
  EXPECT_EQ(api::header_value("ada@example.com"), "ada@example.com");
  EXPECT_EQ(api::header_value("a\r\nX-Evil: 1"), "a%0D%0AX-Evil:%201");
  EXPECT_EQ(api::header_value("\xc3\xbc"), "%C3%BC");
  EXPECT_EQ(api::header_value(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(api::header_value("100%"), "100%25");
  EXPECT_EQ(api::header_value("\x7f\t"), "%7F%09");
  EXPECT_EQ(api::header_value("a,b"), "a,b");
  EXPECT_EQ(api::header_value("a,b", true), "a%2Cb");
}

}  // namespace
}  // namespace tessera::test
