// The API description (docs/openapi.json, compiled in and served at GET /openapi.json) against
// the real route table, in both directions, so that neither can drift from the other.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/openapi_handler.hpp"
#include "api/routes.hpp"
#include "core/errc.hpp"

namespace tessera::test {
namespace {

namespace json = boost::json;
using http::Guard;
using http::Method;

const std::vector<std::string> kHttpMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "GET /admin/users/{id}"
std::string key(std::string_view method, std::string_view path) {
  std::string k;
  for (char c : method) k.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return k + " " + std::string(path);
}

json::object document() {
  std::error_code ec;
  json::value v = json::parse(api::kOpenApiDocument, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

// The real route table, built as `serve` builds it (handlers are not called).
struct Table {
  api::Services services;
  http::Router router = api::build_router(services);
};

std::set<std::string> router_operations(const http::Router& router) {
  std::set<std::string> out;
  for (const auto& r : router.routes()) out.insert(key(http::to_string(r.method), r.pattern));
  return out;
}

// Every operation of the document, keyed like router_operations, with its object.
std::map<std::string, const json::object*> documented_operations(const json::object& doc) {
  std::map<std::string, const json::object*> out;
  const auto* paths = doc.if_contains("paths");
  if (paths == nullptr || !paths->is_object()) return out;
  for (const auto& [path, item] : paths->as_object()) {
    if (!item.is_object()) continue;
    for (const auto& [name, op] : item.as_object()) {
      if (std::find(kHttpMethods.begin(), kHttpMethods.end(), std::string(name)) == kHttpMethods.end()) continue;
      if (op.is_object()) out.emplace(key(name, path), &op.as_object());
    }
  }
  return out;
}

std::set<std::string> keys_of(const std::map<std::string, const json::object*>& ops) {
  std::set<std::string> out;
  for (const auto& [k, _] : ops) out.insert(k);
  return out;
}

std::vector<std::string> missing(const std::set<std::string>& from, const std::set<std::string>& in) {
  std::vector<std::string> out;
  std::set_difference(from.begin(), from.end(), in.begin(), in.end(), std::back_inserter(out));
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

// Follows a local "#/..." reference; null when it leads nowhere.
const json::value* resolve(const json::object& doc, std::string_view ref) {
  if (ref.substr(0, 2) != "#/") return nullptr;
  const json::object* in = &doc;
  const json::value* at = nullptr;
  std::string_view rest = ref.substr(2);
  while (!rest.empty()) {
    if (in == nullptr) return nullptr;
    const auto slash = rest.find('/');
    at = in->if_contains(rest.substr(0, slash));
    if (at == nullptr) return nullptr;
    in = at->if_object();
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  return at;
}

// Collects every "$ref" value in a JSON tree.
void collect_refs(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == "$ref" && child.is_string()) out.emplace_back(child.as_string());
      collect_refs(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) collect_refs(child, out);
  }
}

// An operation's responses, with component references followed, by status.
std::set<std::string> statuses(const json::object& op) {
  std::set<std::string> out;
  if (const auto* r = op.if_contains("responses"); r != nullptr && r->is_object()) {
    for (const auto& [status, _] : r->as_object()) out.insert(std::string(status));
  }
  return out;
}

// The operation's parameters (and those of its path item), references followed.
std::vector<json::object> parameters(const json::object& doc, std::string_view path, const json::object& op) {
  std::vector<json::object> out;
  const auto add = [&](const json::value* list) {
    if (list == nullptr || !list->is_array()) return;
    for (const auto& p : list->as_array()) {
      if (!p.is_object()) continue;
      if (const auto* ref = p.as_object().if_contains("$ref"); ref != nullptr && ref->is_string()) {
        if (const auto* target = resolve(doc, ref->as_string()); target != nullptr && target->is_object()) {
          out.push_back(target->as_object());
        }
      } else {
        out.push_back(p.as_object());
      }
    }
  };
  add(doc.at("paths").as_object().at(path).as_object().if_contains("parameters"));
  add(op.if_contains("parameters"));
  return out;
}

// What the security requirement of an operation must be for a guard.
json::value expected_security(const Guard& g) {
  switch (g.kind) {
    case Guard::Kind::user:
    case Guard::Kind::verified:
    case Guard::Kind::aal2: return json::parse(R"([{"bearerAuth":[]}])");
    case Guard::Kind::role: return json::array{json::object{{"bearerAuth", json::array{json::value(g.role)}}}};
    case Guard::Kind::optional:
    case Guard::Kind::none: break;
  }
  return nullptr;  // checked separately: no requirement may need a bearer token
}

// --------------------------------------------------------------------------------- tests

TEST(OpenApi, TheDocumentIsAJsonObjectDeclaringOpenApi310) {
  std::error_code ec;
  const json::value v = json::parse(api::kOpenApiDocument, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.as_object().at("openapi").as_string(), "3.1.0");
  EXPECT_TRUE(v.as_object().at("info").as_object().contains("title"));
  EXPECT_TRUE(v.as_object().at("info").as_object().contains("version"));
}

TEST(OpenApi, EveryRouteOfTheRouterIsDocumentedWithItsMethodAndPath) {
  Table t;
  const auto doc = document();
  const auto lacking = missing(router_operations(t.router), keys_of(documented_operations(doc)));
  EXPECT_TRUE(lacking.empty()) << "routes missing from docs/openapi.json:" << joined(lacking);
  EXPECT_GE(t.router.routes().size(), 30u);  // the real table, not an empty one
}

TEST(OpenApi, EveryDocumentedOperationIsARouteOfTheRouter) {
  Table t;
  const auto doc = document();
  const auto extra = missing(keys_of(documented_operations(doc)), router_operations(t.router));
  EXPECT_TRUE(extra.empty()) << "documented operations the router does not serve:" << joined(extra);
}

TEST(OpenApi, TheComparisonNoticesARouteLeftOutOfTheDocument) {
  Table t;
  auto doc = document();
  doc["paths"].as_object().erase("/admin/audit");
  doc["paths"].as_object()["/auth/sessions/{id}"].as_object().erase("delete");
  const auto lacking = missing(router_operations(t.router), keys_of(documented_operations(doc)));
  EXPECT_EQ(lacking, (std::vector<std::string>{"DELETE /auth/sessions/{id}", "GET /admin/audit"}));
}

TEST(OpenApi, TheComparisonNoticesADocumentedOperationTheRouterLacks) {
  Table t;
  auto doc = document();
  doc["paths"].as_object()["/admin/users/{id}"].as_object()["put"] = json::object{{"summary", "x"}};
  doc["paths"].as_object()["/auth/whoami"] = json::object{{"get", json::object{{"summary", "x"}}}};
  const auto extra = missing(keys_of(documented_operations(doc)), router_operations(t.router));
  EXPECT_EQ(extra, (std::vector<std::string>{"GET /auth/whoami", "PUT /admin/users/{id}"}));
}

TEST(OpenApi, EachOperationsSummaryIsTheSummaryOfItsRoute) {
  Table t;
  const auto doc = document();
  const auto ops = documented_operations(doc);
  for (const auto& r : t.router.routes()) {
    const auto it = ops.find(key(http::to_string(r.method), r.pattern));
    if (it == ops.end()) continue;  // reported by EveryRouteOfTheRouterIsDocumented...
    const auto* summary = it->second->if_contains("summary");
    ASSERT_NE(summary, nullptr) << it->first;
    EXPECT_EQ(summary->as_string(), r.summary) << it->first;
  }
}

TEST(OpenApi, EachOperationsSecurityMatchesTheGuardOfItsRoute) {
  Table t;
  const auto doc = document();
  ASSERT_FALSE(doc.contains("security")) << "no document-wide default: each operation says what it needs";
  const auto ops = documented_operations(doc);
  for (const auto& r : t.router.routes()) {
    const auto it = ops.find(key(http::to_string(r.method), r.pattern));
    if (it == ops.end()) continue;
    const json::value* security = it->second->if_contains("security");
    const json::value want = expected_security(r.guard);
    if (!want.is_null()) {
      ASSERT_NE(security, nullptr) << it->first << " needs a security requirement";
      EXPECT_EQ(*security, want) << it->first << ": " << json::serialize(*security);
      continue;
    }
    // Anyone may call it: every requirement is optional ({}) or none needs a bearer token.
    bool anonymous_allowed = security == nullptr;
    bool takes_bearer = false;
    if (security != nullptr) {
      for (const auto& req : security->as_array()) {
        if (req.as_object().empty()) anonymous_allowed = true;
        if (req.as_object().contains("bearerAuth")) takes_bearer = true;
      }
    }
    EXPECT_TRUE(anonymous_allowed) << it->first << " is open to anyone; its security must allow {}";
    EXPECT_EQ(takes_bearer, r.guard.kind == Guard::Kind::optional)
        << it->first << ": only a route with the optional guard accepts a bearer token without requiring one";
  }
}

TEST(OpenApi, GuardedOperationsDocumentTheir401AndRoleOrVerifiedOperationsTheir403) {
  Table t;
  const auto doc = document();
  const auto ops = documented_operations(doc);
  for (const auto& r : t.router.routes()) {
    const auto it = ops.find(key(http::to_string(r.method), r.pattern));
    if (it == ops.end()) continue;
    const auto st = statuses(*it->second);
    if (r.guard.kind != Guard::Kind::none) {
      EXPECT_TRUE(st.count("401")) << it->first;
    }
    if (r.guard.kind == Guard::Kind::role || r.guard.kind == Guard::Kind::verified ||
        r.guard.kind == Guard::Kind::aal2) {
      EXPECT_TRUE(st.count("403")) << it->first;
    }
    if (r.guard.kind == Guard::Kind::role) {
      const auto* role = it->second->if_contains("x-required-role");
      ASSERT_NE(role, nullptr) << it->first;
      EXPECT_EQ(role->as_string(), r.guard.role) << it->first;
    }
    const bool has_success = std::any_of(st.begin(), st.end(), [](const std::string& s) { return s[0] == '2'; });
    EXPECT_TRUE(has_success) << it->first << " documents no success";
  }
}

TEST(OpenApi, EveryPathParameterOfARouteIsDocumentedAsARequiredPathParameter) {
  Table t;
  const auto doc = document();
  const auto ops = documented_operations(doc);
  std::size_t checked = 0;
  for (const auto& r : t.router.routes()) {
    const auto it = ops.find(key(http::to_string(r.method), r.pattern));
    if (it == ops.end()) continue;
    const auto params = parameters(doc, r.pattern, *it->second);
    std::size_t pos = 0;
    while ((pos = r.pattern.find('{', pos)) != std::string::npos) {
      const auto end = r.pattern.find('}', pos);
      const std::string name = r.pattern.substr(pos + 1, end - pos - 1);
      const auto p = std::find_if(params.begin(), params.end(), [&](const json::object& o) {
        return o.at("name").as_string() == name && o.at("in").as_string() == "path";
      });
      ASSERT_NE(p, params.end()) << it->first << " lacks the path parameter " << name;
      EXPECT_TRUE(p->at("required").is_bool() && p->at("required").as_bool()) << it->first << " " << name;
      ++checked;
      pos = end;
    }
  }
  EXPECT_GE(checked, 5u);
}

// JSON and a form, or NDJSON alone where the route takes that (BodyKind::ndjson): the types the
// dispatcher accepts for the route, and no other (they are 415).
TEST(OpenApi, EveryRequestBodyIsDocumentedAsTheTypesItsRouteAccepts) {
  Table t;
  const auto doc = document();
  const auto ops = documented_operations(doc);
  std::size_t bodies = 0, ndjson = 0;
  for (const auto& r : t.router.routes()) {
    const auto it = ops.find(key(http::to_string(r.method), r.pattern));
    if (it == ops.end()) continue;
    const auto* body = it->second->if_contains("requestBody");
    if (body == nullptr) continue;
    const auto& content = body->as_object().at("content").as_object();
    if (r.body == http::BodyKind::ndjson) {
      EXPECT_TRUE(content.contains("application/x-ndjson")) << it->first;
      EXPECT_EQ(content.size(), 1u) << it->first << ": bodies of other types are 415";
      ++ndjson;
    } else {
      EXPECT_TRUE(content.contains("application/json")) << it->first;
      EXPECT_TRUE(content.contains("application/x-www-form-urlencoded")) << it->first;
      EXPECT_EQ(content.size(), 2u) << it->first << ": bodies of other types are 415";
    }
    ++bodies;
  }
  EXPECT_GE(bodies, 12u);
  EXPECT_EQ(ndjson, 1u) << "POST /admin/users/import";
}

TEST(OpenApi, TheProblemCodeEnumIsExactlyTheSetOfWireCodes) {
  const auto doc = document();
  std::set<std::string> documented;
  for (const auto& c : doc.at("components").at("schemas").at("ErrorCode").at("enum").as_array()) {
    documented.emplace(c.as_string());
  }
  std::set<std::string> wire;
  for (int i = 0; i <= static_cast<int>(errc::internal_error); ++i) wire.emplace(to_string(static_cast<errc>(i)));
  EXPECT_EQ(documented, wire);
}

TEST(OpenApi, EveryReferenceLeadsToSomethingInTheDocument) {
  const auto doc = document();
  std::vector<std::string> refs;
  collect_refs(json::value(doc), refs);
  EXPECT_GE(refs.size(), 50u);
  for (const auto& ref : refs) EXPECT_NE(resolve(doc, ref), nullptr) << ref;
  EXPECT_EQ(resolve(doc, "#/components/schemas/NoSuchThing"), nullptr);  // the resolver can fail
}

TEST(OpenApi, OperationIdsAreUnique) {
  const auto doc = document();
  std::set<std::string> seen;
  for (const auto& [k, op] : documented_operations(doc)) {
    const auto* id = op->if_contains("operationId");
    ASSERT_NE(id, nullptr) << k;
    EXPECT_TRUE(seen.insert(std::string(id->as_string())).second) << "duplicate operationId " << id->as_string();
  }
}

TEST(OpenApi, GetOpenApiJsonServesTheDocumentAsJsonCacheableForFiveMinutes) {
  Table t;
  const auto m = t.router.match(Method::get, "/openapi.json");
  ASSERT_EQ(m.outcome, http::Router::Outcome::found);
  EXPECT_EQ(m.route->guard.kind, Guard::Kind::none);
  EXPECT_EQ(m.route->lane, http::Lane::network);
  http::Request req;
  const auto res = m.route->handler(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, api::kOpenApiDocument);
  const auto cc = std::find_if(res.headers.begin(), res.headers.end(),
                               [](const auto& h) { return lower(h.first) == "cache-control"; });
  ASSERT_NE(cc, res.headers.end());
  EXPECT_EQ(cc->second, "public, max-age=300");
}

}  // namespace
}  // namespace tessera::test
