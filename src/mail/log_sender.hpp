#pragma once
// The sender used when no SMTP server is configured (SPEC §1: the zero-config default): each
// mail becomes one JSON log line, with the link from its text body, so a developer can copy the
// verification or reset link from the log and the embedded default works end to end.
#include <string>
#include <string_view>
#include <vector>

#include "mail/sender.hpp"

namespace tessera::mail {

// The http:// and https:// links in a text body, in order, without trailing punctuation.
std::vector<std::string> find_links(std::string_view text);

class LogSender final : public Sender {
 public:
  // Writes {"msg":"mail","sender":"log","to":..,"subject":..,"link":..} at info level (and
  // "links", space-separated, when the body has more than one). Refuses what SMTP would refuse:
  // a recipient that is not one bare address, a subject with a line break.
  Result<void> send(const Message& m) override;
  std::string_view name() const override { return "log"; }
};

}  // namespace tessera::mail
