#include "codec/base64.h"

#include <random>
#include <string>

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

// All 256 byte values, encoded with the standard alphabet including '+' and '/'.
constexpr std::string_view kEveryByteEncoded =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0"
    "BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+A"
    "gYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wM"
    "HCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";

std::string EveryByteValue() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

TEST(Base64Test, DecodesEveryByteValue) {
  auto decoded = DecodeBase64Strict(kEveryByteEncoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, EveryByteValue());
}

TEST(Base64Test, EncodesRfc4648TestVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, EncodesEveryByteValueWithTheStandardAlphabet) {
  EXPECT_EQ(EncodeBase64(EveryByteValue()), kEveryByteEncoded);
  // High bits in each position of a group, where a sign-extension bug would show.
  EXPECT_EQ(EncodeBase64("\xff\xff\xff"), "////");
  EXPECT_EQ(EncodeBase64("\xfb\xef\xbe"), "++++");
  EXPECT_EQ(EncodeBase64("\xff"), "/w==");
  EXPECT_EQ(EncodeBase64("\xff\xfe"), "//4=");
  EXPECT_EQ(EncodeBase64(std::string_view("\0\0\0\0", 4)), "AAAAAA==");
}

TEST(Base64Test, EncodeRoundTripsThroughTheStrictDecoderForEveryLength) {
  std::mt19937 random(42);
  for (size_t length = 0; length <= 100; ++length) {
    std::string bytes(length, '\0');
    for (char& c : bytes) c = static_cast<char>(random() & 0xff);
    const std::string encoded = EncodeBase64(bytes);
    EXPECT_EQ(encoded.size(), (length + 2) / 3 * 4) << "length " << length;
    EXPECT_EQ(encoded.find_first_of("\r\n"), std::string::npos);
    auto decoded = DecodeBase64Strict(encoded);
    ASSERT_TRUE(decoded.ok()) << "length " << length << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes) << "length " << length;
  }
}

TEST(Base64Test, EncodesLargeInputWithoutLineBreaks) {
  std::string bytes(3 << 20, '\0');
  std::mt19937 random(7);
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  const std::string encoded = EncodeBase64(bytes);
  ASSERT_EQ(encoded.size(), bytes.size() / 3 * 4);
  EXPECT_EQ(
      encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
      std::string::npos);
  auto decoded = DecodeBase64Strict(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(*decoded == bytes);
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
