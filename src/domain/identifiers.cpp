#include "domain/identifiers.hpp"

#include <utf8proc.h>

#include <cstdlib>

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace tessera::domain {
namespace {

// Longest domain label (RFC 1035).
constexpr std::size_t kMaxDomainLabelBytes = 63;
// A raw username longer than this cannot normalise to 32 code points in any real script (even
// fully decomposed Hangul is 9 bytes a syllable); refusing it first bounds the Unicode work.
constexpr std::size_t kMaxRawUsernameBytes = 512;

Error email_error(std::string detail) { return make_error(errc::invalid_request, std::move(detail)); }
Error username_error(std::string detail) { return make_error(errc::invalid_request, std::move(detail)); }

bool is_ascii_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s, bool (*is_space)(char)) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Emails are trimmed of spaces and tabs only: CR and LF are never trimmed, so an address that
// carries a line break is refused whole (SPEC §4) rather than quietly repaired.
bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 atext: what an unquoted local part may hold besides '.' and UTF-8 (RFC 6531).
bool is_atext(char c) {
  if (is_ascii_letter(c) || is_ascii_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~': return true;
    default: return false;
  }
}

// A non-ASCII code point that has no place in an address: controls (C1, NEL), format characters
// (zero-width, bidirectional overrides), separators (NBSP, U+2028), private use, unassigned.
bool is_invisible_or_control(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return true;
    default: return false;
  }
}

// Calls f(code point, byte length) for each code point of well-formed UTF-8; stops when f
// returns false. Returns false when stopped or when the text is malformed.
template <class F>
bool for_each_code_point(std::string_view s, F&& f) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    if (!f(cp)) return false;
    p += n;
    left -= n;
  }
  return true;
}

Result<void> check_local_part(std::string_view local) {
  if (local.empty()) return email_error("email: the part before @ is empty");
  if (local.size() > kMaxEmailLocalBytes) {
    return email_error("email: the part before @ is longer than 64 bytes");
  }
  bool ascii_ok = true;
  bool has_non_ascii = false;
  for (char c : local) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      has_non_ascii = true;
    } else if (c != '.' && !is_atext(c)) {
      ascii_ok = false;
    }
  }
  if (!ascii_ok) return email_error("email: the part before @ contains a character that is not allowed");
  if (has_non_ascii) {
    if (!utf8::valid(local)) return email_error("email: not valid UTF-8");
    const bool clean =
        for_each_code_point(local, [](utf8proc_int32_t cp) { return cp < 0x80 || !is_invisible_or_control(cp); });
    if (!clean) {
      return email_error("email: the part before @ contains a character that is not allowed");
    }
  }
  return ok();
}

Result<void> check_domain(std::string_view domain) {
  if (domain.empty()) return email_error("email: the domain is empty");
  for (char c : domain) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '-' && c != '.') {
      return email_error(
          "email: the domain may only contain letters, digits, '-' and '.' (use the xn-- form of an "
          "international domain)");
    }
  }
  if (domain.front() == '.' || domain.back() == '.' || domain.front() == '-' || domain.back() == '-') {
    return email_error("email: the domain must not start or end with '.' or '-'");
  }
  while (!domain.empty()) {
    const std::size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (label.empty()) return email_error("email: the domain has an empty label ('..')");
    if (label.size() > kMaxDomainLabelBytes) {
      return email_error("email: a domain label is longer than 63 characters");
    }
    if (label.front() == '-' || label.back() == '-') {
      return email_error("email: a domain label must not start or end with '-'");
    }
    domain.remove_prefix(dot == std::string_view::npos ? domain.size() : dot + 1);
  }
  return ok();
}

// utf8proc's NFKC_Casefold (compatibility decomposition, case folding, default-ignorable code
// points removed, then composition) of well-formed UTF-8 with an explicit length.
bool nfkc_casefold(std::string_view text, std::string& out) {
  utf8proc_uint8_t* mapped = nullptr;
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                                      UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &mapped, options);
  if (n < 0) return false;
  out.assign(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
  std::free(mapped);
  return true;
}

bool is_letter_category(utf8proc_category_t c) {
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
         c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO;
}

}  // namespace

Result<std::string> normalize_email(std::string_view raw) {
  const std::string_view s = trim(raw, is_space_or_tab);
  if (s.empty()) return email_error("email: required");
  if (s.size() > kMaxEmailBytes) return email_error("email: at most 254 bytes");
  if (s.find_first_of("\r\n") != std::string_view::npos) {
    return email_error("email: line breaks are not allowed");
  }
  if (s.find_first_of(" \t") != std::string_view::npos) return email_error("email: spaces are not allowed");
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return email_error("email: control characters are not allowed");
  }
  if (s.find(',') != std::string_view::npos) return email_error("email: one address only, without commas");
  if (s.find_first_of("<>") != std::string_view::npos) {
    return email_error("email: give the bare address, without angle brackets");
  }
  const std::size_t at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) {
    return email_error("email: must contain exactly one @");
  }
  if (auto r = check_local_part(s.substr(0, at)); !r) return std::move(r).error();
  if (auto r = check_domain(s.substr(at + 1)); !r) return std::move(r).error();

  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

Result<std::string> normalize_username(std::string_view raw) {
  const std::string_view trimmed = trim(raw, is_ascii_whitespace);
  if (trimmed.empty()) return username_error("username: required");
  if (trimmed.size() > kMaxRawUsernameBytes) return username_error("username: at most 32 characters");
  if (!utf8::valid(trimmed)) return username_error("username: not valid UTF-8");
  std::string folded;
  if (!nfkc_casefold(trimmed, folded)) return username_error("username: cannot be normalised");
  // Compatibility mapping can turn an ideographic or no-break space at either end into ' '.
  const std::string name(trim(folded, is_ascii_whitespace));

  const std::size_t count = utf8::code_points(name);
  if (count < kMinUsernameCodePoints) return username_error("username: at least 3 characters");
  if (count > kMaxUsernameCodePoints) return username_error("username: at most 32 characters");

  // Letters (any script), decimal digits, '_', '.', '-'. A combining mark is allowed right after
  // a letter or another mark, because scripts such as Devanagari and Thai write vowels with them.
  bool after_letter = false;
  const bool allowed = for_each_code_point(name, [&after_letter](utf8proc_int32_t cp) {
    const utf8proc_category_t cat = utf8proc_category(cp);
    const bool letter = is_letter_category(cat);
    const bool mark = cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC;
    const bool ok_here =
        letter || (mark && after_letter) || cat == UTF8PROC_CATEGORY_ND || cp == '_' || cp == '.' || cp == '-';
    after_letter = letter || (mark && after_letter);
    return ok_here;
  });
  if (!allowed) {
    return username_error("username: only letters, digits, '_', '.' and '-' are allowed");
  }
  if (name.front() == '.' || name.front() == '-' || name.back() == '.' || name.back() == '-') {
    return username_error("username: must not start or end with '.' or '-'");
  }
  return name;
}

IdentifierKind classify_identifier(std::string_view raw) {
  return raw.find('@') != std::string_view::npos ? IdentifierKind::email : IdentifierKind::username;
}

Result<AccountIdentifiers> normalize_identifiers(std::string_view email, std::string_view username) {
  if (email.empty() && username.empty()) {
    return make_error(errc::invalid_request, "email: an email or a username is required");
  }
  AccountIdentifiers out;
  if (!email.empty()) {
    auto e = normalize_email(email);
    if (!e) return std::move(e).error();
    out.email = std::move(*e);
  }
  if (!username.empty()) {
    auto u = normalize_username(username);
    if (!u) return std::move(u).error();
    out.username = std::move(*u);
  }
  return out;
}

}  // namespace tessera::domain
