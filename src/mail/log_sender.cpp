#include "mail/log_sender.hpp"

#include "core/log.hpp"

namespace tessera::mail {

std::vector<std::string> find_links(std::string_view text) {
  std::vector<std::string> links;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto http = text.find("http", pos);
    if (http == std::string_view::npos) break;
    const std::string_view rest = text.substr(http);
    if (rest.rfind("https://", 0) != 0 && rest.rfind("http://", 0) != 0) {
      pos = http + 4;
      continue;
    }
    // A link ends at whitespace or at what cannot be in one unescaped (quotes, angle brackets).
    std::size_t end = http;
    while (end < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[end]);
      if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\'') break;
      ++end;
    }
    // "... open https://x/verify?token=abc." : the full stop ends the sentence, not the link.
    while (end > http && std::string_view(".,;:!?)").find(text[end - 1]) != std::string_view::npos) --end;
    std::string link(text.substr(http, end - http));
    if (link != "http://" && link != "https://") links.push_back(std::move(link));
    pos = std::max(end, http + 4);
  }
  return links;
}

Result<void> LogSender::send(const Message& m) {
  if (!is_bare_address(m.to)) {
    return make_error(errc::invalid_request, {}, "log: refusing a recipient that is not one bare address");
  }
  if (m.subject.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return make_error(errc::invalid_request, {}, "log: refusing a subject with a line break");
  }
  const auto links = find_links(m.text);
  std::string all;
  for (const auto& l : links) {
    if (!all.empty()) all += ' ';
    all += l;
  }
  auto line = log::info("mail");
  line.str("sender", "log").str("to", m.to).str("subject", m.subject);
  line.str("link", links.empty() ? std::string() : links.front());
  if (links.size() > 1) line.str("links", all);
  return ok();
}

}  // namespace tessera::mail
