// The log sender (no SMTP configured): one JSON line per mail with the link a developer copies.
#include "mail/log_sender.hpp"

#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <string>

#include "core/json.hpp"
#include "core/log.hpp"

namespace tessera::mail {
namespace {

TEST(FindLinks, FindsHttpAndHttpsLinksWithoutTrailingPunctuation) {
  const auto links = find_links(
      "Open https://auth.example.com/verify?token=abc_DEF-1.\nOr (http://localhost:8080/reset#t=x), "
      "not httpx://nope or https:// alone; \"https://q.example/a\"");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0], "https://auth.example.com/verify?token=abc_DEF-1");
  EXPECT_EQ(links[1], "http://localhost:8080/reset#t=x");
  EXPECT_EQ(links[2], "https://q.example/a");
  EXPECT_TRUE(find_links("no links here").empty());
}

boost::json::object last_line(const std::string& captured) {
  auto end = captured.find_last_not_of('\n');
  auto start = captured.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  auto parsed = json::parse_strict(captured.substr(start, end - start + 1));
  EXPECT_TRUE(parsed) << captured;
  return parsed ? parsed->as_object() : boost::json::object();
}

TEST(LogSender, WritesOneMailLineWithTheLink) {
  log::set_level(log::Level::info);
  LogSender sender;
  EXPECT_EQ(sender.name(), "log");
  ::testing::internal::CaptureStderr();
  const auto r = sender.send(Message{"alice@example.com", "Confirm your email for Tessera",
                                     "Hello,\n\nhttps://auth.example.com/verify?token=abc\n", "<p>html</p>"});
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r);
  const auto line = last_line(out);
  EXPECT_EQ(line.at("msg").as_string(), "mail");
  EXPECT_EQ(line.at("to").as_string(), "alice@example.com");
  EXPECT_EQ(line.at("subject").as_string(), "Confirm your email for Tessera");
  EXPECT_EQ(line.at("link").as_string(), "https://auth.example.com/verify?token=abc");
  EXPECT_FALSE(line.contains("links"));
}

TEST(LogSender, ListsEveryLinkWhenThereAreSeveral) {
  log::set_level(log::Level::info);
  LogSender sender;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(sender.send(Message{"a@example.com", "s", "https://a.example/1 and https://a.example/2", ""}));
  const auto line = last_line(::testing::internal::GetCapturedStderr());
  EXPECT_EQ(line.at("link").as_string(), "https://a.example/1");
  EXPECT_EQ(line.at("links").as_string(), "https://a.example/1 https://a.example/2");
}

TEST(LogSender, RefusesWhatSmtpWouldRefuse) {
  LogSender sender;
  EXPECT_FALSE(sender.send(Message{"a@example.com, b@example.com", "s", "t", ""}));
  EXPECT_FALSE(sender.send(Message{"a@example.com", "s\r\nBcc: x@example.com", "t", ""}));
}

}  // namespace
}  // namespace tessera::mail
