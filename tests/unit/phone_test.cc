// Tests for libs/phone/phone.h: E.164 normalisation with number types, regions and masking.
#include "libs/phone/phone.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace secondvoice::phone {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Normalize, DutchMobileInNationalForm) {
  const Normalized n = Normalize("06 12345678", "NL");
  EXPECT_TRUE(n.valid());
  EXPECT_EQ(n.e164, "+31612345678");
  EXPECT_EQ(n.type, NumberType::kMobile);
  EXPECT_EQ(n.raw, "06 12345678");
}

TEST(Normalize, DutchFixedLineInNationalForm) {
  const Normalized n = Normalize("020 123 4567", "NL");
  EXPECT_TRUE(n.valid());
  EXPECT_EQ(n.e164, "+31201234567");
  EXPECT_EQ(n.type, NumberType::kFixedLine);
  EXPECT_EQ(n.raw, "020 123 4567");
}

TEST(Normalize, InternationalFormIgnoresTheDefaultRegion) {
  const Normalized n = Normalize("+32 470 12 34 56", "NL");
  EXPECT_TRUE(n.valid());
  EXPECT_EQ(n.e164, "+32470123456");
  EXPECT_EQ(n.type, NumberType::kMobile);
}

TEST(Normalize, SameNumberFromDifferentSpellings) {
  for (const char* raw : {"+31 6 1234 5678", "0031612345678", "06-12345678", "(06) 123 456 78"}) {
    const Normalized n = Normalize(raw, "NL");
    EXPECT_EQ(n.e164, "+31612345678") << raw;
    EXPECT_EQ(n.raw, raw);
  }
}

TEST(Normalize, TheDefaultRegionDecidesNationalNumbers) {
  // Without a country code the same digits are read in the dealer's country.
  const Normalized be = Normalize("0470 12 34 56", "BE");
  EXPECT_EQ(be.e164, "+32470123456");
  const Normalized nl = Normalize("020 123 4567", "BE");
  EXPECT_NE(nl.e164, "+31201234567");
}

TEST(Normalize, PlaceholdersAreNotValidButKeptRaw) {
  for (const char* raw : {"0000000000", "123456789", "06 1234", "n/a"}) {
    const Normalized n = Normalize(raw, "NL");
    EXPECT_FALSE(n.valid()) << raw;
    EXPECT_EQ(n.e164, "") << raw;
    EXPECT_EQ(n.raw, raw);
  }
}

TEST(Normalize, EmptyIsNotValid) {
  const Normalized n = Normalize("", "NL");
  EXPECT_FALSE(n.valid());
  EXPECT_EQ(n.raw, "");
  EXPECT_EQ(n.type, NumberType::kUnknown);
}

TEST(IsKnownRegion, KnowsRealCountryCodesOnly) {
  EXPECT_TRUE(IsKnownRegion("NL"));
  EXPECT_TRUE(IsKnownRegion("BE"));
  EXPECT_TRUE(IsKnownRegion("DE"));
  EXPECT_FALSE(IsKnownRegion("XX"));
  EXPECT_FALSE(IsKnownRegion("ZZ"));
  EXPECT_FALSE(IsKnownRegion(""));
}

TEST(Mask, HidesTheMiddleAndKeepsTheLastFourDigits) {
  const std::string masked = Mask("+31612345678");
  EXPECT_EQ(masked, "+316****5678");
  EXPECT_THAT(masked, EndsWith("5678"));
  EXPECT_THAT(masked, Not(HasSubstr("1234")));
  EXPECT_THAT(masked, Not(HasSubstr("612345678")));
  EXPECT_EQ(masked.size(), std::string("+31612345678").size());
}

TEST(Mask, IgnoresFormatting) {
  EXPECT_EQ(Mask("+31 6 1234 5678"), "+316****5678");
  EXPECT_EQ(Mask("020 123 4567"), "020***4567");
}

TEST(Mask, ShortValuesAreFullyHidden) {
  EXPECT_EQ(Mask("12345"), "*****");
  EXPECT_EQ(Mask(""), "");
  // Without a middle to hide, nothing is shown (found by phone_fuzz: "+123456" threw).
  EXPECT_EQ(Mask("1234567"), "*******");
  EXPECT_EQ(Mask("+123456"), "*******");
  EXPECT_EQ(Mask("+1234567"), "********");
  EXPECT_EQ(Mask("12345678"), "123*5678");
}

}  // namespace
}  // namespace secondvoice::phone
