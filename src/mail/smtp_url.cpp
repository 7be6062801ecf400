// TESSERA_SMTP_URL parsing. Kept apart from the libcurl code so the rules are plain to test, and
// so libcurl is never handed a URL with credentials in it (they go in as separate options, and
// curl's own messages can then never quote them).
#include <charconv>

#include "mail/smtp_sender.hpp"

namespace tessera::mail {
namespace {

constexpr std::string_view kShape = "smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465";
// RFC 1035: a host name is at most 253 characters.
constexpr std::size_t kMaxHostBytes = 253;

Error bad(std::string why) { return make_error(errc::invalid_request, std::move(why)); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes the user or password; `what` names it in the error, which never shows it.
Result<std::string> percent_decode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return bad(std::string(what) + " has a '%' not followed by two hex digits: write a literal % as %25");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
      continue;
    }
    if (c <= 0x20 || c == 0x7f) {
      return bad(std::string(what) + " has a space or control character: percent-encode it (a space is %20)");
    }
    out.push_back(static_cast<char>(c));
  }
  if (out.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return bad(std::string(what) + " decodes to a line break or NUL");
  }
  return out;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

}  // namespace

std::string SmtpUrl::without_credentials() const {
  std::string out = implicit_tls ? "smtps://" : "smtp://";
  out += host;
  out += ':';
  out += std::to_string(port);
  out += '/';
  out += ehlo_name;
  return out;
}

Result<SmtpUrl> parse_smtp_url(std::string_view url) {
  SmtpUrl out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("expected " + std::string(kShape));
  std::string scheme(url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (scheme == "smtps") {
    out.implicit_tls = true;
  } else if (scheme != "smtp") {
    return bad("the scheme must be smtp:// (STARTTLS, port 587) or smtps:// (implicit TLS, port 465)");
  }
  std::string_view rest = url.substr(sep + 3);

  // Userinfo ends at the last '@' before the path; a second '@' means one was not encoded.
  const auto path_start = rest.find('/', rest.rfind('@') == std::string_view::npos ? 0 : rest.rfind('@'));
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start + 1);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    if (userinfo.find('@') != std::string_view::npos) {
      return bad(
          "write '@' in the user name or password as %40, e.g. "
          "smtp://me%40gmail.com:APP_PASSWORD@smtp.gmail.com:587");
    }
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return bad("the user name has no password: write smtp://user:password@host:port");
    }
    auto user = percent_decode(userinfo.substr(0, colon), "the user name");
    if (!user) return std::move(user).error();
    auto password = percent_decode(userinfo.substr(colon + 1), "the password");
    if (!password) return std::move(password).error();
    if (user->empty()) return bad("the user name is empty: write smtp://user:password@host:port");
    if (password->empty()) return bad("the password is empty: write smtp://user:password@host:port");
    out.username = std::move(*user);
    out.password = SecretString(std::move(*password));
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("the IPv6 address has no closing ']'");
    const std::string_view inside = authority.substr(1, close - 1);
    if (inside.empty()) return bad("the IPv6 address is empty");
    for (char c : inside) {
      if (!is_ipv6_char(c)) return bad("the IPv6 address has a character that does not belong in one");
    }
    out.host = std::string(authority.substr(0, close + 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("expected ':port' after the IPv6 address");
    if (!after.empty()) port_text = after.substr(1);
    if (after == ":") return bad("the port is empty");
  } else {
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) return bad("the host is missing: expected " + std::string(kShape));
    if (host.size() > kMaxHostBytes) return bad("the host name is longer than 253 characters");
    for (char c : host) {
      if (!is_host_char(c)) {
        return bad(
            "the host has a character that does not belong in a host name (an international name is "
            "written in its xn-- form)");
      }
    }
    out.host = std::string(host);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("the port is empty");
    }
  }
  if (out.host.empty()) return bad("the host is missing: expected " + std::string(kShape));

  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    out.port = port;
  } else {
    out.port = out.implicit_tls ? kDefaultSmtpsPort : kDefaultSmtpPort;
  }

  if (path.find_first_of("?#") != std::string_view::npos || authority.find_first_of("?#") != std::string_view::npos) {
    return bad("an SMTP URL has no query or fragment: expected " + std::string(kShape));
  }
  if (path.find('/') != std::string_view::npos) return bad("the path may only be the name to greet the server with");
  for (char c : path) {
    if (!is_host_char(c)) return bad("the path may only be the name to greet the server with (a host name)");
  }
  out.ehlo_name = std::string(path);
  return out;
}

Result<void> check_smtp_url(std::string_view url) {
  auto parsed = parse_smtp_url(url);
  if (!parsed) return std::move(parsed).error();
  return ok();
}

}  // namespace tessera::mail
