#include <gtest/gtest.h>

#include "core/json.hpp"
#include "core/utf8.hpp"

namespace tessera {
namespace {

TEST(StrictJson, ParsesAnObject) {
  auto v = json::parse_strict(R"({"a":1,"b":{"c":[1,2,{"d":null}]}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_object().at("a").as_int64(), 1);
}

TEST(StrictJson, RefusesDuplicateMemberNamesAtAnyDepth) {
  EXPECT_FALSE(json::parse_strict(R"({"a":1,"a":2})"));
  EXPECT_FALSE(json::parse_strict(R"({"x":{"a":1,"a":2}})"));
  EXPECT_FALSE(json::parse_strict(R"([{"a":1,"b":2,"a":3}])"));
  // The same name in sibling objects is fine.
  EXPECT_TRUE(json::parse_strict(R"([{"a":1},{"a":2}])"));
  EXPECT_TRUE(json::parse_strict(R"({"a":{"a":{"a":1}}})"));
}

TEST(StrictJson, RefusesDuplicatesSpelledWithEscapes) {
  EXPECT_FALSE(json::parse_strict(R"({"alg":"a","\u0061lg":"b"})"));
}

TEST(StrictJson, RefusesTrailingGarbageCommentsAndDeepNesting) {
  EXPECT_FALSE(json::parse_strict(R"({"a":1} x)"));
  EXPECT_FALSE(json::parse_strict(R"({"a":1,})"));
  EXPECT_FALSE(json::parse_strict("{/*c*/\"a\":1}"));
  EXPECT_FALSE(json::parse_strict(std::string(100, '[') + std::string(100, ']')));
  EXPECT_FALSE(json::parse_strict(""));
}

TEST(StrictJson, RefusesNumbersThatAreNotFiniteDoubles) {
  EXPECT_FALSE(json::parse_strict("[1e400]"));
  EXPECT_FALSE(json::parse_strict("[-1e400]"));
  EXPECT_FALSE(json::parse_strict("[0e400]"));  // NaN in Boost 1.81
  EXPECT_TRUE(json::parse_strict("[1.7976931348623157e308,5e-324,18446744073709551615,-0]"));
}

TEST(StrictJson, RefusesInvalidUtf8) {
  EXPECT_FALSE(json::parse_strict("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(json::parse_strict("{\"a\":\"\xed\xa0\x80\"}"));  // a UTF-16 surrogate
}

TEST(StrictJson, QuotesEverythingIntoValidJson) {
  std::string out;
  json::append_quoted(out, std::string("a\"b\\c\n\x01\xff\xe2\x82\xac", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xe2\x82\xac\"");
  EXPECT_TRUE(json::parse_strict(out));
}

TEST(Utf8, AcceptsWellFormedAndRefusesOverlongsAndSurrogates) {
  EXPECT_TRUE(utf8::valid("h\xc3\xa9llo \xf0\x9f\x94\x91"));
  EXPECT_FALSE(utf8::valid("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(utf8::valid("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(utf8::valid("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(utf8::valid("\xe2\x82"));          // truncated
  EXPECT_EQ(utf8::code_points("h\xc3\xa9"), 2u);
}

}  // namespace
}  // namespace tessera
