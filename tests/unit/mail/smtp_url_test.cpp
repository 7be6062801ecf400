// TESSERA_SMTP_URL: what start-up accepts, what it refuses with one clear line, and that no
// error ever repeats the password.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/smtp_sender.hpp"

namespace tessera::mail {
namespace {

TEST(SmtpUrl, AcceptsGmailWithAnAppPassword) {
  const auto u = parse_smtp_url("smtp://me%40gmail.com:abcdefghijklmnop@smtp.gmail.com:587");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_FALSE(u->implicit_tls);
  EXPECT_EQ(u->host, "smtp.gmail.com");
  EXPECT_EQ(u->port, 587);
  EXPECT_EQ(u->username, "me@gmail.com");
  EXPECT_EQ(u->password.reveal(), "abcdefghijklmnop");
  EXPECT_EQ(u->without_credentials(), "smtp://smtp.gmail.com:587/");
}

TEST(SmtpUrl, PercentDecodesTheUserAndPassword) {
  const auto u = parse_smtp_url("smtps://us%3Aer:p%40ss%3Aw%2Frd%25%20x@mail.example.com:465");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_TRUE(u->implicit_tls);
  EXPECT_EQ(u->username, "us:er");
  EXPECT_EQ(u->password.reveal(), "p@ss:w/rd% x");
  EXPECT_EQ(u->without_credentials().find("p@ss"), std::string::npos);
}

TEST(SmtpUrl, DefaultsToTheSubmissionPorts) {
  EXPECT_EQ(parse_smtp_url("smtp://mail.example.com")->port, 587);
  EXPECT_EQ(parse_smtp_url("smtps://mail.example.com")->port, 465);
  EXPECT_EQ(parse_smtp_url("smtp://mail.example.com/")->port, 587);
}

TEST(SmtpUrl, AcceptsIpAddressesAnUppercaseSchemeAndAnEhloName) {
  EXPECT_TRUE(check_smtp_url("smtp://127.0.0.1:2525"));
  const auto v6 = parse_smtp_url("smtps://u:p@[::1]:4650");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->without_credentials(), "smtps://[::1]:4650/");
  EXPECT_TRUE(check_smtp_url("SMTPS://mail.example.com:465"));
  const auto ehlo = parse_smtp_url("smtp://mail.example.com:587/client.example.org");
  ASSERT_TRUE(ehlo);
  EXPECT_EQ(ehlo->ehlo_name, "client.example.org");
  EXPECT_EQ(ehlo->without_credentials(), "smtp://mail.example.com:587/client.example.org");
}

TEST(SmtpUrl, AcceptsNoCredentialsForARelayThatNeedsNone) {
  const auto u = parse_smtp_url("smtp://relay.internal:25");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->username.empty());
  EXPECT_TRUE(u->password.empty());
}

TEST(SmtpUrl, RefusesWhatIsNotAnSmtpUrl) {
  for (const char* url : {"",
                          "mail.example.com",
                          "http://mail.example.com",
                          "smtp:/mail.example.com",
                          "lmtp://mail.example.com",
                          "smtp://",
                          "smtp://:587",
                          "smtp://user:pw@",
                          "smtp://mail.example.com:",
                          "smtp://mail.example.com:0",
                          "smtp://mail.example.com:65536",
                          "smtp://mail.example.com:58x",
                          "smtp://mail.example.com:-1",
                          "smtp://mail example.com",
                          "smtp://mail.example.com?x=1",
                          "smtp://mail.example.com#f",
                          "smtp://[::1",
                          "smtp://[]:25",
                          "smtp://[::1]x",
                          "smtp://mail.example.com/a/b",
                          "smtp://user@host:587",
                          "smtp://:pw@host:587",
                          "smtp://user:@host:587",
                          "smtp://mäil.example.com"}) {
    const auto r = check_smtp_url(url);
    EXPECT_FALSE(r) << url;
    if (!r) {
      EXPECT_EQ(r.code(), errc::invalid_request);
      EXPECT_FALSE(r.error().detail.empty()) << url;
      EXPECT_EQ(r.error().detail.find('\n'), std::string::npos) << "one line: " << r.error().detail;
    }
  }
}

TEST(SmtpUrl, AsksForAnEncodedAtSignInTheUserName) {
  const auto r = check_smtp_url("smtp://me@gmail.com:abcdefghijklmnop@smtp.gmail.com:587");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("%40"), std::string::npos) << r.error().detail;
}

TEST(SmtpUrl, RefusesBrokenPercentEncodingWithoutShowingThePassword) {
  for (const char* url :
       {"smtp://user:sec%zzret@host:587", "smtp://user:secret%4@host:587", "smtp://user:secret%@host:587",
        "smtp://user:sec%0Dret@host:587", "smtp://user:sec%00ret@host:587", "smtp://user:sec ret@host:587"}) {
    const auto r = check_smtp_url(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().detail.find("sec"), std::string::npos) << r.error().detail;
    EXPECT_EQ(r.error().detail.find("ret"), std::string::npos) << r.error().detail;
  }
}

TEST(SmtpUrl, NeverRepeatsThePasswordInAnyError) {
  const std::string password = "Pa55w0rdXYZ";
  const std::vector<std::string> tails = {"@host:99999", "@host:abc", "@ho st:587", "@host:587?q", "@:587", "@[::1"};
  for (const auto& tail : tails) {
    const auto r = check_smtp_url("smtp://user:" + password + tail);
    ASSERT_FALSE(r) << tail;
    EXPECT_EQ(r.error().detail.find(password), std::string::npos) << r.error().detail;
  }
}

TEST(SmtpOptions, ChecksTheFromHeaderAndTheCaFile) {
  SmtpOptions o{"smtp://u:p@127.0.0.1:2525", "Tessera <no-reply@example.com>", "", std::chrono::seconds(5)};
  EXPECT_TRUE(check_smtp_options(o));
  o.from = "not an address";
  EXPECT_FALSE(check_smtp_options(o));
  o.from = "Tessera <no-reply@example.com>";
  o.ca_file = "/nonexistent/ca.pem";
  const auto r = check_smtp_options(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(SmtpOptions, EachErrorNamesItsSettingForTheStartUpLine) {
  const SmtpOptions good{"smtp://u:p@127.0.0.1:2525", "Tessera <no-reply@example.com>", "", std::chrono::seconds(5)};
  const auto detail_of = [](const SmtpOptions& o) {
    auto r = check_smtp_options(o);
    return r ? std::string("(accepted)") : r.error().detail;
  };
  SmtpOptions o = good;
  o.url = "smtp://host:notaport";
  EXPECT_EQ(detail_of(o).rfind("TESSERA_SMTP_URL: ", 0), 0u) << detail_of(o);
  o = good;
  o.from = "not an address";
  EXPECT_EQ(detail_of(o).rfind("TESSERA_SMTP_FROM: ", 0), 0u) << detail_of(o);
  o = good;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(detail_of(o).rfind("TESSERA_SMTP_CA_FILE: ", 0), 0u) << detail_of(o);
  o = good;
  o.timeout = std::chrono::seconds(0);
  EXPECT_EQ(detail_of(o).rfind("TESSERA_SMTP_TIMEOUT: ", 0), 0u) << detail_of(o);
}

TEST(SmtpSender, RefusesToBeBuiltFromBadOptions) {
  SeededRandom random;
  EXPECT_THROW(SmtpSender(SmtpOptions{"http://x", "a@b", "", std::chrono::seconds(5)}, random), std::invalid_argument);
}

TEST(SmtpSender, RefusesABadRecipientBeforeConnecting) {
  SeededRandom random;
  // Port 1 on loopback: nothing listens, but the refusal must come before any connection.
  SmtpSender sender(SmtpOptions{"smtp://u:p@127.0.0.1:1", "a@b.example", "", std::chrono::seconds(5)}, random);
  EXPECT_EQ(sender.name(), "smtp");
  for (const char* to : {"a@b.example, c@d.example", "a@b.example\r\nRCPT TO:<c@d.example>", "<a@b.example>"}) {
    const auto r = sender.send(Message{to, "s", "t", ""});
    ASSERT_FALSE(r) << to;
    EXPECT_EQ(r.code(), errc::invalid_request);
    EXPECT_NE(r.error().reason.find("recipient"), std::string::npos) << r.error().reason;
  }
}

TEST(SmtpSender, ReportsARefusedConnectionQuicklyWithoutThePassword) {
  SeededRandom random;
  SmtpSender sender(SmtpOptions{"smtp://user:TopSecret99@127.0.0.1:1", "a@b.example", "", std::chrono::seconds(5)},
                    random);
  const auto start = std::chrono::steady_clock::now();
  const auto r = sender.send(Message{"c@d.example", "s", "t", ""});
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.code(), errc::internal_error);
  EXPECT_NE(r.error().reason.find("connection to 127.0.0.1:1 failed"), std::string::npos) << r.error().reason;
  EXPECT_EQ(r.error().reason.find("TopSecret99"), std::string::npos);
}

}  // namespace
}  // namespace tessera::mail
