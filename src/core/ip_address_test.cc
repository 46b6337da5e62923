#include "core/ip_address.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

TEST(ShortenIpTest, KeepsOnlyTheNetwork) {
  EXPECT_EQ(ShortenIp("203.0.113.57"), "203.0.113.0/24");
  EXPECT_EQ(ShortenIp("::ffff:198.51.100.9"), "198.51.100.0/24");
  EXPECT_EQ(ShortenIp("2001:db8:abcd:12::1"), "2001:db8:abcd::/48");
  EXPECT_EQ(ShortenIp("2001:db8::1"), "2001:db8:0::/48");
  EXPECT_EQ(ShortenIp("2001:0db8:0001:0002:0003:0004:0005:0006"), "2001:db8:1::/48");
}

TEST(ShortenIpTest, RejectsGarbage) {
  EXPECT_EQ(ShortenIp(""), "");
  EXPECT_EQ(ShortenIp("256.1.1.1"), "");
  EXPECT_EQ(ShortenIp("1.2.3"), "");
  EXPECT_EQ(ShortenIp("hello"), "");
  EXPECT_EQ(ShortenIp("12345::1"), "");
}

}  // namespace
}  // namespace consentd::core
