#include "store/common/text_codecs.hpp"

#include <algorithm>

namespace tessera::store {
namespace {

constexpr std::string_view kRoleSeparators = " \t\r\n\v\f";

}  // namespace

Result<std::string> encode_roles(std::vector<std::string> roles) {
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  std::string out;
  for (const auto& role : roles) {
    if (role.empty() || role.find_first_of(kRoleSeparators) != std::string::npos) {
      return make_error(errc::internal_error, "", "store: role name \"" + role + "\" is empty or has whitespace");
    }
    if (!out.empty()) out.push_back(' ');
    out += role;
  }
  return out;
}

std::vector<std::string> decode_roles(std::string_view text) {
  std::vector<std::string> roles;
  while (!text.empty()) {
    const auto end = text.find(' ');
    if (end != 0) roles.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return roles;
}

std::string encode_amr(const std::vector<std::string>& amr) {
  std::string out;
  for (const auto& m : amr) {
    if (!out.empty()) out.push_back(' ');
    out += m;
  }
  return out;
}

std::vector<std::string> decode_amr(std::string_view text) { return decode_roles(text); }

std::string like_pattern(std::string_view text) {
  std::string p = "%";
  for (const char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') p.push_back('\\');
    p.push_back(ch);
  }
  p.push_back('%');
  return p;
}

std::string_view revocation_kind_name(domain::RevocationEvent::Kind kind) {
  switch (kind) {
    case domain::RevocationEvent::Kind::session: return "session";
    case domain::RevocationEvent::Kind::user: return "user";
  }
  return "session";
}

domain::RevocationEvent::Kind parse_revocation_kind(std::string_view text) {
  return text == "user" ? domain::RevocationEvent::Kind::user : domain::RevocationEvent::Kind::session;
}

}  // namespace tessera::store
