#include "domain/recovery_code.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <vector>

namespace tessera::domain {
namespace {

TEST(RecoveryCode, IsSixteenCrockfordSymbolsShownInFourGroups) {
  SeededRandom random(7);
  for (int i = 0; i < 100; ++i) {
    const std::string code = new_recovery_code(random);
    EXPECT_TRUE(std::regex_match(code, std::regex("[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}"))) << code;
    EXPECT_EQ(canonical_recovery_code(code)->size(), kRecoveryCodeSymbols);
  }
}

TEST(RecoveryCode, ASetIsTenDifferentCodes) {
  SeededRandom random(1);
  const auto codes = new_recovery_codes(random);
  EXPECT_EQ(codes.size(), kRecoveryCodesPerSet);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), kRecoveryCodesPerSet);
}

TEST(RecoveryCode, TypingIsForgivingAboutCaseDashesSpacesAndLookAlikes) {
  const std::string canonical = "K4M9X7QP2AB8HT30";
  EXPECT_EQ(canonical_recovery_code("K4M9-X7QP-2AB8-HT30"), canonical);
  EXPECT_EQ(canonical_recovery_code("k4m9x7qp2ab8ht30"), canonical);
  EXPECT_EQ(canonical_recovery_code(" k4m9 x7qp-2ab8 ht3o "), canonical);  // O read as 0
  EXPECT_EQ(canonical_recovery_code("ILIL-0000-0000-0000"), "1111000000000000");
}

TEST(RecoveryCode, WhatCannotBeACodeIsNothing) {
  for (const std::string& bad :
       std::vector<std::string>{"", "K4M9-X7QP-2AB8", "K4M9-X7QP-2AB8-HT30-0", "K4M9-X7QP-2AB8-HT3U",
                                "K4M9_X7QP_2AB8_HT30", "K4M9-X7QP-2AB8-HT3\xc3\xa9", std::string(1 << 20, 'A')}) {
    EXPECT_EQ(canonical_recovery_code(bad), std::nullopt) << bad.substr(0, 24);
  }
}

TEST(RecoveryCode, TheStoredHashDependsOnPepperUserAndCode) {
  const UserId ann("00000000-0000-4000-8000-000000000001");
  const UserId bob("00000000-0000-4000-8000-000000000002");
  const std::string h = recovery_code_hash("pepper", ann, "K4M9X7QP2AB8HT30");
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(h, recovery_code_hash("pepper", ann, "K4M9X7QP2AB8HT30"));
  EXPECT_NE(h, recovery_code_hash("pepper", bob, "K4M9X7QP2AB8HT30"));
  EXPECT_NE(h, recovery_code_hash("other pepper", ann, "K4M9X7QP2AB8HT30"));
  EXPECT_NE(h, recovery_code_hash("pepper", ann, "K4M9X7QP2AB8HT31"));
}

}  // namespace
}  // namespace tessera::domain
