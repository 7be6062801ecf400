#include "mail/templates.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/html.hpp"
#include "core/utf8.hpp"

namespace tessera::mail {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 3> kKinds = {"verify_email", "reset_password", "security_notice"};
constexpr std::array<std::string_view, 3> kParts = {"subject", "txt", "html"};
constexpr std::array<std::string_view, 5> kPlaceholders = {"product", "link", "email", "expires", "notice"};

// The built-ins: short, friendly, plain. The HTML has no CSS, scripts or remote images (mail
// clients block them, and they would tell a tracker when the mail is opened).
constexpr std::string_view kVerifySubject = "Confirm your email for {{product}}";
constexpr std::string_view kVerifyText =
    "Hello,\n"
    "\n"
    "Please confirm that {{email}} is your email address for {{product}} by opening this link:\n"
    "\n"
    "{{link}}\n"
    "\n"
    "The link works for {{expires}}. If you did not create a {{product}} account, you can ignore this email.\n"
    "\n"
    "{{product}}\n";
constexpr std::string_view kVerifyHtml =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head><meta charset=\"utf-8\"><title>Confirm your email for {{product}}</title></head>\n"
    "<body>\n"
    "<p>Hello,</p>\n"
    "<p>Please confirm that {{email}} is your email address for {{product}}.</p>\n"
    "<p><a href=\"{{link}}\"><strong>Confirm my email</strong></a></p>\n"
    "<p>If the button does not work, copy this link into your browser:<br>{{link}}</p>\n"
    "<p>The link works for {{expires}}. If you did not create a {{product}} account, you can ignore this "
    "email.</p>\n"
    "<p>{{product}}</p>\n"
    "</body>\n"
    "</html>\n";
constexpr std::string_view kResetSubject = "Reset your {{product}} password";
constexpr std::string_view kResetText =
    "Hello,\n"
    "\n"
    "Someone asked to reset the password of the {{product}} account for {{email}}. To choose a new password, "
    "open this link:\n"
    "\n"
    "{{link}}\n"
    "\n"
    "The link works once, for {{expires}}. If you did not ask for this, ignore this email: your password stays "
    "as it is.\n"
    "\n"
    "{{product}}\n";
constexpr std::string_view kResetHtml =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head><meta charset=\"utf-8\"><title>Reset your {{product}} password</title></head>\n"
    "<body>\n"
    "<p>Hello,</p>\n"
    "<p>Someone asked to reset the password of the {{product}} account for {{email}}.</p>\n"
    "<p><a href=\"{{link}}\"><strong>Choose a new password</strong></a></p>\n"
    "<p>If the button does not work, copy this link into your browser:<br>{{link}}</p>\n"
    "<p>The link works once, for {{expires}}. If you did not ask for this, ignore this email: your password "
    "stays as it is.</p>\n"
    "<p>{{product}}</p>\n"
    "</body>\n"
    "</html>\n";
// A change to the account's protection (a second factor added or removed, a recovery code
// used): the owner hears of it, so a change they did not make does not go unnoticed.
constexpr std::string_view kNoticeSubject = "Security notice for your {{product}} account";
constexpr std::string_view kNoticeText =
    "Hello,\n"
    "\n"
    "{{notice}}\n"
    "\n"
    "If this was you, there is nothing to do. If it was not, change your password and contact us at once.\n"
    "\n"
    "{{product}}\n";
constexpr std::string_view kNoticeHtml =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head><meta charset=\"utf-8\"><title>Security notice for your {{product}} account</title></head>\n"
    "<body>\n"
    "<p>Hello,</p>\n"
    "<p>{{notice}}</p>\n"
    "<p>If this was you, there is nothing to do. If it was not, change your password and contact us at once.</p>\n"
    "<p>{{product}}</p>\n"
    "</body>\n"
    "</html>\n";
constexpr std::array<std::string_view, 9> kBuiltIn = {kVerifySubject, kVerifyText, kVerifyHtml,
                                                      kResetSubject,  kResetText,  kResetHtml,
                                                      kNoticeSubject, kNoticeText, kNoticeHtml};

constexpr std::string_view kBuiltInSource = "built-in";

Error bad(std::string detail) { return make_error(errc::invalid_request, std::move(detail)); }

std::string file_name(std::size_t index) {
  return std::string(kKinds[index / 3]) + "." + std::string(kParts[index % 3]);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The file's text, or an error naming it. Refuses more than kMaxTemplateBytes.
Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return bad("mail template " + path.string() + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("mail template " + path.string() + ": cannot be read (" + std::strerror(errno) + ")");
  std::string text(kMaxTemplateBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return bad("mail template " + path.string() + ": cannot be read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxTemplateBytes) {
    return bad("mail template " + path.string() + ": larger than " + std::to_string(kMaxTemplateBytes / 1024) + " KiB");
  }
  return text;
}

}  // namespace

Result<Templates::Parsed> Templates::parse(std::string_view text, const std::string& source, bool subject) {
  const auto fail = [&](const std::string& why) { return bad("mail template " + source + ": " + why); };
  // Editors on some systems start UTF-8 files with a byte-order mark; it is not text.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!utf8::valid(text)) return fail("is not UTF-8");
  if (subject) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
      text.remove_suffix(1);
    }
    if (text.find_first_of("\r\n") != std::string_view::npos) return fail("a subject is one line");
  }
  Parsed out;
  out.source = source;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    if (open > pos) out.pieces.push_back({false, std::string(text.substr(pos, open - pos))});
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return fail("a placeholder opened with {{ is never closed with }}");
    const std::string_view name = trim(text.substr(open + 2, close - open - 2));
    bool known = false;
    for (auto p : kPlaceholders) known = known || p == name;
    if (!known) {
      const std::string shown = name.size() > 40 ? std::string(name.substr(0, 40)) + "..." : std::string(name);
      return fail("unknown placeholder {{" + shown +
                  "}}; use {{product}}, {{link}}, {{email}}, {{expires}} or {{notice}}");
    }
    out.pieces.push_back({true, std::string(name)});
    pos = close + 2;
  }
  if (pos < text.size()) out.pieces.push_back({false, std::string(text.substr(pos))});
  return out;
}

std::string Templates::expand(const Parsed& t, const MailVars& vars, bool html) {
  std::string out;
  for (const auto& piece : t.pieces) {
    if (!piece.placeholder) {
      out += piece.text;
      continue;
    }
    const std::string& value = piece.text == "product"   ? vars.product
                               : piece.text == "link"    ? vars.link
                               : piece.text == "email"   ? vars.email
                               : piece.text == "expires" ? vars.expires
                                                         : vars.notice;
    if (html) {
      html::append_escaped(out, value);
    } else {
      out += value;
    }
  }
  return out;
}

Result<Templates> Templates::load(const std::string& dir) {
  Templates t;
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    return bad("mail template directory " + dir + ": not found or not a directory");
  }
  for (std::size_t i = 0; i < t.parsed_.size(); ++i) {
    const bool subject = i % 3 == 0;
    std::string text(kBuiltIn[i]);
    std::string source(kBuiltInSource);
    if (!dir.empty()) {
      const fs::path path = fs::path(dir) / file_name(i);
      // exists() is false for a dangling symlink, which is the operator's mistake, not a default.
      if (fs::exists(path, ec) || fs::is_symlink(path, ec)) {
        auto read = read_file(path);
        if (!read) return std::move(read).error();
        text = std::move(*read);
        source = path.string();
      }
    }
    auto parsed = parse(text, source, subject);
    if (!parsed) return std::move(parsed).error();
    t.parsed_[i] = std::move(*parsed);
  }
  return t;
}

Result<Message> Templates::render(std::string_view kind, const MailVars& vars, std::string to) const {
  std::size_t base = parsed_.size();
  for (std::size_t k = 0; k < kKinds.size(); ++k) {
    if (kKinds[k] == kind) base = k * 3;
  }
  if (base == parsed_.size()) return bad("unknown mail kind: " + std::string(kind));
  Message m;
  m.to = std::move(to);
  m.subject = expand(parsed_[base], vars, false);
  if (m.subject.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return bad("a value put into the subject has a line break");
  }
  m.text = expand(parsed_[base + 1], vars, false);
  m.html = expand(parsed_[base + 2], vars, true);
  return m;
}

std::vector<std::string> Templates::sources() const {
  std::vector<std::string> out;
  for (const auto& p : parsed_) out.push_back(p.source);
  return out;
}

}  // namespace tessera::mail
