// The HTTP server's behaviours, over a real loopback socket.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "http/body.hpp"
#include "http/problem.hpp"
#include "test_client.hpp"
#include "test_server.hpp"

namespace tessera::test {
namespace {

using namespace std::chrono_literals;
using http::Guard;
using http::Lane;
using http::Method;
using http::Request;
using http::Response;

http::Router demo_routes() {
  http::Router r;
  r.add({Method::get, "/hello", Guard::anyone(), Lane::network,
         [](Request&) { return Response::json_text(200, R"({"hello":"world"})"); }, ""});
  r.add({Method::post, "/echo", Guard::anyone(), Lane::db,
         [](Request& req) {
           auto body = http::Body::parse(req);
           if (!body) return http::problem(body.error());
           auto name = body->required_string("name");
           if (!name) return http::problem(name.error());
           return Response::json(200, boost::json::object{{"name", *name}});
         },
         ""});
  r.add({Method::get, "/items/{id}", Guard::anyone(), Lane::network,
         [](Request& req) { return Response::text(200, std::string(req.param("id"))); }, ""});
  r.add({Method::delete_, "/items/{id}", Guard::user(), Lane::network, [](Request&) { return Response::no_content(); },
         ""});
  r.add({Method::get, "/verified", Guard::verified(), Lane::network, [](Request&) { return Response::no_content(); },
         ""});
  r.add({Method::get, "/admin", Guard::with_role("admin"), Lane::network,
         [](Request&) { return Response::no_content(); }, ""});
  r.add({Method::get, "/boom", Guard::anyone(), Lane::db,
         [](Request&) -> Response { throw std::runtime_error("secret internals"); }, ""});
  return r;
}

TEST(HttpServer, ServesSeveralRequestsOnOneKeptAliveConnection) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  for (int i = 0; i < 3; ++i) {
    auto a = c.request(make_request("GET", "/hello"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 200);
    EXPECT_EQ(a->body, R"({"hello":"world"})");
    EXPECT_EQ(a->header("connection"), "");
  }
}

TEST(HttpServer, ClosesTheConnectionWhenTheClientAsksTo) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/hello", "Connection: close\r\n"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header("connection"), "close");
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(HttpServer, AnswersAnOversizedHeadWith431AndCloses) {
  http::ServerOptions o;
  o.max_header_bytes = 4096;
  TestServer s(demo_routes(), o);
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/hello", "X-Big: " + std::string(5000, 'a') + "\r\n"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 431);
  EXPECT_EQ(a->header("content-type"), "application/problem+json");
  EXPECT_NE(a->body.find(R"("code":"headers_too_large")"), std::string::npos);
  EXPECT_TRUE(c.closed_within(3s));
}

TEST(HttpServer, RefusesABodyOverTheLimitFromItsContentLengthAlone) {
  http::ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(demo_routes(), o);
  TestClient c(s.port());
  // Only the head is sent: the answer must not wait for the 1 MB the client announces.
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"));
  auto a = c.read(3s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 413);
  EXPECT_NE(a->body.find(R"("code":"payload_too_large")"), std::string::npos);
}

TEST(HttpServer, RefusesAChunkedBodyThatGrowsPastTheLimit) {
  http::ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(demo_routes(), o);
  TestClient c(s.port());
  std::string chunk(800, 'x');
  std::string req =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  req += "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n";
  auto a = c.request(req);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 413);
}

// A route with a larger limit (POST /admin/users/import): the larger body is read only for a
// head that passes the route's guard; anyone else keeps the server's limit, from Content-Length
// alone or as a chunked body grows.
http::Router routes_with_a_large_body() {
  http::Router r = demo_routes();
  http::Route bulk{Method::post,
                   "/bulk",
                   Guard::with_role("admin"),
                   Lane::db,
                   [](Request& req) { return Response::text(200, std::to_string(req.body.size())); },
                   ""};
  bulk.body = http::BodyKind::ndjson;
  bulk.max_body_bytes = 64 * 1024;
  r.add(std::move(bulk));
  return r;
}

std::string bulk_request(std::size_t bytes, std::string_view auth, bool chunked = false) {
  std::string req = "POST /bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n" + std::string(auth);
  const std::string body(bytes, 'x');
  if (chunked) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return req + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + body + "\r\n0\r\n\r\n";
  }
  return req + "Content-Length: " + std::to_string(bytes) + "\r\n\r\n" + body;
}

TEST(HttpServer, ARouteWithALargerLimitTakesALargerBodyOnlyFromACallerItsGuardLetsIn) {
  http::ServerOptions o;
  o.max_body_bytes = 1024;
  TestServer s(routes_with_a_large_body(), o);
  for (bool chunked : {false, true}) {
    TestClient admin(s.port());
    auto a = admin.request(bulk_request(20000, "Authorization: Bearer admin\r\n", chunked));
    ASSERT_TRUE(a) << chunked;
    EXPECT_EQ(a->status, 200) << chunked;
    EXPECT_EQ(a->body, "20000");
    for (std::string_view auth : {"", "Authorization: Bearer good\r\n", "Authorization: Bearer forged\r\n"}) {
      TestClient other(s.port());
      auto r = other.request(bulk_request(20000, auth, chunked));
      ASSERT_TRUE(r) << auth;
      EXPECT_EQ(r->status, 413) << auth << " chunked=" << chunked;
    }
    TestClient small(s.port());
    auto r = small.request(bulk_request(100, "Authorization: Bearer good\r\n", chunked));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << "a small body reaches the guard, which answers as always";
    TestClient too_big(s.port());
    auto big = too_big.request(bulk_request(70000, "Authorization: Bearer admin\r\n", chunked));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413) << "the route's own limit holds for an admin too";
  }
  // Every other route keeps the server's limit, whoever calls.
  TestClient c(s.port());
  auto echo = c.request(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer admin\r\n"
      "Content-Length: 2000\r\n\r\n" +
      std::string(2000, ' '));
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 413);
}

TEST(HttpServer, AnNdjsonRouteTakesOnlyNdjsonAndTheOthersNeverDo) {
  TestServer s(routes_with_a_large_body());
  TestClient c(s.port());
  for (std::string_view type : {"application/x-ndjson", "application/jsonl", "application/x-ndjson; charset=utf-8"}) {
    auto r = c.request("POST /bulk HTTP/1.1\r\nHost: x\r\nContent-Type: " + std::string(type) +
                       "\r\nAuthorization: Bearer admin\r\nContent-Length: 2\r\n\r\n{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << type;
  }
  for (std::string_view type : {"application/json", "text/plain", "application/x-www-form-urlencoded"}) {
    auto r = c.request("POST /bulk HTTP/1.1\r\nHost: x\r\nContent-Type: " + std::string(type) +
                       "\r\nAuthorization: Bearer admin\r\nContent-Length: 2\r\n\r\n{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415) << type;
  }
  auto echo =
      c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 415);
}

TEST(HttpServer, RefusesContentLengthTogetherWithTransferEncoding) {
  TestServer s(demo_routes());
  for (const std::string order : {"cl-first", "te-first"}) {
    TestClient c(s.port());
    const std::string cl = "Content-Length: 5\r\n", te = "Transfer-Encoding: chunked\r\n";
    const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                             (order == "cl-first" ? cl + te : te + cl) + "\r\n";
    auto a = c.request(head + "0\r\n\r\n");
    ASSERT_TRUE(a) << order;
    EXPECT_EQ(a->status, 400) << order;
    EXPECT_TRUE(c.closed_within(3s)) << order;
  }
}

TEST(HttpServer, RefusesATransferCodingOtherThanChunked) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 400);
}

TEST(HttpServer, DropsAClientThatSendsItsRequestTooSlowly) {
  http::ServerOptions o;
  o.read_timeout = 1s;
  TestServer s(demo_routes(), o);
  TestClient c(s.port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHo"));  // and then nothing more
  EXPECT_TRUE(c.closed_within(4s));
}

TEST(HttpServer, DropsAConnectionThatStaysIdleBeyondTheIdleTimeout) {
  http::ServerOptions o;
  o.idle_timeout = 1s;
  TestServer s(demo_routes(), o);
  TestClient c(s.port());
  ASSERT_TRUE(c.request(make_request("GET", "/hello")));
  EXPECT_TRUE(c.closed_within(4s));
}

TEST(HttpServer, AnswersAnUnknownPathWith404Problem) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/nothing-here"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 404);
  EXPECT_EQ(a->header("content-type"), "application/problem+json");
  EXPECT_NE(a->body.find(R"("code":"not_found")"), std::string::npos);
  EXPECT_NE(a->body.find(R"("status":404)"), std::string::npos);
  EXPECT_NE(a->body.find(R"("type":"about:blank")"), std::string::npos);
}

TEST(HttpServer, AnswersAWrongMethodWith405AndAllow) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("PUT", "/items/7", "", "x"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 405);
  EXPECT_EQ(a->header("allow"), "DELETE, GET, HEAD");
}

TEST(HttpServer, PassesPathParametersToTheHandler) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/items/abc-123?x=1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->body, "abc-123");
}

TEST(HttpServer, AcceptsJsonAndFormBodiesAlike) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto j = c.request(make_request("POST", "/echo", "Content-Type: application/json\r\n", R"({"name":"ann"})"));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->status, 200);
  EXPECT_EQ(j->body, R"({"name":"ann"})");
  auto f = c.request(make_request("POST", "/echo", "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n",
                                  "name=a%20n+n&other=1"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, 200);
  EXPECT_EQ(f->body, R"({"name":"a n n"})");
}

TEST(HttpServer, RefusesOtherMediaTypesWith415) {
  TestServer s(demo_routes());
  for (const std::string type : {"text/plain", "multipart/form-data; boundary=x", "application/xml"}) {
    TestClient c(s.port());
    auto a = c.request(make_request("POST", "/echo", "Content-Type: " + type + "\r\n", "name=x"));
    ASSERT_TRUE(a) << type;
    EXPECT_EQ(a->status, 415) << type;
    EXPECT_NE(a->body.find(R"("code":"unsupported_media_type")"), std::string::npos) << type;
  }
}

TEST(HttpServer, RefusesABodyWithoutAContentType) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("POST", "/echo", "", R"({"name":"x"})"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 415);
}

TEST(HttpServer, RefusesMalformedAndDuplicateJsonWith400) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  for (const std::string body : {R"({"name":)", R"({"name":"a","name":"b"})", R"(["name"])", R"({"name":5})"}) {
    auto a = c.request(make_request("POST", "/echo", "Content-Type: application/json\r\n", body));
    ASSERT_TRUE(a) << body;
    EXPECT_EQ(a->status, 400) << body;
    EXPECT_NE(a->body.find(R"("code":"invalid_request")"), std::string::npos) << body;
  }
}

TEST(HttpServer, GivesEveryResponseARequestIdAndKeepsAPlainOneFromTheClient) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/hello"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->header("x-request-id").size(), 12u);
  auto b = c.request(make_request("GET", "/hello", "X-Request-Id: trace-42\r\n"));
  EXPECT_EQ(b->header("x-request-id"), "trace-42");
  auto d = c.request(make_request("GET", "/hello", "X-Request-Id: <script>\r\n"));
  EXPECT_EQ(d->header("x-request-id").size(), 12u);
}

TEST(HttpServer, MarksResponsesNotCacheableAndNotSniffable) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/hello"));
  EXPECT_EQ(a->header("cache-control"), "no-store");
  EXPECT_EQ(a->header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(a->header("date").empty());
}

TEST(HttpServer, AnswersHeadLikeGetWithoutABody) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  ASSERT_TRUE(c.send(make_request("HEAD", "/hello")));
  auto a = c.read(3s, true, /*head_only=*/true);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->header("content-length"), "17");
  // No body bytes followed: the next answer on the connection parses cleanly.
  auto next = c.request(make_request("GET", "/hello"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, R"({"hello":"world"})");
}

TEST(HttpServer, GuardsAnswer401WithAChallengeAnd403ForMissingRights) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto none = c.request(make_request("DELETE", "/items/1"));
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->header("www-authenticate"), "Bearer realm=\"tessera\"");
  EXPECT_NE(none->body.find(R"("code":"missing_token")"), std::string::npos);
  auto bad = c.request(make_request("DELETE", "/items/1", "Authorization: Bearer forged\r\n"));
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->header("www-authenticate"), "Bearer realm=\"tessera\", error=\"invalid_token\"");
  EXPECT_EQ(bad->body.find("test: bad token"), std::string::npos);  // the reason stays in the log
  auto good = c.request(make_request("DELETE", "/items/1", "Authorization: Bearer good\r\n"));
  EXPECT_EQ(good->status, 204);
  auto unverified = c.request(make_request("GET", "/verified", "Authorization: Bearer unverified\r\n"));
  EXPECT_EQ(unverified->status, 403);
  EXPECT_NE(unverified->body.find(R"("code":"email_not_verified")"), std::string::npos);
  auto not_admin = c.request(make_request("GET", "/admin", "Authorization: Bearer good\r\n"));
  EXPECT_EQ(not_admin->status, 403);
  EXPECT_NE(not_admin->body.find(R"("code":"forbidden")"), std::string::npos);
  auto admin = c.request(make_request("GET", "/admin", "Authorization: Bearer admin\r\n"));
  EXPECT_EQ(admin->status, 204);
}

TEST(HttpServer, TurnsAHandlerExceptionInto500WithoutItsMessage) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  auto a = c.request(make_request("GET", "/boom"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 500);
  EXPECT_EQ(a->body.find("secret internals"), std::string::npos);
  auto next = c.request(make_request("GET", "/hello"));  // the connection survives
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(HttpServer, Sends100ContinueWhenAsked) {
  TestServer s(demo_routes());
  TestClient c(s.port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: "
             "100-continue\r\nContent-Length: 14\r\n\r\n"));
  auto interim = c.read(3s, /*skip_interim=*/false);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send(R"({"name":"ann"})"));
  auto a = c.read(3s);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
}

}  // namespace
}  // namespace tessera::test
