#include "mail/smtp_sender.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace tessera::mail {
namespace {

// The server reply kept for an error reason: enough for "535-5.7.8 Username and Password not
// accepted ..." and a support link, short enough for a last_error column and a log line.
constexpr std::size_t kMaxReplyChars = 300;
// A dead server should be reported well before the whole delivery's time runs out, so the
// outbox can back off; never longer than the delivery timeout itself.
constexpr std::chrono::seconds kMaxConnectTimeout{10};

const SystemClock kSystemClock;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The message bytes, handed to libcurl as it asks for them (curl dot-stuffs and ends DATA).
struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->pos);
  std::memcpy(buffer, upload->data.data() + upload->pos, n);
  upload->pos += n;
  return n;
}

// What the server said, for error reasons. Only the server's lines are kept: the client's
// lines (which carry the AUTH credentials) and the message itself are dropped unread, and
// nothing is ever printed.
struct Transcript {
  std::vector<std::string> reply;        // the lines of the server's latest reply
  std::vector<std::string> error_reply;  // the latest 4xx or 5xx reply: the one that failed,
                                         // not the "221 Bye" to the QUIT that follows it
  bool reply_done = true;                // the latest line ended its reply ("250 ", not "250-")
  bool auth_sent = false;                // an AUTH command went out (its text is not kept)
};

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* t = static_cast<Transcript*>(user);
  if (type == CURLINFO_HEADER_OUT) {
    if (size >= 5 && strncasecmp(data, "AUTH ", 5) == 0) t->auth_sent = true;
    return 0;
  }
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line(data, std::min(size, kMaxReplyChars));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (t->reply_done) t->reply.clear();
  // RFC 5321 §4.2.1: "250-" continues a reply, "250 " ends it.
  t->reply_done = !(line.size() >= 4 && line[3] == '-');
  if (t->reply.size() < 8) t->reply.push_back(std::move(line));
  if (!t->reply.empty() && (t->reply.front()[0] == '4' || t->reply.front()[0] == '5')) t->error_reply = t->reply;
  return 0;
}

// "535 5.7.8 Username and Password not accepted. ..." from a one- or multi-line reply: the
// failing one if there was one, else the latest.
std::string last_reply(const Transcript& t) {
  std::string out;
  for (const auto& line : t.error_reply.empty() ? t.reply : t.error_reply) {
    if (out.empty()) {
      out = line;
      if (out.size() >= 4 && out[3] == '-') out[3] = ' ';
    } else {
      out += ' ';
      out += line.size() > 4 ? std::string_view(line).substr(4) : std::string_view{};
    }
  }
  // Server text goes into logs and a database column: keep it printable and short.
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (out.size() > kMaxReplyChars) out.resize(kMaxReplyChars);
  return out;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

std::string strip_prefix(std::string s, std::string_view prefix) {
  if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
  return s;
}

std::string with_reply(std::string text, const std::string& reply) {
  if (!reply.empty()) text += " (" + reply + ")";
  return text;
}

// A readable reason for the outbox and the operator, and whether the failure is this
// message's own (a retry cannot help) or the transport's.
Error describe_failure(CURLcode rc, const char* errbuf, const Transcript& t, long response_code, const SmtpUrl& url,
                       const SmtpOptions& options) {
  const std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
  const std::string reply = last_reply(t);
  // The failing reply's code: curl's own response code may be that of the QUIT after it.
  if (!t.error_reply.empty() && t.error_reply.front().size() >= 3) {
    response_code = std::atol(t.error_reply.front().substr(0, 3).c_str());
  }
  const std::string where = url.host + ":" + std::to_string(url.port);
  errc code = errc::internal_error;
  std::string reason;
  switch (rc) {
    case CURLE_LOGIN_DENIED:
      reason = t.auth_sent ? with_reply("smtp: login denied", reply)
                           : "smtp: login denied: the server offers neither AUTH PLAIN nor AUTH LOGIN";
      break;
    case CURLE_USE_SSL_FAILED:
      reason = "smtp: the server at " + where + " does not offer STARTTLS; refusing to send without TLS";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
      reason =
          "smtp: certificate problem: " + strip_prefix(strip_prefix(detail, "SSL certificate problem: "), "SSL: ") +
          (options.ca_file.empty() ? " (set TESSERA_SMTP_CA_FILE to trust a private CA)" : "");
      break;
    case CURLE_SSL_CACERT_BADFILE: reason = "smtp: cannot use the CA file " + options.ca_file + ": " + detail; break;
    case CURLE_SSL_CONNECT_ERROR:
      reason = "smtp: TLS handshake with " + where + " failed: " + detail;
      // The classic mix-up: smtps:// pointed at a STARTTLS port, which answers in plain text.
      if (url.implicit_tls && detail.find("wrong version number") != std::string::npos) {
        reason += " (the server did not answer in TLS: for a STARTTLS port such as 587, use smtp://)";
      }
      break;
    case CURLE_COULDNT_RESOLVE_HOST: reason = "smtp: cannot resolve host " + url.host; break;
    case CURLE_COULDNT_CONNECT: reason = "smtp: connection to " + where + " failed: " + detail; break;
    case CURLE_OPERATION_TIMEDOUT:
      reason = with_reply("smtp: timed out talking to " + where + ": " + detail, reply);
      // The other mix-up: smtp:// pointed at an implicit-TLS port, which waits for a handshake
      // while the client waits for a greeting.
      if (!url.implicit_tls && t.reply.empty()) {
        reason += " (the server sent no greeting: for an implicit-TLS port such as 465, use smtps://)";
      }
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
      reason = with_reply("smtp: the server at " + where + " closed the connection: " + detail, reply);
      break;
    default:
      if (detail.rfind("RCPT failed", 0) == 0) {
        reason = with_reply("smtp: recipient refused", reply);
        // 5xx is permanent (RFC 5321 §4.2.1): this address will not take the message.
        if (response_code >= 500) code = errc::invalid_request;
      } else if (detail.rfind("MAIL failed", 0) == 0) {
        reason = with_reply("smtp: sender refused (MAIL FROM)", reply);
      } else if (detail.rfind("DATA failed", 0) == 0 || rc == CURLE_WEIRD_SERVER_REPLY) {
        reason = with_reply("smtp: the server refused the message", reply);
      } else {
        reason = with_reply("smtp: " + detail, reply);
      }
  }
  return make_error(code, {}, std::move(reason));
}

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl failed to initialise");
  });
}

Result<void> check_smtp_options(const SmtpOptions& options) {
  // Each message names its setting: it is the one line start-up prints (SPEC §1).
  const auto naming = [](std::string_view setting, Error e) {
    e.detail = std::string(setting) + ": " + e.detail;
    return e;
  };
  if (auto url = check_smtp_url(options.url); !url) return naming("TESSERA_SMTP_URL", std::move(url).error());
  if (auto from = address_of(options.from); !from) return naming("TESSERA_SMTP_FROM", std::move(from).error());
  if (!options.ca_file.empty()) {
    std::FILE* f = std::fopen(options.ca_file.c_str(), "rb");
    if (f == nullptr) {
      return make_error(errc::invalid_request, "TESSERA_SMTP_CA_FILE: cannot read " + options.ca_file + ": " +
                                                   std::string(std::strerror(errno)));
    }
    std::fclose(f);
  }
  if (options.timeout.count() < 1) {
    return make_error(errc::invalid_request, "TESSERA_SMTP_TIMEOUT: the SMTP timeout must be at least 1s");
  }
  return ok();
}

SmtpSender::SmtpSender(SmtpOptions options, Random& random) : SmtpSender(std::move(options), random, kSystemClock) {}

SmtpSender::SmtpSender(SmtpOptions options, Random& random, const Clock& clock)
    : options_(std::move(options)), random_(random), clock_(clock) {
  if (auto checked = check_smtp_options(options_); !checked) {
    throw std::invalid_argument("SMTP settings: " + checked.error().detail);
  }
  url_ = std::move(*parse_smtp_url(options_.url));
  envelope_from_ = *address_of(options_.from);
  init();
}

SmtpSender::~SmtpSender() = default;

Result<void> SmtpSender::send(const Message& m) {
  // The domain validated the address already; refuse again so nothing else can reach RCPT TO.
  if (!is_bare_address(m.to)) {
    return make_error(errc::invalid_request, {}, "smtp: refusing a recipient that is not one bare address");
  }
  auto mime = build_mime(m, options_.from, random_, clock_.now());
  if (!mime) {
    Error e = std::move(mime).error();
    e.reason = "smtp: cannot build the message: " + e.detail;
    return e;
  }

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return make_error(errc::internal_error, {}, "smtp: libcurl could not create a handle");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {};
  Transcript transcript;
  Upload upload{*mime, 0};
  std::unique_ptr<curl_slist, SlistDeleter> recipients(curl_slist_append(nullptr, m.to.c_str()));
  if (!recipients) return make_error(errc::internal_error, {}, "smtp: out of memory");

  const std::string url = url_.without_credentials();
  const auto connect_timeout = std::min(options_.timeout, kMaxConnectTimeout);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // STARTTLS is required, never opportunistic: a server (or a man in the middle) that does not
  // offer it gets CURLE_USE_SSL_FAILED, not the password in the clear. smtps:// is TLS anyway.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    // Only the given CAs: a test or private CA should not widen trust to the system store.
    curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  }
  if (!url_.username.empty()) {
    // Credentials go in as options, never in the URL, so no curl message can quote them.
    // reveal() views a std::string, so it is NUL-terminated (and has no NUL inside: the URL
    // parser refuses one); curl copies it.
    curl_easy_setopt(c, CURLOPT_USERNAME, url_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, url_.password.reveal().data());
    // PLAIN and LOGIN are what every submission server (Gmail included) offers; over verified
    // TLS the challenge-response mechanisms add nothing and fail on servers with hashed stores.
    curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope_from_.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime->size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(options_.timeout.count()));
  // The sender runs on a worker thread: no SIGALRM-based resolver timeouts.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Verbose only so that on_debug sees the server's replies for error reasons; on_debug keeps
  // the server's lines, drops the client's (AUTH) unread, and prints nothing.
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &transcript);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return ok();
  long response_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response_code);
  Error e = describe_failure(rc, errbuf, transcript, response_code, url_, options_);
  // Belt and braces: whatever a server echoed, the password never reaches a log or a column.
  if (url_.password.size() >= 3) replace_all(e.reason, url_.password.reveal(), "****");
  return e;
}

}  // namespace tessera::mail
