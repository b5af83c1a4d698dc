#include "codec/base64.h"

#include <gtest/gtest.h>

namespace sluice::codec {
namespace {

TEST(Base64Test, DecodesRfc4648TestVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(*DecodeBase64Strict(""), "");
  EXPECT_EQ(*DecodeBase64Strict("Zg=="), "f");
  EXPECT_EQ(*DecodeBase64Strict("Zm8="), "fo");
  EXPECT_EQ(*DecodeBase64Strict("Zm9v"), "foo");
  EXPECT_EQ(*DecodeBase64Strict("Zm9vYg=="), "foob");
  EXPECT_EQ(*DecodeBase64Strict("Zm9vYmE="), "fooba");
  EXPECT_EQ(*DecodeBase64Strict("Zm9vYmFy"), "foobar");
}

TEST(Base64Test, DecodesEveryByteValue) {
  // All 256 byte values, encoded with the standard alphabet including '+' and '/'.
  std::string expected;
  for (int i = 0; i < 256; ++i) expected.push_back(static_cast<char>(i));
  constexpr std::string_view kEncoded =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0"
      "BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+A"
      "gYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wM"
      "HCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
  auto decoded = DecodeBase64Strict(kEncoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, expected);
}

void ExpectRejected(std::string_view input, std::string_view expected_fragment) {
  auto decoded = DecodeBase64Strict(input);
  ASSERT_FALSE(decoded.ok()) << "accepted '" << input << "'";
  EXPECT_EQ(decoded.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find(expected_fragment), std::string::npos)
      << "input '" << input << "': " << decoded.status().message();
}

TEST(Base64Test, RejectsMissingPadding) {
  ExpectRejected("Zg", "missing '=' padding at offset 2");
  ExpectRejected("Zm8", "missing '=' padding at offset 3");
  ExpectRejected("Zg=", "missing '=' padding at offset 3");
  ExpectRejected("Zm9vY", "missing '=' padding at offset 5");
}

TEST(Base64Test, RejectsCharactersOutsideTheAlphabetWithTheirOffset) {
  ExpectRejected("Zm9v!mFy", "'!' at offset 4");
  ExpectRejected("Zm9-YmFy", "'-' at offset 3");  // URL-safe alphabet
  ExpectRejected("Zm9_YmFy", "'_' at offset 3");
  ExpectRejected(std::string_view("Zm\0v", 4), "byte 0x00 at offset 2");
}

TEST(Base64Test, RejectsWhitespace) {
  ExpectRejected("Zm9v\nYmFy", "byte 0x0A at offset 4");
  ExpectRejected("Zm9v YmFy", "byte 0x20 at offset 4");
  ExpectRejected(" Zm9v", "byte 0x20 at offset 0");
  ExpectRejected("Zm9vYmFy\r\n", "byte 0x0D at offset 8");
}

TEST(Base64Test, RejectsDataAfterPadding) {
  ExpectRejected("Zg==Zg==", "'Z' at offset 4 (data after the '=' padding)");
  ExpectRejected("Zm8=Zm9v", "'Z' at offset 4 (data after the '=' padding)");
  ExpectRejected("Zg=a", "'a' at offset 3 (data after the '=' padding)");
  ExpectRejected("Zg===", "too much '=' padding");
  ExpectRejected("Z===", "'=' at offset 1 (too much '=' padding");
}

}  // namespace
}  // namespace sluice::codec
