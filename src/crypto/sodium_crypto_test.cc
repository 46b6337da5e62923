#include "crypto/sodium_crypto.h"

#include <gtest/gtest.h>

namespace consentd::crypto {
namespace {

TEST(SodiumCryptoTest, Sha256MatchesKnownVector) {
  SodiumCrypto c;
  EXPECT_EQ(c.Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SodiumCryptoTest, HmacMatchesRfc4231Case2) {
  SodiumCrypto c;
  EXPECT_EQ(c.HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SodiumCryptoTest, RandomBytesDiffer) {
  SodiumCrypto c;
  auto a = c.RandomBytes(32), b = c.RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(SodiumCryptoTest, PasswordsVerifyOnlyWithTheRightPassword) {
  SodiumCrypto c;
  std::string hash = c.HashPassword("correct horse battery");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(c.VerifyPassword(hash, "correct horse battery"));
  EXPECT_FALSE(c.VerifyPassword(hash, "correct horse batterY"));
  EXPECT_TRUE(c.ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(c.ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(c.ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace consentd::crypto
