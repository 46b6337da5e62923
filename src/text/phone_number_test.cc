#include "text/phone_number.h"

#include <gtest/gtest.h>

namespace consentd::text {
namespace {

TEST(PhoneNumberTest, NormalisesGermanNumbers) {
  LibPhoneNumberNormalizer p;
  EXPECT_EQ(p.Normalize("030 1234567", "DE"), "+49 30 1234567");
  EXPECT_EQ(p.Normalize("0171/2345678", "DE"), "+49 171 2345678");
  EXPECT_EQ(p.Normalize("+49 (0)89 123456", "DE"), "+49 89 123456");
  EXPECT_EQ(p.Normalize("+43 1 5123456", "DE"), "+43 1 5123456");
}

TEST(PhoneNumberTest, RejectsImpossibleNumbers) {
  LibPhoneNumberNormalizer p;
  EXPECT_FALSE(p.Normalize("12ab", "DE"));
  EXPECT_FALSE(p.Normalize("123", "DE"));
  EXPECT_FALSE(p.Normalize("", "DE"));
}

}  // namespace
}  // namespace consentd::text
