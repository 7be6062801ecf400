// Sends one message through mail::SmtpSender and prints the outcome as one JSON line, so
// tests/e2e/smtp_transport.test.mjs can prove the sender against a real SMTP server (no mocks):
//
//   smtp_send_tool --url smtps://u:p@127.0.0.1:4650 --from 'Tessera <no-reply@x>' --to a@b
//                  [--ca FILE] [--subject S] [--text T] [--html H] [--timeout SECONDS]
//
// Prints {"ok":true,"ms":12} or {"ok":false,"code":"internal_error","reason":"smtp: ...","ms":3};
// exits 0 when sent, 1 when sending failed, 2 on bad arguments or options.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "core/json.hpp"
#include "crypto/random_source.hpp"
#include "mail/smtp_sender.hpp"

namespace {

void print_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int usage(const std::string& why) {
  std::string line = "{\"ok\":false,\"code\":\"usage\",\"reason\":";
  tessera::json::append_quoted(line, why);
  line += "}";
  print_line(line);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessera;
  std::map<std::string, std::string> args = {
      {"--subject", "Tessera SMTP test"},
      {"--text", "Hello from Tessera.\nOpen https://example.test/verify?token=abc to continue.\n"},
      {"--html", "<p>Hello from Tessera.</p><p><a href=\"https://example.test/verify?token=abc\">Continue</a></p>"},
      {"--timeout", "10"},
      {"--ca", ""},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) return usage("expected --name value pairs, got " + key);
    args[key] = argv[++i];
  }
  for (const char* required : {"--url", "--from", "--to"}) {
    if (!args.count(required)) return usage(std::string("missing ") + required);
  }

  mail::SmtpOptions options;
  options.url = args["--url"];
  options.from = args["--from"];
  options.ca_file = args["--ca"];
  options.timeout = std::chrono::seconds(std::stoi(args["--timeout"]));
  if (auto checked = mail::check_smtp_options(options); !checked) return usage(checked.error().detail);

  mail::init();
  crypto::SystemRandom random;
  mail::SmtpSender sender(options, random);
  const mail::Message message{args["--to"], args["--subject"], args["--text"], args["--html"]};

  const auto start = std::chrono::steady_clock::now();
  const auto sent = sender.send(message);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::string line = "{\"ok\":";
  line += sent ? "true" : "false";
  if (!sent) {
    line += ",\"code\":";
    json::append_quoted(line, to_string(sent.code()));
    line += ",\"reason\":";
    json::append_quoted(line, sent.error().reason);
  }
  line += ",\"ms\":" + std::to_string(ms) + "}";
  print_line(line);
  return sent ? 0 : 1;
}
