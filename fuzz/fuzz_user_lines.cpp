// fuzz_user_lines: the user import format (api/user_lines.hpp) read from hostile files: the
// line feed, parse_user_line, parse_rfc3339 and the import's checks, as a dry run over the real
// runtime (fuzz/support/app_fixture.hpp), so nothing is written and inputs stay independent.
//
// The first input byte picks how the stream is cut into chunks (1 to 256 bytes); the rest is
// the file.
//
// Properties: every line with something on it is imported, skipped, unchanged, updated or
// refused, exactly once, with a line number the file has, in order; a refusal has a reason; the
// same file in one chunk gives the same report; what parse_user_line accepts as a time,
// format_rfc3339_ms writes back in a form parse_rfc3339 reads as the same instant; a line
// user_line() writes parses back with the same fields.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/user_lines.hpp"
#include "core/time_format.hpp"
#include "support/app_fixture.hpp"
#include "support/check.hpp"

namespace {

using namespace tessera;

domain::ImportReport run(std::string_view file, std::size_t chunk) {
  auto& app = fuzz::app();
  domain::ImportOptions options;
  options.dry_run = true;
  options.existing = domain::OnExisting::update;
  auto imp = app.rt->importer->start(domain::Actor{"cli", {"", "fuzz"}}, options);
  api::UserLineFeed feed(imp);
  for (std::size_t i = 0; i < file.size(); i += chunk) {
    FUZZ_CHECK(feed.feed(file.substr(i, chunk)).has_value(), "the feed failed on a healthy store");
  }
  FUZZ_CHECK(feed.end().has_value(), "the feed's end failed on a healthy store");
  auto report = imp.finish();
  FUZZ_CHECK(report.has_value(), "finish failed on a healthy store");
  return std::move(*report);
}

std::size_t lines_with_content(std::string_view file) {
  std::size_t n = 0, number = 0;
  while (!file.empty() || number == 0) {
    const auto nl = file.find('\n');
    std::string_view line = file.substr(0, nl);
    ++number;
    const bool overlong = line.size() > api::kMaxUserLineBytes;  // refused whatever it holds
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (overlong || line.find_first_not_of(" \t") != std::string_view::npos) ++n;
    if (nl == std::string_view::npos) break;
    file.remove_prefix(nl + 1);
  }
  return n;
}

void check_times(std::string_view file) {
  // Any piece of the input as a time: what it reads as, written back, reads as the same.
  const std::string_view piece = file.substr(0, 64);
  if (auto t = parse_rfc3339(piece)) {
    const std::string again = format_rfc3339_ms(*t);
    auto back = parse_rfc3339(again);
    FUZZ_CHECK(back.has_value(), "parse_rfc3339 refuses what format_rfc3339_ms wrote");
    FUZZ_CHECK(
        std::chrono::floor<std::chrono::milliseconds>(*back) == std::chrono::floor<std::chrono::milliseconds>(*t),
        "a time changed on its way out and back in");
  }
}

void check_round_trip(std::string_view file) {
  auto parsed = api::parse_user_line(file.substr(0, file.find('\n')), 1);
  if (!parsed) return;
  domain::User u;
  u.id = domain::UserId(parsed->id);
  u.email = parsed->email;
  u.username = parsed->username;
  u.password_hash = parsed->password_hash.value_or(std::string(domain::kNoPassword));
  u.email_verified = parsed->email_verified;
  u.disabled = parsed->disabled;
  u.roles = parsed->roles;
  u.created_at = std::chrono::floor<std::chrono::milliseconds>(parsed->created_at.value_or(TimePoint{}));
  auto again = api::parse_user_line(api::user_line(u), 1);
  FUZZ_CHECK(again.has_value(), "parse_user_line refuses a line user_line wrote");
  FUZZ_CHECK(again->email == u.email && again->username == u.username && again->roles == u.roles &&
                 again->email_verified == u.email_verified && again->disabled == u.disabled,
             "a user's fields changed on their way out and back in");
  FUZZ_CHECK(again->password_hash.has_value() == (u.password_hash != domain::kNoPassword && !u.password_hash.empty()),
             "the password hash was lost or invented");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0];
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_times(file);
  check_round_trip(file);

  const auto r = run(file, chunk);
  const std::size_t accounted = r.imported + r.updated + r.unchanged + r.skipped + r.refused.size();
  FUZZ_CHECK(accounted == lines_with_content(file), "a line was lost or counted twice");
  std::size_t last = 0;
  for (const auto& refused : r.refused) {
    FUZZ_CHECK(refused.line > last, "refused lines are not in order, or one is reported twice");
    FUZZ_CHECK(!refused.reason.empty(), "a refusal without a reason");
    last = refused.line;
  }
  const auto whole = run(file, file.size() + 1);
  FUZZ_CHECK(whole.imported == r.imported && whole.refused.size() == r.refused.size(),
             "the report depends on where the chunks end");
  return 0;
}
