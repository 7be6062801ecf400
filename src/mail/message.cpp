#include "mail/message.hpp"

#include <array>
#include <cstdint>
#include <ctime>
#include <vector>

#include "core/utf8.hpp"

namespace tessera::mail {
namespace {

// RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets.
constexpr std::size_t kMaxAddressBytes = 254;
// Bytes of UTF-8 per encoded-word: 39 bytes are 52 base64 characters, so "=?UTF-8?B?...?=" is 64
// characters and "Subject: " plus one word stays within the 78 a header line should keep to.
constexpr std::size_t kEncodedWordBytes = 39;
// Random bytes in the Message-ID and the MIME boundary: enough that no two mails share one.
constexpr std::size_t kMessageIdBytes = 16;
constexpr std::size_t kBoundaryBytes = 12;
// RFC 2606: a domain that never exists, for a Message-ID whose From domain cannot be written
// in ASCII.
constexpr std::string_view kFallbackDomain = "tessera.invalid";

// A display name longer than this is written as encoded-words, so "From: " and the name stay
// within the 78 characters a header line should keep to.
constexpr std::size_t kMaxPlainName = 60;

constexpr char kHex[] = "0123456789ABCDEF";

Error invalid(std::string detail) { return make_error(errc::invalid_request, std::move(detail)); }

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower_hex(std::string_view bytes) {
  static constexpr char kLower[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kLower[c >> 4]);
    out.push_back(kLower[c & 0xF]);
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                            (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// RFC 5322 atext plus space: a display name made only of these needs no quoting.
bool is_plain_phrase(std::string_view s) {
  for (unsigned char c : s) {
    const bool atext = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(static_cast<char>(c)) != std::string_view::npos;
    if (!atext) return false;
  }
  return true;
}

// The display name as written in the From header, for a value that may arrive quoted.
std::string unquote(std::string_view name) {
  if (name.size() < 2 || name.front() != '"' || name.back() != '"') return std::string(name);
  std::string out;
  for (std::size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] == '\\' && i + 2 < name.size()) ++i;
    out.push_back(name[i]);
  }
  return out;
}

// The phrase of a From header in a form every reader parses: as it is, quoted, or encoded-words.
std::string format_display_name(std::string_view raw_name) {
  const std::string name = unquote(raw_name);
  if (name.empty()) return {};
  // Longer names are encoded too: encoded-words can be folded, a phrase's single word cannot.
  if (name.find("=?") != std::string::npos || !is_ascii(name) || name.size() > kMaxPlainName) {
    return encode_words(name);
  }
  if (is_plain_phrase(name)) return name;
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

struct FromParts {
  std::string name;     // display name as written (possibly quoted), may be empty
  std::string address;  // bare addr-spec
};

Result<FromParts> split_from(std::string_view from_header) {
  if (has_line_break_or_nul(from_header)) return invalid("From: must be one line");
  const std::string_view from = trim(from_header);
  if (from.empty()) return invalid("From: is empty");
  FromParts parts;
  std::string_view address = from;
  if (from.back() == '>') {
    const auto open = from.rfind('<');
    if (open == std::string_view::npos) return invalid("From: has '>' without '<'");
    address = from.substr(open + 1, from.size() - open - 2);
    parts.name = std::string(trim(from.substr(0, open)));
    const bool quoted = parts.name.size() >= 2 && parts.name.front() == '"' && parts.name.back() == '"';
    if (!quoted && parts.name.find_first_of("<>\"") != std::string::npos) {
      return invalid("From: a display name with <, > or \" must be in double quotes");
    }
  }
  if (!is_bare_address(address)) {
    return invalid("From: expected \"Name <address@domain>\" or \"address@domain\"");
  }
  parts.address = std::string(address);
  return parts;
}

// Subject header value: ASCII folded at spaces when possible, encoded-words otherwise.
std::string format_subject(std::string_view subject) {
  constexpr std::string_view kName = "Subject: ";
  bool printable = true;
  for (unsigned char c : subject) {
    if (c < 0x20 || c > 0x7e) printable = false;
  }
  if (!printable || subject.find("=?") != std::string_view::npos) return encode_words(subject);

  // Greedy folding: break before a space that starts a non-empty word, so unfolding (removing
  // the CRLF) gives back the subject byte for byte and no line is only whitespace.
  std::string out;
  std::size_t line_len = kName.size();
  std::size_t start = 0;
  bool first = true;
  bool fits = true;
  while (start <= subject.size()) {
    std::size_t next = subject.find(' ', start + (first ? 0 : 1));
    if (next == std::string_view::npos) next = subject.size();
    const std::string_view piece = subject.substr(start, next - start);
    const bool breakable = !first && piece.size() > 1;  // " word", not a lone " "
    if (breakable && line_len + piece.size() > kMaxHeaderLine) {
      out += "\r\n";
      line_len = 0;
    }
    out += piece;
    line_len += piece.size();
    if (line_len > kMaxHeaderLine) fits = false;  // a word too long to fold: encode instead
    first = false;
    if (next == subject.size()) break;
    start = next;
  }
  return fits ? out : encode_words(subject);
}

}  // namespace

bool is_bare_address(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressBytes) return false;
  const auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  for (unsigned char c : address) {
    if (c <= 0x20 || c == 0x7f) return false;
    if (std::string_view("\"(),:;<>[\\]").find(static_cast<char>(c)) != std::string_view::npos) return false;
  }
  return utf8::valid(address);
}

Result<std::string> address_of(std::string_view from_header) {
  auto parts = split_from(from_header);
  if (!parts) return std::move(parts).error();
  return std::move(parts->address);
}

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  std::size_t line_len = 0;
  const auto is_break = [&](std::size_t i) { return i >= text.size() || text[i] == '\r' || text[i] == '\n'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
      line_len = 0;
      continue;
    }
    // Decided per position, because a soft break changes what counts as the start of a line.
    const auto must_encode = [&](std::size_t column) {
      if (c == ' ' || c == '\t') return is_break(i + 1);  // trailing whitespace is lost in transit
      if (c == '=' || c < 0x21 || c > 0x7e) return true;
      // A lone "." line ends SMTP DATA and "From " lines get mangled by mbox tools.
      if (column == 0 && c == '.') return true;
      if (column == 0 && text.substr(i, 5) == "From ") return true;
      return false;
    };
    bool encode = must_encode(line_len);
    if (line_len + (encode ? 3 : 1) > kMaxQuotedPrintableLine - 1) {
      out += "=\r\n";
      line_len = 0;
      encode = must_encode(0);
    }
    if (encode) {
      out.push_back('=');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
      line_len += 3;
    } else {
      out.push_back(static_cast<char>(c));
      line_len += 1;
    }
  }
  return out;
}

std::string encode_words(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = utf8::sequence_length(text, end);
      if (n == 0) n = 1;  // not UTF-8: callers validate first; never loop forever
      if (end + n - i > kEncodedWordBytes) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?";
    out += base64(text.substr(i, end - i));
    out += "?=";
    i = end;
  }
  return out;
}

std::string format_rfc5322_date(TimePoint t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  // Names written out rather than strftime's %a/%b, which follow the process locale.
  const int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                              tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return std::string(buf, static_cast<std::size_t>(n));
}

Result<std::string> build_mime(const Message& m, std::string_view from_header, Random& random, TimePoint now) {
  if (has_line_break_or_nul(m.to)) return invalid("To: must be one line");
  if (has_line_break_or_nul(m.subject)) return invalid("Subject: must be one line");
  if (!is_bare_address(m.to)) return invalid("To: expected one bare address");
  auto from = split_from(from_header);
  if (!from) return std::move(from).error();
  if (!utf8::valid(m.subject)) return invalid("Subject: is not UTF-8");
  if (!utf8::valid(m.text)) return invalid("the text body is not UTF-8");
  if (!utf8::valid(m.html)) return invalid("the HTML body is not UTF-8");

  std::string domain = from->address.substr(from->address.find('@') + 1);
  if (!is_ascii(domain)) domain = kFallbackDomain;
  const std::string boundary = "=_tessera_" + lower_hex(random.bytes(kBoundaryBytes));
  const std::string message_id = "<" + lower_hex(random.bytes(kMessageIdBytes)) + "@" + domain + ">";

  std::string out;
  out.reserve(m.text.size() * 2 + m.html.size() * 2 + 1024);
  const std::string name = format_display_name(from->name);
  out += "From: ";
  if (!name.empty()) {
    out += name;
    // An encoded-word name ends its own folded line; keep the address off a too-long line.
    out += name.find("\r\n") != std::string::npos || name.size() + from->address.size() > 64 ? "\r\n " : " ";
    out += "<" + from->address + ">";
  } else {
    out += from->address;
  }
  out += "\r\nTo: " + m.to;
  out += "\r\nSubject: " + format_subject(m.subject);
  out += "\r\nDate: " + format_rfc5322_date(now);
  out += "\r\nMessage-ID: " + message_id;
  out += "\r\nMIME-Version: 1.0";
  // RFC 3834: a machine wrote this mail, so vacation responders should not answer it.
  out += "\r\nAuto-Submitted: auto-generated";

  const auto append_part_headers = [&](std::string_view type) {
    out += "Content-Type: ";
    out += type;
    out += "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  };
  if (m.html.empty()) {
    out += "\r\n";
    append_part_headers("text/plain");
    out += encode_quoted_printable(m.text);
    out += "\r\n";
    return out;
  }
  // Quoted-printable never writes "=_" (a '=' is followed by hex or a line break), so a boundary
  // that starts with it cannot occur inside a part.
  out += "\r\nContent-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n";
  append_part_headers("text/plain");
  out += encode_quoted_printable(m.text);
  out += "\r\n--" + boundary + "\r\n";
  append_part_headers("text/html");
  out += encode_quoted_printable(m.html);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace tessera::mail
