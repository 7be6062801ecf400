#pragma once
// The user import/export format (docs/operations.md, "Moving users in and out"): JSON lines, one
// account a line, written by `tessera user export` and read by `tessera user import` and
// POST /admin/users/import:
//
//   {"id":"…uuid…","email":"a@example.com","username":null,"password_hash":"$2b$10$…",
//    "email_verified":true,"disabled":false,"roles":["admin"],"created_at":"2026-01-02T03:04:05.678Z"}
//
// Only `email` or `username` is required. Unknown members are refused (a misspelt
// "emailVerified" would otherwise import every user unverified without a word).
#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "domain/user.hpp"
#include "domain/user_import.hpp"

namespace tessera::api {

// A longer line is refused without being held: no account needs more than a few hundred bytes.
inline constexpr std::size_t kMaxUserLineBytes = 64 * 1024;

// One line (without its newline) as a user; the error's detail is the reason it is refused.
Result<domain::ImportedUser> parse_user_line(std::string_view line, std::size_t number);

// One account as a line of the format, without the newline.
std::string user_line(const domain::User& user);

// Cuts a byte stream into lines and hands each to the import: parsed, or refused with its reason.
// Blank lines are ignored; a CR before the newline and a UTF-8 byte order mark on the first line
// are dropped (files from Windows tools). Holds at most one line of kMaxUserLineBytes.
class UserLineFeed {
 public:
  explicit UserLineFeed(domain::UserImport& run) : run_(run) {}
  // An error only when the store fails.
  Result<void> feed(std::string_view bytes);
  // The last line, when the stream does not end with a newline.
  Result<void> end();

 private:
  Result<void> line_done();

  domain::UserImport& run_;
  std::string partial_;
  std::size_t line_ = 1;
  bool overlong_ = false;
};

// The report as JSON: {"imported","updated","unchanged","skipped","refused":[{"line","reason"}],"new_ids":[…],
// "dry_run","rolled_back"}.
boost::json::object import_report_json(const domain::ImportReport& report);

}  // namespace tessera::api
