// build_mime and address_of: the message is taken apart again by an independent reader
// (mime_reader.hpp) and every promise is checked: headers, CRLF everywhere, line lengths, both
// parts decoding to the input, encoded-word subjects, and refusal of header injection.
#include "mail/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "unit/mail/mime_reader.hpp"

namespace tessera::mail {
namespace {

using testing::crlf;
using testing::decode_qp;
using testing::decode_words;
using testing::parse_entity;

constexpr std::string_view kFrom = "Tessera <no-reply@auth.example.com>";
const TimePoint kNow = from_unix_seconds(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20 UTC

Message sample() {
  return Message{"alice@example.com", "Confirm your email for Tessera",
                 "Hello,\n\nOpen https://auth.example.com/verify?token=abc_DEF-123 to confirm.\n",
                 "<p>Hello,</p>\n<p><a href=\"https://auth.example.com/verify?token=abc_DEF-123\">Confirm</a></p>\n"};
}

std::string build(const Message& m, std::string_view from = kFrom, std::uint64_t seed = 1) {
  SeededRandom random(seed);
  auto out = build_mime(m, from, random, kNow);
  EXPECT_TRUE(out) << (out ? "" : out.error().detail);
  return out ? *out : std::string();
}

// The address, or the error's detail, so a failure prints what happened.
std::string addr(std::string_view from) {
  auto r = address_of(from);
  return r ? *r : "error: " + r.error().detail;
}

std::vector<std::string> lines_of(const std::string& raw) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto end = raw.find("\r\n", pos);
    if (end == std::string::npos) end = raw.size();
    lines.push_back(raw.substr(pos, end - pos));
    pos = end + 2;
  }
  return lines;
}

// The decoded text and HTML bodies of a multipart/alternative message.
struct Bodies {
  std::string text;
  std::string html;
};

Bodies decode_bodies(const std::string& raw) {
  const auto msg = parse_entity(raw);
  const auto type = msg.header("Content-Type");
  EXPECT_TRUE(type && type->rfind("multipart/alternative;", 0) == 0) << raw;
  const std::string boundary = testing::parameter(type.value_or(""), "boundary");
  EXPECT_FALSE(boundary.empty());
  const auto parts = testing::split_multipart(msg.body, boundary);
  EXPECT_TRUE(parts && parts->size() == 2) << raw;
  if (!parts || parts->size() != 2) return {};
  Bodies out;
  for (const auto& part_raw : *parts) {
    const auto part = parse_entity(part_raw);
    EXPECT_EQ(part.header("Content-Transfer-Encoding"), "quoted-printable");
    const auto decoded = decode_qp(part.body);
    EXPECT_TRUE(decoded) << part.body;
    const std::string ct = part.header("Content-Type").value_or("");
    if (ct == "text/plain; charset=UTF-8") {
      out.text = decoded.value_or("");
    } else if (ct == "text/html; charset=UTF-8") {
      out.html = decoded.value_or("");
    } else {
      ADD_FAILURE() << "unexpected part type " << ct;
    }
  }
  return out;
}

// Bodies that stress quoted-printable: '=', trailing blanks, leading dots and "From ", tabs,
// non-ASCII, lines far longer than 76, bare LF and CR, blank lines, no final newline.
std::vector<std::string> tricky_bodies() {
  return {
      "",
      "a",
      "x=y and =3D and ==\n",
      "trailing space \ntrailing tab\t\nend with space ",
      ".\n..\n.leading dot\nFrom the start\nFrom\n",
      "Grüße, Ζεύς, 日本語, emoji 🔐 and a BOM \xEF\xBB\xBF\n",
      std::string(500, 'x') + "\n" + std::string(300, '=') + "\n" + std::string(200, ' ') + "\n",
      "unix\nlines\n\n\nand windows\r\nlines\r\nand old mac\rlines",
      "no final newline",
      "https://auth.example.com/reset?token=" + std::string(180, 'A') + "&next=/account\n",
      std::string(75, 'y') + "=\n" + std::string(74, 'z') + "é\n" + std::string(76, ' ') + "\n",
  };
}

TEST(BuildMime, WritesTheRequiredHeadersOnce) {
  const auto msg = parse_entity(build(sample()));
  for (const char* name : {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}) {
    EXPECT_EQ(msg.count(name), 1) << name;
  }
  EXPECT_EQ(msg.header("From"), "Tessera <no-reply@auth.example.com>");
  EXPECT_EQ(msg.header("To"), "alice@example.com");
  EXPECT_EQ(msg.header("Subject"), "Confirm your email for Tessera");
  EXPECT_EQ(msg.header("MIME-Version"), "1.0");
  EXPECT_EQ(msg.header("Auto-Submitted"), "auto-generated");
}

TEST(BuildMime, DatesTheMessageWithTheGivenTimeInRfc5322Form) {
  EXPECT_EQ(parse_entity(build(sample())).header("Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(format_rfc5322_date(from_unix_seconds(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_rfc5322_date(from_unix_seconds(951782400)), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(BuildMime, GivesARandomMessageIdAtTheFromDomain) {
  const auto a = parse_entity(build(sample(), kFrom, 1)).header("Message-ID").value_or("");
  const auto b = parse_entity(build(sample(), kFrom, 2)).header("Message-ID").value_or("");
  EXPECT_NE(a, b);
  for (const auto& id : {a, b}) {
    ASSERT_GE(id.size(), 35u) << id;
    EXPECT_EQ(id.front(), '<');
    EXPECT_EQ(id.back(), '>');
    EXPECT_NE(id.find("@auth.example.com>"), std::string::npos) << id;
    EXPECT_GE(id.find('@'), 33u) << "at least 128 random bits in hex: " << id;
  }
}

TEST(BuildMime, UsesCrlfForEveryLineBreakAndNoBareCrOrLf) {
  for (const auto& body : tricky_bodies()) {
    Message m = sample();
    m.text = body;
    m.html = "<p>" + body + "</p>";
    const std::string raw = build(m);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\n') {
        ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
      }
      if (raw[i] == '\r') {
        ASSERT_TRUE(i + 1 < raw.size() && raw[i + 1] == '\n') << "bare CR at " << i;
      }
    }
    EXPECT_EQ(raw.substr(raw.size() - 2), "\r\n");
  }
}

TEST(BuildMime, KeepsHeaderLinesWithin78AndBodyLinesWithin76) {
  for (const auto& body : tricky_bodies()) {
    Message m = sample();
    m.subject =
        "A rather long subject line that goes on and on, well past the seventy-eight characters "
        "a header line should keep to, so that it has to be folded";
    m.text = body;
    m.html = body;
    const std::string raw = build(m, "\"Tessera Identity, Production Environment\" <no-reply@auth.example.com>");
    bool in_headers = true;
    for (const auto& line : lines_of(raw)) {
      if (line.empty()) in_headers = false;
      EXPECT_LE(line.size(), in_headers ? kMaxHeaderLine : kMaxQuotedPrintableLine) << line;
      for (unsigned char c : line) EXPECT_LT(c, 0x80) << "8-bit byte on the wire: " << line;
    }
  }
}

TEST(BuildMime, BothPartsDecodeToTheInput) {
  for (const auto& body : tricky_bodies()) {
    Message m = sample();
    m.text = body;
    m.html = "<html><body><p>" + body + "</p></body></html>\n";
    const auto bodies = decode_bodies(build(m));
    EXPECT_EQ(bodies.text, crlf(m.text));
    EXPECT_EQ(bodies.html, crlf(m.html));
  }
}

TEST(BuildMime, RoundTripsRandomUtf8Bodies) {
  SeededRandom random(7);
  const std::vector<std::string> atoms = {"a",  "Z", " ", "\t", "=", ".", "\n", "\r\n", "From ", "é",
                                          "日", "🔐", "<", "&",  "?", "_", "-",  "=\n",  " \n"};
  for (int round = 0; round < 200; ++round) {
    std::string body;
    const auto n = static_cast<unsigned char>(random.bytes(1)[0]);
    for (int i = 0; i < n * 2; ++i) body += atoms[static_cast<unsigned char>(random.bytes(1)[0]) % atoms.size()];
    Message m = sample();
    m.text = body;
    m.html = body;
    const std::string raw = build(m, kFrom, static_cast<std::uint64_t>(round));
    const auto bodies = decode_bodies(raw);
    ASSERT_EQ(bodies.text, crlf(body)) << raw;
    ASSERT_EQ(bodies.html, crlf(body)) << raw;
    for (const auto& line : lines_of(raw)) ASSERT_LE(line.size(), kMaxHeaderLine) << line;
  }
}

TEST(BuildMime, ChoosesABoundaryThatNoPartContains) {
  const std::string raw = build(sample());
  const auto msg = parse_entity(raw);
  const std::string boundary = testing::parameter(msg.header("Content-Type").value_or(""), "boundary");
  ASSERT_GE(boundary.size(), 20u);
  EXPECT_EQ(boundary.rfind("=_", 0), 0u) << "quoted-printable never writes =_";
  const auto parts = testing::split_multipart(msg.body, boundary);
  ASSERT_TRUE(parts);
  for (const auto& p : *parts) EXPECT_EQ(p.find(boundary), std::string::npos);
  EXPECT_NE(boundary, testing::parameter(parse_entity(build(sample(), kFrom, 9)).header("Content-Type").value_or(""),
                                         "boundary"));
}

TEST(BuildMime, SendsTextOnlyWhenThereIsNoHtml) {
  Message m = sample();
  m.html.clear();
  const auto msg = parse_entity(build(m));
  EXPECT_EQ(msg.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(msg.header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(decode_qp(msg.body.substr(0, msg.body.size() - 2)), crlf(m.text));
}

TEST(BuildMime, KeepsAnAsciiSubjectReadable) {
  Message m = sample();
  m.subject = "Reset your Tessera password";
  const std::string raw = build(m);
  EXPECT_NE(raw.find("\r\nSubject: Reset your Tessera password\r\n"), std::string::npos);
}

TEST(BuildMime, FoldsALongAsciiSubjectSoThatUnfoldingGivesItBack) {
  Message m = sample();
  m.subject = "word  double  spaces " + std::string(60, 'w') +
              " and then many more words to fold it twice over "
              "the limit of seventy-eight characters per line";
  const std::string raw = build(m);
  const auto msg = parse_entity(raw);
  EXPECT_EQ(msg.header("Subject"), m.subject);
  EXPECT_EQ(raw.find("=?UTF-8?"), std::string::npos);
}

TEST(BuildMime, EncodesAnAsciiSubjectWithAWordTooLongToFold) {
  Message m = sample();
  m.subject = "Token " + std::string(1200, 'k') + " end";
  const std::string raw = build(m);
  for (const auto& line : lines_of(raw.substr(0, raw.find("\r\n\r\n")))) EXPECT_LE(line.size(), kMaxHeaderLine);
  EXPECT_EQ(decode_words(parse_entity(raw).header("Subject").value_or("")), m.subject);
}

TEST(BuildMime, EncodesALongDisplayNameSoTheFromLineFolds) {
  const std::string name(90, 'N');
  const std::string raw = build(sample(), name + " <no-reply@auth.example.com>");
  for (const auto& line : lines_of(raw.substr(0, raw.find("\r\n\r\n")))) EXPECT_LE(line.size(), kMaxHeaderLine);
  const std::string from = parse_entity(raw).header("From").value_or("");
  EXPECT_EQ(decode_words(from.substr(0, from.size() - 28)), name);
  EXPECT_EQ(address_of(from).value(), "no-reply@auth.example.com");
}

TEST(BuildMime, EncodesANonAsciiSubjectAsEncodedWords) {
  const std::vector<std::string> subjects = {"Bestätigen Sie Ihre E-Mail für Tessera", "確認メール 🔐",
                                             std::string(120, 'x') + "é" + std::string(40, 'y'),
                                             "Ünïcödé " + std::string(200, 'z')};
  for (const auto& subject : subjects) {
    Message m = sample();
    m.subject = subject;
    const std::string raw = build(m);
    const auto value = parse_entity(raw).header("Subject").value_or("");
    EXPECT_EQ(value.rfind("=?UTF-8?B?", 0), 0u) << value;
    EXPECT_EQ(decode_words(value), subject) << value;
  }
}

TEST(BuildMime, EncodesAnAsciiSubjectThatLooksLikeAnEncodedWord) {
  Message m = sample();
  m.subject = "=?UTF-8?B?SGk=?= is not what it seems";
  const auto value = parse_entity(build(m)).header("Subject").value_or("");
  EXPECT_EQ(decode_words(value), m.subject);
  EXPECT_NE(value, m.subject);
}

TEST(BuildMime, EncodesWordsOnWholeCharacters) {
  // 39 bytes a word: a string of 3-byte characters must not be cut inside one.
  const std::string text = std::string(38, 'a') + "日本語";
  const std::string words = encode_words(text);
  std::size_t start = 0;
  while (start < words.size()) {
    auto end = words.find("\r\n ", start);
    const std::string word = words.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto decoded = testing::decode_words(word);
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(utf8::valid(*decoded)) << word;
    if (end == std::string::npos) break;
    start = end + 3;
  }
  EXPECT_EQ(testing::decode_words(testing::parse_entity("S: " + words + "\r\n\r\n").header("S").value_or("")), text);
}

TEST(BuildMime, EncodesANonAsciiDisplayName) {
  const auto msg = parse_entity(build(sample(), "Tésséra Äuth <no-reply@auth.example.com>"));
  const std::string from = msg.header("From").value_or("");
  EXPECT_EQ(from.rfind("=?UTF-8?B?", 0), 0u) << from;
  EXPECT_EQ(from.substr(from.size() - 27), "<no-reply@auth.example.com>");
  EXPECT_EQ(decode_words(from.substr(0, from.size() - 28)), "Tésséra Äuth");
}

TEST(BuildMime, QuotesADisplayNameWithSpecials) {
  EXPECT_EQ(parse_entity(build(sample(), "Tessera, Inc. <no-reply@x.example>")).header("From"),
            "\"Tessera, Inc.\" <no-reply@x.example>");
  EXPECT_EQ(parse_entity(build(sample(), "\"Tessera, Inc.\" <no-reply@x.example>")).header("From"),
            "\"Tessera, Inc.\" <no-reply@x.example>");
  EXPECT_EQ(parse_entity(build(sample(), "no-reply@x.example")).header("From"), "no-reply@x.example");
}

TEST(BuildMime, RefusesLineBreaksAndNulInHeaders) {
  SeededRandom random;
  for (const std::string& bad :
       std::vector<std::string>{"\r", "\n", "\r\n", std::string(1, '\0'), "\r\nBcc: victim@example.com"}) {
    Message m = sample();
    m.subject += bad;
    auto r = build_mime(m, kFrom, random, kNow);
    ASSERT_FALSE(r) << "subject";
    EXPECT_EQ(r.code(), errc::invalid_request);

    m = sample();
    m.to += bad;
    EXPECT_FALSE(build_mime(m, kFrom, random, kNow)) << "to";

    EXPECT_FALSE(build_mime(sample(), std::string(kFrom) + bad, random, kNow)) << "from";
    EXPECT_FALSE(build_mime(sample(), "Tessera" + bad + " <no-reply@x.example>", random, kNow)) << "from name";
  }
}

TEST(BuildMime, RefusesARecipientThatIsNotOneBareAddress) {
  SeededRandom random;
  for (const char* to : {"", "alice", "@example.com", "alice@", "alice@example.com, bob@example.com",
                         "Alice <alice@example.com>", "<alice@example.com>", "alice @example.com", "alice@@example.com",
                         "a@b@c", "\"a\"@example.com", "alice@example.com\t"}) {
    Message m = sample();
    m.to = to;
    auto r = build_mime(m, kFrom, random, kNow);
    EXPECT_FALSE(r) << to;
    if (!r) {
      EXPECT_EQ(r.code(), errc::invalid_request);
    }
  }
}

TEST(BuildMime, RefusesTextThatIsNotUtf8) {
  SeededRandom random;
  Message m = sample();
  m.text = "caf\xE9";
  EXPECT_FALSE(build_mime(m, kFrom, random, kNow));
  m = sample();
  m.html = "\xC0\xAF";
  EXPECT_FALSE(build_mime(m, kFrom, random, kNow));
  m = sample();
  m.subject = "\xFF";
  EXPECT_FALSE(build_mime(m, kFrom, random, kNow));
}

TEST(QuotedPrintable, EncodesTrailingWhitespaceLeadingDotsAndEquals) {
  EXPECT_EQ(encode_quoted_printable("a = b"), "a =3D b");
  EXPECT_EQ(encode_quoted_printable("end \nnext\t"), "end=20\r\nnext=09");
  EXPECT_EQ(encode_quoted_printable(".\nFrom me"), "=2E\r\n=46rom me");
  EXPECT_EQ(encode_quoted_printable("é"), "=C3=A9");
  EXPECT_EQ(encode_quoted_printable(std::string(80, 'a')), std::string(75, 'a') + "=\r\n" + std::string(5, 'a'));
}

TEST(AddressOf, ReturnsTheBareAddressOfAFromHeader) {
  EXPECT_EQ(addr("Tessera <no-reply@x>"), "no-reply@x");
  EXPECT_EQ(addr("no-reply@x"), "no-reply@x");
  EXPECT_EQ(addr("  Tessera   <no-reply@auth.example.com>  "), "no-reply@auth.example.com");
  EXPECT_EQ(addr("\"Tessera, Inc. <ops>\" <no-reply@x.example>"), "no-reply@x.example");
  EXPECT_EQ(addr("<no-reply@x.example>"), "no-reply@x.example");
  EXPECT_EQ(addr("Tésséra <no-reply@x.example>"), "no-reply@x.example");
}

TEST(AddressOf, RefusesWhatIsNotOneAddress) {
  for (const char* from :
       {"", "   ", "Tessera", "Tessera <no-reply@x", "Tessera no-reply@x>", "Tessera <>", "Tessera <no-reply>",
        "a@x, b@x", "Tessera <a@x> <b@x>", "no reply@x", "Tessera <no-reply@x>\r\nBcc: v@x", "<a@x>trailing"}) {
    auto r = address_of(from);
    EXPECT_FALSE(r) << from << " -> " << (r ? *r : "");
    if (!r) {
      EXPECT_EQ(r.code(), errc::invalid_request);
    }
  }
}

}  // namespace
}  // namespace tessera::mail
