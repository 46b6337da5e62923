#include "core/link_token.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

TEST(Base64UrlTest, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(LinkTokenTest, ThirtyTwoBytesLookLikeAToken) {
  std::string token = Base64UrlEncode(std::string(kTokenBytes, '\x7f'));
  EXPECT_EQ(token.size(), 43u);
  EXPECT_TRUE(LooksLikeToken(token));
  EXPECT_FALSE(LooksLikeToken(token.substr(1)));
  EXPECT_FALSE(LooksLikeToken(token.substr(1) + "/"));
  EXPECT_FALSE(LooksLikeToken("../../etc/passwd"));
}

TEST(LinkTokenTest, ExpiresAndCanBeRevoked) {
  Time now = ParseIso("2026-11-30T10:00:00Z").value();
  LinkToken t;
  t.created_at = now;
  t.expires_at = now + kDefaultTokenLifetime;
  EXPECT_EQ(CheckToken(t, now), TokenStatus::kValid);
  EXPECT_EQ(CheckToken(t, t.expires_at - std::chrono::seconds(1)), TokenStatus::kValid);
  EXPECT_EQ(CheckToken(t, t.expires_at), TokenStatus::kExpired);
  t.revoked_at = now;
  EXPECT_EQ(CheckToken(t, now), TokenStatus::kRevoked);
}

}  // namespace
}  // namespace consentd::core
