#include "http/form.h"

#include <gtest/gtest.h>

namespace consentd::http {
namespace {

TEST(FormTest, DecodesUrlEncodedBodies) {
  auto f = ParseUrlEncoded("a=1&preis_bis=350.000+%E2%82%AC&empty=&flag&x=%ZZ");
  EXPECT_EQ(f["a"], "1");
  EXPECT_EQ(f["preis_bis"], "350.000 €");
  EXPECT_EQ(f["empty"], "");
  EXPECT_EQ(f["flag"], "");
  EXPECT_EQ(f["x"], "%ZZ");
}

TEST(FormTest, TruncatedEscapeStaysLiteral) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%41"), "A");
}

TEST(FormTest, EncodeRoundTrips) {
  std::string s = "Müller & Söhne / 50% = ?";
  EXPECT_EQ(PercentDecode(PercentEncode(s)), s);
}

}  // namespace
}  // namespace consentd::http
