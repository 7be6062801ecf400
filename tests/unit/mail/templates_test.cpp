// Templates: the built-ins, operator overrides from files, HTML escaping, and every way a bad
// template directory stops start-up with an error that names the file.
#include "mail/templates.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tessera::mail {
namespace {

namespace fs = std::filesystem;

MailVars vars() {
  return MailVars{"Tessera", "https://auth.example.com/verify?token=abc&next=%2Faccount", "alice@example.com",
                  "24 hours"};
}

class TemplateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tessera-templates-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << text;
  }
  std::string dir() const { return dir_.string(); }
  fs::path dir_;
};

TEST(Templates, BuiltInVerificationMailHasProductLinkEmailAndExpiry) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t) << t.error().detail;
  const auto m = t->render("verify_email", vars(), "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to, "alice@example.com");
  EXPECT_EQ(m->subject, "Confirm your email for Tessera");
  for (const char* s :
       {"https://auth.example.com/verify?token=abc&next=%2Faccount", "alice@example.com", "24 hours", "Tessera"}) {
    EXPECT_NE(m->text.find(s), std::string::npos) << s;
  }
  EXPECT_NE(m->html.find("href=\"https://auth.example.com/verify?token=abc&amp;next=%2Faccount\""), std::string::npos)
      << m->html;
  EXPECT_NE(m->html.find("24 hours"), std::string::npos);
}

TEST(Templates, BuiltInResetMailHasProductLinkEmailAndExpiry) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  MailVars v = vars();
  v.link = "https://auth.example.com/reset?token=xyz";
  v.expires = "1 hour";
  const auto m = t->render("reset_password", v, "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "Reset your Tessera password");
  EXPECT_NE(m->text.find("https://auth.example.com/reset?token=xyz"), std::string::npos);
  EXPECT_NE(m->text.find("1 hour"), std::string::npos);
  EXPECT_NE(m->html.find("href=\"https://auth.example.com/reset?token=xyz\""), std::string::npos);
}

TEST(Templates, BuiltInHtmlHasNoStylesScriptsOrRemoteImages) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  for (const char* kind : {"verify_email", "reset_password"}) {
    const auto m = t->render(kind, vars(), "alice@example.com");
    ASSERT_TRUE(m);
    for (const char* banned : {"<img", "<style", "style=", "<script", "src="}) {
      EXPECT_EQ(m->html.find(banned), std::string::npos) << kind << " has " << banned;
    }
    EXPECT_EQ(m->html.find("{{"), std::string::npos);
    EXPECT_EQ(m->text.find("{{"), std::string::npos);
  }
}

TEST(Templates, EscapesValuesInHtmlButNotInTextOrSubject) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  MailVars v = vars();
  v.product = "A&B <Auth> \"Q\" 'S'";
  const auto m = t->render("verify_email", v, "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "Confirm your email for A&B <Auth> \"Q\" 'S'");
  EXPECT_NE(m->text.find("A&B <Auth> \"Q\" 'S'"), std::string::npos);
  EXPECT_NE(m->html.find("A&amp;B &lt;Auth&gt; &quot;Q&quot; &#39;S&#39;"), std::string::npos);
  EXPECT_EQ(m->html.find("<Auth>"), std::string::npos);
}

TEST(Templates, DoesNotExpandPlaceholdersInsideValues) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  MailVars v = vars();
  v.email = "{{link}}@example.com";
  const auto m = t->render("verify_email", v, "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_NE(m->text.find("{{link}}@example.com"), std::string::npos);
}

TEST(Templates, RefusesAnUnknownKind) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  const auto m = t->render("welcome", vars(), "alice@example.com");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.code(), errc::invalid_request);
}

TEST(Templates, RefusesAValueThatWouldBreakTheSubjectLine) {
  const auto t = Templates::load("");
  ASSERT_TRUE(t);
  MailVars v = vars();
  v.product = "Tessera\r\nBcc: victim@example.com";
  EXPECT_FALSE(t->render("verify_email", v, "alice@example.com"));
}

TEST_F(TemplateDir, AFileOverridesItsBuiltInAndTheOthersStay) {
  write("verify_email.txt", "Hi {{ email }}, {{product}} says: {{link}} ({{expires}})\n");
  write("reset_password.subject", "{{product}}: new password\n");
  const auto t = Templates::load(dir());
  ASSERT_TRUE(t) << t.error().detail;
  const auto m = t->render("verify_email", vars(), "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(
      m->text,
      "Hi alice@example.com, Tessera says: https://auth.example.com/verify?token=abc&next=%2Faccount (24 hours)\n");
  EXPECT_EQ(m->subject, "Confirm your email for Tessera");
  const auto r = t->render("reset_password", vars(), "alice@example.com");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subject, "Tessera: new password") << "the file's final newline is not part of the subject";
  const auto sources = t->sources();
  ASSERT_EQ(sources.size(), 9u);
  EXPECT_EQ(sources[0], "built-in");
  EXPECT_EQ(sources[1], (dir_ / "verify_email.txt").string());
  EXPECT_EQ(sources[3], (dir_ / "reset_password.subject").string());
}

TEST_F(TemplateDir, AnHtmlOverrideGetsEscapedValues) {
  write("reset_password.html", "\xEF\xBB\xBF<a href=\"{{link}}\">{{product}}</a>");
  const auto t = Templates::load(dir());
  ASSERT_TRUE(t) << t.error().detail;
  MailVars v = vars();
  v.link = "https://x.example/r?a=1&b=\"2\"";
  const auto m = t->render("reset_password", v, "alice@example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->html, "<a href=\"https://x.example/r?a=1&amp;b=&quot;2&quot;\">Tessera</a>");
}

TEST_F(TemplateDir, AnUnknownPlaceholderIsAnErrorNamingTheFile) {
  write("verify_email.html", "<p>{{prodcut}}</p>");
  const auto t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_EQ(t.code(), errc::invalid_request);
  EXPECT_NE(t.error().detail.find((dir_ / "verify_email.html").string()), std::string::npos) << t.error().detail;
  EXPECT_NE(t.error().detail.find("{{prodcut}}"), std::string::npos) << t.error().detail;
}

TEST_F(TemplateDir, AnUnclosedPlaceholderIsAnError) {
  write("reset_password.txt", "Open {{link now");
  const auto t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("reset_password.txt"), std::string::npos) << t.error().detail;
}

TEST_F(TemplateDir, ASubjectOfTwoLinesIsAnError) {
  write("verify_email.subject", "Line one\nLine two\n");
  const auto t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("verify_email.subject"), std::string::npos) << t.error().detail;
}

TEST_F(TemplateDir, AFileThatCannotBeReadIsAnErrorNamingIt) {
  // A dangling symlink: unreadable even for root (permission bits do not stop root).
  fs::create_symlink(dir_ / "nowhere.txt", dir_ / "verify_email.txt");
  auto t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find((dir_ / "verify_email.txt").string()), std::string::npos) << t.error().detail;

  fs::remove(dir_ / "verify_email.txt");
  fs::create_directory(dir_ / "reset_password.html");
  t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("reset_password.html"), std::string::npos) << t.error().detail;
}

TEST_F(TemplateDir, AFileThatIsNotUtf8OrTooLargeIsAnError) {
  write("verify_email.txt", "caf\xE9 {{link}}");
  auto t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("verify_email.txt"), std::string::npos);
  EXPECT_NE(t.error().detail.find("UTF-8"), std::string::npos);

  write("verify_email.txt", std::string(kMaxTemplateBytes + 1, 'a'));
  t = Templates::load(dir());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("larger"), std::string::npos) << t.error().detail;
}

TEST_F(TemplateDir, AMissingDirectoryIsAnError) {
  const auto t = Templates::load((dir_ / "missing").string());
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("missing"), std::string::npos);
}

}  // namespace
}  // namespace tessera::mail
