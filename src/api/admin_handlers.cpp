#include "api/admin_handlers.hpp"

#include <boost/json/array.hpp>
#include <charconv>
#include <ctime>

#include "api/client_info.hpp"
#include "api/user_lines.hpp"
#include "api/views.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time_format.hpp"
#include "http/body.hpp"
#include "http/problem.hpp"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;

// One page of the lists.
constexpr std::size_t kPerPage = 50;

domain::Actor actor_of(const Request& req) { return domain::Actor{req.principal->user_id.str(), client_of(req)}; }

// ?page=N (1-based; absent = 1).
Result<std::size_t> page_of(const Request& req) {
  const auto v = req.query_value("page");
  if (!v || v->empty()) return std::size_t{1};
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > 1000000) {
    return make_error(errc::invalid_request, "page: a whole number from 1");
  }
  return n;
}

// The {id} of the route, when it can name a user at all.
std::optional<domain::UserId> user_id_of(const Request& req) {
  const std::string_view id = req.param("id");
  if (!looks_like_uuid(id)) return std::nullopt;
  return domain::UserId(std::string(id));
}

// RFC 3339 UTC ("2026-11-23T10:00:00Z") or Unix seconds, from 1970 to 2200 (a later time does
// not fit a TimePoint; found by fuzz/fuzz_http with since=4040-01-01T00:00:00Z).
Result<std::optional<TimePoint>> time_param(const Request& req, std::string_view name) {
  const auto v = req.query_value(name);
  if (!v || v->empty()) return std::optional<TimePoint>{};
  const auto in_range = [&](std::int64_t secs) -> Result<std::optional<TimePoint>> {
    if (!unix_seconds_in_range(secs)) {
      return make_error(errc::invalid_request, std::string(name) + ": a time from 1970 to 2200");
    }
    return std::optional<TimePoint>(from_unix_seconds(secs));
  };
  std::int64_t secs = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), secs);
  if (p == v->data() + v->size() && ec == std::errc()) return in_range(secs);
  if (p == v->data() + v->size() && ec == std::errc::result_out_of_range) return in_range(-1);
  std::tm tm{};
  const char* end = strptime(v->c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') {
    return make_error(errc::invalid_request, std::string(name) + ": write 2026-11-23T10:00:00Z or Unix seconds");
  }
  return in_range(static_cast<std::int64_t>(timegm(&tm)));
}

Response not_found_user() { return http::problem(make_error(errc::not_found, "There is no such user.")); }

}  // namespace

Response admin_list_users(Services& s, Request& req) {
  auto page = page_of(req);
  if (!page) return http::problem(page.error());
  domain::UserQuery q;
  q.text = req.query_value("query").value_or("");
  q.limit = kPerPage;
  q.offset = (*page - 1) * kPerPage;
  auto users = s.admin->list_users(q);
  if (!users) return http::problem(users.error());
  boost::json::array items;
  for (const auto& u : users->users) items.push_back(user_json(u));
  return Response::json(
      200, boost::json::object{
               {"users", std::move(items)}, {"page", *page}, {"per_page", kPerPage}, {"total", users->total}});
}

Response admin_get_user(Services& s, Request& req) {
  const auto id = user_id_of(req);
  if (!id) return not_found_user();
  auto user = s.admin->find_user(id->str());
  if (!user) return http::problem(user.error());
  return Response::json(200, user_json(*user));
}

Response admin_update_user(Services& s, Request& req) {
  const auto id = user_id_of(req);
  if (!id) return not_found_user();
  auto body = http::Body::parse(req);
  if (!body) return http::problem(body.error());
  domain::UserChanges changes;
  auto roles = body->strings("roles");
  if (!roles) return http::problem(roles.error());
  changes.roles = std::move(*roles);
  auto disabled = body->boolean("disabled");
  if (!disabled) return http::problem(disabled.error());
  changes.disabled = *disabled;
  auto verified = body->boolean("email_verified");
  if (!verified) return http::problem(verified.error());
  changes.email_verified = *verified;
  auto user = s.admin->update_user(actor_of(req), *id, changes);
  if (!user) return http::problem(user.error());
  return Response::json(200, user_json(*user));
}

Response admin_delete_user(Services& s, Request& req) {
  const auto id = user_id_of(req);
  if (!id) return not_found_user();
  if (auto r = s.admin->delete_user(actor_of(req), *id); !r) return http::problem(r.error());
  return Response::no_content();
}

Response admin_revoke_sessions(Services& s, Request& req) {
  const auto id = user_id_of(req);
  if (!id) return not_found_user();
  if (auto r = s.admin->revoke_sessions(actor_of(req), *id); !r) return http::problem(r.error());
  return Response::no_content();
}

Response admin_audit(Services& s, Request& req) {
  auto page = page_of(req);
  if (!page) return http::problem(page.error());
  auto since = time_param(req, "since");
  if (!since) return http::problem(since.error());
  auto until = time_param(req, "until");
  if (!until) return http::problem(until.error());
  domain::AuditQuery q;
  q.user_id = req.query_value("user").value_or("");
  q.event = req.query_value("event").value_or("");
  q.since = *since;
  q.until = *until;
  q.limit = kPerPage;
  q.offset = (*page - 1) * kPerPage;
  auto entries = s.admin->audit_log(q);
  if (!entries) return http::problem(entries.error());
  boost::json::array items;
  for (const auto& e : entries->entries) {
    items.push_back(boost::json::object{{"id", e.id},
                                        {"at", format_rfc3339(e.at)},
                                        {"event", e.event},
                                        {"user_id", e.user_id},
                                        {"actor_id", e.actor_id},
                                        {"ip", e.ip},
                                        {"user_agent", e.user_agent},
                                        {"detail", e.detail}});
  }
  return Response::json(
      200, boost::json::object{
               {"entries", std::move(items)}, {"page", *page}, {"per_page", kPerPage}, {"total", entries->total}});
}

namespace {

Result<bool> bool_param(const Request& req, std::string_view name) {
  const auto v = req.query_value(name);
  if (!v || v->empty() || *v == "false") return false;
  if (*v == "true") return true;
  return make_error(errc::invalid_request, std::string(name) + ": true or false");
}

}  // namespace

Response admin_import_users(Services& s, Request& req) {
  // The body is NDJSON (the route's BodyKind), within import_max_body_bytes.
  domain::ImportOptions options;
  const auto existing = req.query_value("existing").value_or("refuse");
  if (existing == "skip") {
    options.existing = domain::OnExisting::skip;
  } else if (existing == "update") {
    options.existing = domain::OnExisting::update;
  } else if (existing != "refuse" && !existing.empty()) {
    return http::problem(make_error(errc::invalid_request, "existing: refuse, skip or update"));
  }
  auto dry_run = bool_param(req, "dry_run");
  if (!dry_run) return http::problem(dry_run.error());
  auto atomic = bool_param(req, "atomic");
  if (!atomic) return http::problem(atomic.error());
  options.dry_run = *dry_run;
  options.atomic = *atomic;

  auto run = s.importer->start(actor_of(req), options);
  UserLineFeed feed(run);
  if (auto r = feed.feed(req.body); !r) return http::problem(r.error());
  if (auto r = feed.end(); !r) return http::problem(r.error());
  auto report = run.finish();
  if (!report) return http::problem(report.error());
  log::info("users_imported")
      .str("actor", req.principal->user_id.str())
      .num("imported", static_cast<std::int64_t>(report->imported))
      .num("updated", static_cast<std::int64_t>(report->updated))
      .num("skipped", static_cast<std::int64_t>(report->skipped))
      .num("refused", static_cast<std::int64_t>(report->refused.size()))
      .flag("dry_run", report->dry_run);
  return Response::json(200, import_report_json(*report));
}

}  // namespace tessera::api
