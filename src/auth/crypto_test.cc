#include "auth/crypto.h"

#include <string>

#include <gtest/gtest.h>

#include "base/random.h"

namespace sluice::auth {
namespace {

TEST(Sha256Test, MatchesFips180Vectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abc").size(), 32u);
  EXPECT_EQ(base::HexEncode(Sha256("abc")), Sha256Hex("abc"));
}

TEST(Sha256Test, HashesEmbeddedNulBytes) {
  EXPECT_NE(Sha256Hex(std::string_view("a\0b", 3)), Sha256Hex("a"));
}

TEST(HmacSha256Test, MatchesRfc4231TestCase2) {
  EXPECT_EQ(base::HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, MatchesRfc4231TestCase6WithKeyLongerThanBlock) {
  const std::string key(131, '\xaa');
  EXPECT_EQ(
      base::HexEncode(HmacSha256(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(ConstantTimeEqualsTest, ComparesBytesAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("signature", "signature"));
  EXPECT_FALSE(ConstantTimeEquals("signature", "signaturf"));
  EXPECT_FALSE(ConstantTimeEquals("signature", "Signature"));
  EXPECT_FALSE(ConstantTimeEquals("signature", "signatur"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace sluice::auth
