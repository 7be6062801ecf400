// Email and username normalisation (SPEC §4): what is accepted, its comparison form, and every
// refusal with its reason.
#include "domain/identifiers.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tessera::domain {
namespace {

using namespace std::string_literals;

std::string email_ok(std::string_view raw) {
  auto r = normalize_email(raw);
  EXPECT_TRUE(r.has_value()) << raw << ": " << (r ? "" : r.error().detail);
  return r ? *r : std::string();
}

// The detail of a refused email ("" and a test failure when it was accepted).
std::string email_refusal(std::string_view raw) {
  const auto r = normalize_email(raw);
  EXPECT_FALSE(r.has_value()) << "accepted: " << raw;
  if (r) return "";
  EXPECT_EQ(r.code(), errc::invalid_request);
  EXPECT_TRUE(r.error().detail.starts_with("email: ")) << r.error().detail;
  return r.error().detail;
}

std::string username_ok(std::string_view raw) {
  auto r = normalize_username(raw);
  EXPECT_TRUE(r.has_value()) << raw << ": " << (r ? "" : r.error().detail);
  return r ? *r : std::string();
}

std::string username_refusal(std::string_view raw) {
  const auto r = normalize_username(raw);
  EXPECT_FALSE(r.has_value()) << "accepted: " << raw << " as " << (r ? *r : "");
  if (r) return "";
  EXPECT_EQ(r.code(), errc::invalid_request);
  EXPECT_TRUE(r.error().detail.starts_with("username: ")) << r.error().detail;
  return r.error().detail;
}

// --- emails: accepted -----------------------------------------------------------------------

TEST(NormalizeEmail, CaseAndSurroundingWhitespaceAreNormalised) {
  EXPECT_EQ(email_ok("Alice@Example.COM "), "alice@example.com");
  EXPECT_EQ(email_ok("\t  BOB@EXAMPLE.org\t"), "bob@example.org");
}

TEST(NormalizeEmail, CommonAddressShapesAreAccepted) {
  EXPECT_EQ(email_ok("first.last+tag@sub.example.co.uk"), "first.last+tag@sub.example.co.uk");
  EXPECT_EQ(email_ok("o'neil@example.ie"), "o'neil@example.ie");
  EXPECT_EQ(email_ok("user_name-1@xn--bcher-kva.example"), "user_name-1@xn--bcher-kva.example");
  EXPECT_EQ(email_ok("x@localhost"), "x@localhost");
  EXPECT_EQ(email_ok("a@1.2.3.4"), "a@1.2.3.4");
}

TEST(NormalizeEmail, NonAsciiInTheLocalPartIsKeptAndOnlyAsciiIsLowerCased) {
  EXPECT_EQ(email_ok("J\xc3\x96S\xc3\x89@Example.com"), "j\xc3\x96s\xc3\x89@example.com");  // JÖSÉ
  EXPECT_EQ(email_ok("\xe7\x94\xa8\xe6\x88\xb7@example.cn"), "\xe7\x94\xa8\xe6\x88\xb7@example.cn");
}

TEST(NormalizeEmail, The254ByteLimitIsInclusive) {
  const std::string local(64, 'l');
  std::string domain = std::string(63, 'd') + "." + std::string(63, 'e') + "." + std::string(61, 'f');
  std::string email = local + "@" + domain;
  ASSERT_EQ(email.size(), 254u);
  EXPECT_EQ(email_ok(email), email);
  EXPECT_EQ(email_refusal(email + "g"), "email: at most 254 bytes");
}

// --- emails: refused ------------------------------------------------------------------------

TEST(NormalizeEmail, EmptyOrBlankIsRequired) {
  EXPECT_EQ(email_refusal(""), "email: required");
  EXPECT_EQ(email_refusal(" \t "), "email: required");
}

TEST(NormalizeEmail, LineBreaksAreRefusedAnywhereEvenAtTheEnd) {
  EXPECT_EQ(email_refusal("alice@example.com\r\nBcc: eve@evil.example"), "email: line breaks are not allowed");
  EXPECT_EQ(email_refusal("alice@example.com\r\n"), "email: line breaks are not allowed");
  EXPECT_EQ(email_refusal("\nalice@example.com"), "email: line breaks are not allowed");
  EXPECT_EQ(email_refusal("ali\rce@example.com"), "email: line breaks are not allowed");
}

TEST(NormalizeEmail, NulAndOtherControlCharactersAreRefused) {
  EXPECT_EQ(email_refusal("alice\0@example.com"s), "email: control characters are not allowed");
  EXPECT_EQ(email_refusal("alice@example.com\0"s), "email: control characters are not allowed");
  EXPECT_EQ(email_refusal("ali\x01"
                          "ce@example.com"),
            "email: control characters are not allowed");
  EXPECT_EQ(email_refusal("alice@exam\x7fple.com"), "email: control characters are not allowed");
  EXPECT_EQ(email_refusal("alice@example.com\x1b[0m"), "email: control characters are not allowed");
}

TEST(NormalizeEmail, SpacesAndTabsInsideAreRefused) {
  EXPECT_EQ(email_refusal("al ice@example.com"), "email: spaces are not allowed");
  EXPECT_EQ(email_refusal("alice@exa mple.com"), "email: spaces are not allowed");
  EXPECT_EQ(email_refusal("alice\t@example.com"), "email: spaces are not allowed");
}

TEST(NormalizeEmail, CommasAreRefusedSoOneFieldIsOneRecipient) {
  EXPECT_EQ(email_refusal("alice@example.com,eve@evil.example"), "email: one address only, without commas");
  EXPECT_EQ(email_refusal("alice,eve@example.com"), "email: one address only, without commas");
}

TEST(NormalizeEmail, AngleBracketsAreRefused) {
  EXPECT_EQ(email_refusal("<alice@example.com>"), "email: give the bare address, without angle brackets");
  EXPECT_EQ(email_refusal("Alice<alice@example.com>"), "email: give the bare address, without angle brackets");
  EXPECT_EQ(email_refusal("alice@example.com>"), "email: give the bare address, without angle brackets");
}

TEST(NormalizeEmail, ExactlyOneAtSignIsRequired) {
  EXPECT_EQ(email_refusal("alice.example.com"), "email: must contain exactly one @");
  EXPECT_EQ(email_refusal("alice@evil@example.com"), "email: must contain exactly one @");
  EXPECT_EQ(email_refusal("@"), "email: the part before @ is empty");
}

TEST(NormalizeEmail, TheLocalPartMustBeOneToSixtyFourBytes) {
  EXPECT_EQ(email_refusal("@example.com"), "email: the part before @ is empty");
  EXPECT_EQ(email_ok(std::string(64, 'a') + "@example.com"), std::string(64, 'a') + "@example.com");
  EXPECT_EQ(email_refusal(std::string(65, 'a') + "@example.com"), "email: the part before @ is longer than 64 bytes");
}

TEST(NormalizeEmail, QuotedOrHeaderSyntaxInTheLocalPartIsRefused) {
  for (const char* s : {"\"alice\"@example.com", "ali;ce@example.com", "ali:ce@example.com", "ali(ce)@example.com",
                        "ali\\ce@example.com", "ali[ce]@example.com"}) {
    EXPECT_EQ(email_refusal(s), "email: the part before @ contains a character that is not allowed") << s;
  }
}

TEST(NormalizeEmail, InvisibleOrControlUnicodeInTheLocalPartIsRefused) {
  const char* detail = "email: the part before @ contains a character that is not allowed";
  EXPECT_EQ(email_refusal("ali\xe2\x80\x8b"
                          "ce@example.com"),
            detail);  // U+200B zero width space
  EXPECT_EQ(email_refusal("ali\xc2\xa0"
                          "ce@example.com"),
            detail);  // U+00A0 no-break space
  EXPECT_EQ(email_refusal("ali\xc2\x85"
                          "ce@example.com"),
            detail);  // U+0085 next line (C1)
  EXPECT_EQ(email_refusal("ali\xe2\x80\xa8"
                          "ce@example.com"),
            detail);  // U+2028 line separator
  EXPECT_EQ(email_refusal("ali\xe2\x80\xae"
                          "ce@example.com"),
            detail);  // U+202E right-to-left override
}

TEST(NormalizeEmail, InvalidUtf8IsRefused) {
  EXPECT_EQ(email_refusal("ali\xff"
                          "ce@example.com"),
            "email: not valid UTF-8");
  EXPECT_EQ(email_refusal("\xc0\xaf@example.com"), "email: not valid UTF-8");
}

TEST(NormalizeEmail, TheDomainMustBePresent) { EXPECT_EQ(email_refusal("alice@"), "email: the domain is empty"); }

TEST(NormalizeEmail, TheDomainMayNotStartOrEndWithADotOrHyphen) {
  for (const char* s : {"alice@.example.com", "alice@example.com.", "alice@-example.com", "alice@example.com-"}) {
    EXPECT_EQ(email_refusal(s), "email: the domain must not start or end with '.' or '-'") << s;
  }
}

TEST(NormalizeEmail, TheDomainMayNotHaveEmptyLabels) {
  EXPECT_EQ(email_refusal("alice@example..com"), "email: the domain has an empty label ('..')");
}

TEST(NormalizeEmail, DomainLabelsFollowTheHostnameRules) {
  EXPECT_EQ(email_refusal("alice@foo.-bar.com"), "email: a domain label must not start or end with '-'");
  EXPECT_EQ(email_refusal("alice@foo-.bar.com"), "email: a domain label must not start or end with '-'");
  EXPECT_EQ(email_refusal("alice@" + std::string(64, 'd') + ".com"),
            "email: a domain label is longer than 63 characters");
}

TEST(NormalizeEmail, TheDomainHoldsOnlyAsciiLettersDigitsHyphensAndDots) {
  const std::string detail =
      "email: the domain may only contain letters, digits, '-' and '.' (use the xn-- form of an "
      "international domain)";
  for (const char* s : {"alice@exa_mple.com",
                        "alice@b\xc3\xbc"
                        "cher.example",
                        "alice@[127.0.0.1]", "alice@example.com;", "alice@exa\"mple.com", "alice@example.com/x"}) {
    EXPECT_EQ(email_refusal(s), detail) << s;
  }
}

TEST(NormalizeEmail, NoAcceptedAddressCarriesHeaderSyntax) {
  // Random strings over an alphabet rich in header syntax: whatever is accepted is safe to
  // place in an SMTP header as it is.
  const std::string alphabet =
      "ab.@-_+,;:<>\"' \t\r\n\\()[]\x01\x7f"
      "\0"s
      "\xc3\xa9";
  std::mt19937 rng(20240601);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int len = 3 + static_cast<int>(rng() % 14);
    for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    const auto r = normalize_email(s);
    if (!r) continue;
    ++accepted;
    EXPECT_EQ(r->find_first_of(",;:<>\"\\()[] \t\r\n\x01\x7f"
                               "\0"s),
              std::string::npos)
        << *r;
    EXPECT_EQ(r->find('@'), r->rfind('@'));
  }
  EXPECT_GT(accepted, 0);
}

// --- usernames: accepted --------------------------------------------------------------------

TEST(NormalizeUsername, CaseAndWidthVariantsMapToOneAccount) {
  EXPECT_EQ(username_ok("alice"), "alice");
  EXPECT_EQ(username_ok("ALICE"), "alice");
  EXPECT_EQ(username_ok("Alice"), "alice");
  EXPECT_EQ(username_ok("\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85"), "alice");  // ａｌｉｃｅ
  EXPECT_EQ(username_ok("\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa9\xef\xbc\xa3\xef\xbc\xa5"), "alice");  // ＡＬＩＣＥ
}

TEST(NormalizeUsername, SuperscriptLettersMapToTheirBaseLetters) {
  EXPECT_EQ(username_ok("\xe1\xb5\x83lice"), "alice");  // "ᵃlice", U+1D43
}

TEST(NormalizeUsername, InvisibleIgnorableCodePointsAreDropped) {
  EXPECT_EQ(username_ok("al\xe2\x80\x8bice"), "alice");  // U+200B zero width space
  EXPECT_EQ(username_ok("al\xc2\xad"
                        "ice"),
            "alice");  // U+00AD soft hyphen
}

TEST(NormalizeUsername, SurroundingWhitespaceIsTrimmed) {
  EXPECT_EQ(username_ok("  alice\t\r\n"), "alice");
  EXPECT_EQ(username_ok("\xe3\x80\x80"
                        "alice"),
            "alice");  // U+3000 ideographic space
}

TEST(NormalizeUsername, CaseFoldingIsFullNotJustAscii) {
  EXPECT_EQ(username_ok("Stra\xc3\x9f"
                        "e"),
            "strasse");  // Straße
  EXPECT_EQ(username_ok("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"),
            "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");  // ΣΟΦΙΑ
}

TEST(NormalizeUsername, ComposedAndDecomposedFormsAreOneAccount) {
  EXPECT_EQ(username_ok("Jos\xc3\xa9"), "jos\xc3\xa9");
  EXPECT_EQ(username_ok("Jose\xcc\x81"), "jos\xc3\xa9");
}

TEST(NormalizeUsername, LettersOfAnyScriptDigitsAndThreeSymbolsAreAllowed) {
  EXPECT_EQ(username_ok("\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0"),
            "\xd0\xb0\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0");  // Алиса
  EXPECT_EQ(username_ok("\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e"),
            "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e");  // 山田太郎
  EXPECT_EQ(username_ok("_alice.b-42_"), "_alice.b-42_");
}

TEST(NormalizeUsername, CombiningVowelSignsFollowingALetterAreAllowed) {
  EXPECT_EQ(username_ok("\xe0\xa4\xb0\xe0\xa4\xbe\xe0\xa4\xae\xe0\xa5\x82"),
            "\xe0\xa4\xb0\xe0\xa4\xbe\xe0\xa4\xae\xe0\xa5\x82");  // रामू
}

TEST(NormalizeUsername, LengthIsCountedInCodePointsAfterNormalisation) {
  EXPECT_EQ(username_ok("abc"), "abc");
  EXPECT_EQ(username_ok("\xc3\xa9\xc3\xa9\xc3\xa9"), "\xc3\xa9\xc3\xa9\xc3\xa9");  // ééé: 3 code points
  std::string cyrillic32;
  for (int i = 0; i < 32; ++i) cyrillic32 += "\xd0\xb6";  // ж, 64 bytes
  EXPECT_EQ(username_ok(cyrillic32), cyrillic32);
  // Six code points decomposed, three once composed.
  EXPECT_EQ(username_ok("e\xcc\x81"
                        "e\xcc\x81"
                        "e\xcc\x81"),
            "\xc3\xa9\xc3\xa9\xc3\xa9");
}

// --- usernames: refused ---------------------------------------------------------------------

TEST(NormalizeUsername, EmptyOrBlankIsRequired) {
  EXPECT_EQ(username_refusal(""), "username: required");
  EXPECT_EQ(username_refusal("  \t"), "username: required");
}

TEST(NormalizeUsername, FewerThanThreeOrMoreThanThirtyTwoCharactersAreRefused) {
  EXPECT_EQ(username_refusal("ab"), "username: at least 3 characters");
  EXPECT_EQ(username_ok(std::string(32, 'a')), std::string(32, 'a'));
  EXPECT_EQ(username_refusal(std::string(33, 'a')), "username: at most 32 characters");
  EXPECT_EQ(username_refusal(std::string(10000, 'a')), "username: at most 32 characters");
}

TEST(NormalizeUsername, AnAtSignIsRefusedSoAnIdentifierWithOneIsAlwaysAnEmail) {
  EXPECT_EQ(username_refusal("alice@example"), "username: only letters, digits, '_', '.' and '-' are allowed");
  EXPECT_EQ(username_refusal("alice\xef\xbc\xa0"
                             "x"),
            "username: only letters, digits, '_', '.' and '-' are allowed");  // fullwidth ＠
}

TEST(NormalizeUsername, SpacesPunctuationEmojiAndControlsAreRefused) {
  const std::string detail = "username: only letters, digits, '_', '.' and '-' are allowed";
  for (const std::string& s : {"al ice"s, "al\tice"s, "al!ce"s, "ali+ce"s, "alice\xf0\x9f\x98\x80"s, "a\0bc"s,
                               "al\x01ice"s, "al/ice"s, "al'ice"s,
                               "\xcc\x81"
                               "abc"s}) {
    EXPECT_EQ(username_refusal(s), detail) << s;
  }
}

TEST(NormalizeUsername, ADotOrHyphenAtEitherEndIsRefused) {
  for (const char* s : {".alice", "alice.", "-alice", "alice-"}) {
    EXPECT_EQ(username_refusal(s), "username: must not start or end with '.' or '-'") << s;
  }
}

TEST(NormalizeUsername, InvalidUtf8IsRefused) {
  EXPECT_EQ(username_refusal("ali\xff"
                             "ce"),
            "username: not valid UTF-8");
  EXPECT_EQ(username_refusal("\xed\xa0\x80"
                             "abc"),
            "username: not valid UTF-8");
}

// --- classify_identifier ---------------------------------------------------------------------

TEST(ClassifyIdentifier, AnAtSignMeansEmail) {
  EXPECT_EQ(classify_identifier("alice@example.com"), IdentifierKind::email);
  EXPECT_EQ(classify_identifier("@"), IdentifierKind::email);
  EXPECT_EQ(classify_identifier("not-an-email@"), IdentifierKind::email);
}

TEST(ClassifyIdentifier, AnythingElseIsAUsername) {
  EXPECT_EQ(classify_identifier("alice"), IdentifierKind::username);
  EXPECT_EQ(classify_identifier(""), IdentifierKind::username);
  EXPECT_EQ(classify_identifier("alice.example.com"), IdentifierKind::username);
}

}  // namespace
}  // namespace tessera::domain
