#include "domain/one_time_token.hpp"

#include <gtest/gtest.h>

namespace tessera::domain {
namespace {

// The stores write to_string() into the purpose column and read it back with parse_token_purpose().
TEST(TokenPurposeText, EveryPurposeReadsBackAsItself) {
  for (const auto purpose : {TokenPurpose::verify_email, TokenPurpose::reset_password}) {
    EXPECT_EQ(parse_token_purpose(to_string(purpose)), purpose) << to_string(purpose);
  }
}

TEST(TokenPurposeText, OtherTextIsNoPurpose) {
  for (const char* text : {"", "Verify_Email", "reset_password ", "verify", "login"}) {
    EXPECT_EQ(parse_token_purpose(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace tessera::domain
