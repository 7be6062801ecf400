#include "api/user_lines.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/json.hpp"
#include "core/time_format.hpp"
#include "core/utf8.hpp"

namespace tessera::api {
namespace {

Error bad(std::string what) { return make_error(errc::invalid_request, std::move(what)); }

// A string member, or null/absent as empty.
Result<std::string> text(const boost::json::value& v, std::string_view name) {
  if (v.is_null()) return std::string();
  if (!v.is_string()) return bad(std::string(name) + ": a string or null");
  return std::string(v.get_string());
}

Result<bool> flag(const boost::json::value& v, std::string_view name) {
  if (v.is_null()) return false;
  if (!v.is_bool()) return bad(std::string(name) + ": true or false");
  return v.get_bool();
}

}  // namespace

Result<domain::ImportedUser> parse_user_line(std::string_view line, std::size_t number) {
  if (!utf8::valid(line)) return bad("the line is not valid UTF-8");
  auto parsed = json::parse_strict(line, json::Limits{4});
  if (!parsed) {
    std::string why = parsed.error().reason;  // "json: duplicate member" and the like
    if (why.starts_with("json: ")) why.erase(0, 6);
    return bad("not valid JSON" + (why.empty() ? std::string() : " (" + why + ")"));
  }
  if (!parsed->is_object()) return bad("not a JSON object");
  domain::ImportedUser u;
  u.line = number;
  for (const auto& [key, v] : parsed->get_object()) {
    if (key == "id") {
      // Integer ids (Prisma's autoincrement, SQL serials) are welcome too: the account gets a
      // UUID, and the report maps the old id to it.
      if (v.is_int64() || v.is_uint64()) {
        u.id = boost::json::serialize(v);
      } else {
        auto s = text(v, "id");
        if (!s) return std::move(s).error();
        u.id = std::move(*s);
        if (u.id.size() > 200) return bad("id: at most 200 characters");
      }
    } else if (key == "email" || key == "username") {
      auto s = text(v, key);
      if (!s) return std::move(s).error();
      (key == "email" ? u.email : u.username) = std::move(*s);
    } else if (key == "password_hash") {
      if (v.is_null()) continue;
      auto s = text(v, "password_hash");
      if (!s) return std::move(s).error();
      if (s->empty()) return bad("password_hash: empty (write null for an account without a password)");
      u.password_hash = std::move(*s);
    } else if (key == "email_verified" || key == "disabled") {
      auto b = flag(v, key);
      if (!b) return std::move(b).error();
      (key == "email_verified" ? u.email_verified : u.disabled) = *b;
    } else if (key == "roles") {
      if (v.is_null()) continue;
      if (!v.is_array()) return bad("roles: an array of role names");
      for (const auto& r : v.get_array()) {
        if (!r.is_string()) return bad("roles: an array of role names");
        u.roles.emplace_back(r.get_string());
      }
    } else if (key == "created_at") {
      if (v.is_null()) continue;
      const auto at = v.is_string() ? parse_rfc3339(v.get_string()) : std::nullopt;
      if (!at) return bad("created_at: an RFC 3339 time with its offset, e.g. 2026-01-02T03:04:05Z");
      u.created_at = *at;
    } else {
      return bad("unknown member \"" + std::string(key) +
                 "\" (the format has id, email, username, password_hash, "
                 "email_verified, disabled, roles, created_at)");
    }
  }
  return u;
}

std::string user_line(const domain::User& user) {
  boost::json::array roles;
  for (const auto& r : user.roles) roles.emplace_back(r);
  const auto or_null = [](const std::string& s) -> boost::json::value {
    if (s.empty()) return nullptr;
    return boost::json::value(s);
  };
  const bool has_password = user.password_hash != domain::kNoPassword && !user.password_hash.empty();
  return boost::json::serialize(boost::json::object{
      {"id", user.id.str()},
      {"email", or_null(user.email)},
      {"username", or_null(user.username)},
      {"password_hash", has_password ? boost::json::value(user.password_hash) : boost::json::value(nullptr)},
      {"email_verified", user.email_verified},
      {"disabled", user.disabled},
      {"roles", std::move(roles)},
      {"created_at", format_rfc3339_ms(user.created_at)},
  });
}

Result<void> UserLineFeed::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    if (!overlong_) {
      if (partial_.size() + piece.size() > kMaxUserLineBytes) {
        overlong_ = true;  // the rest of this line is read and dropped
        partial_.clear();
        partial_.shrink_to_fit();
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) return ok();
    if (auto r = line_done(); !r) return r;
    bytes.remove_prefix(nl + 1);
  }
  return ok();
}

Result<void> UserLineFeed::end() {
  if (partial_.empty() && !overlong_) return ok();
  return line_done();
}

Result<void> UserLineFeed::line_done() {
  const std::size_t number = line_++;
  if (overlong_) {
    overlong_ = false;
    run_.refuse(number, "the line is longer than " + std::to_string(kMaxUserLineBytes) + " bytes");
    return ok();
  }
  std::string_view line = partial_;
  if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    partial_.clear();
    return ok();
  }
  auto user = parse_user_line(line, number);
  partial_.clear();
  if (!user) {
    run_.refuse(number, user.error().detail);
    return ok();
  }
  return run_.add(std::move(*user));
}

boost::json::object import_report_json(const domain::ImportReport& report) {
  boost::json::array refused;
  for (const auto& r : report.refused) refused.push_back(boost::json::object{{"line", r.line}, {"reason", r.reason}});
  boost::json::array new_ids;
  for (const auto& n : report.new_ids) {
    new_ids.push_back(boost::json::object{{"line", n.line}, {"given", n.given}, {"id", n.id}});
  }
  return boost::json::object{
      {"imported", report.imported}, {"updated", report.updated},         {"unchanged", report.unchanged},
      {"skipped", report.skipped},   {"refused", std::move(refused)},     {"new_ids", std::move(new_ids)},
      {"dry_run", report.dry_run},   {"rolled_back", report.rolled_back},
  };
}

}  // namespace tessera::api
