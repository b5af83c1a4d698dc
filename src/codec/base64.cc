#include "codec/base64.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sluice::codec {
namespace {

constexpr int8_t kNotBase64 = -1;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (int8_t& entry : table) entry = kNotBase64;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

constexpr std::array<int8_t, 256> kDecodeTable = MakeDecodeTable();

// Shows the offending byte so that invisible characters (newlines, NUL) are recognisable.
std::string DescribeByte(char c) {
  auto byte = static_cast<unsigned char>(c);
  char text[32];
  if (byte >= 0x21 && byte < 0x7f) {
    std::snprintf(text, sizeof(text), "'%c'", c);
  } else {
    std::snprintf(text, sizeof(text), "byte 0x%02X", byte);
  }
  return text;
}

base::Status BadCharacter(std::string_view encoded, size_t offset, std::string_view why) {
  return base::InvalidArgument("invalid base64: " + DescribeByte(encoded[offset]) + " at offset " +
                               std::to_string(offset) + " " + std::string(why));
}

}  // namespace

base::Result<std::string> DecodeBase64Strict(std::string_view encoded) {
  // The number of '=' at the end (0, 1 or 2); any other '=' is an error below.
  size_t padding = 0;
  if (encoded.ends_with('=')) padding = encoded.ends_with("==") ? 2 : 1;
  const size_t data_chars = encoded.size() - padding;

  for (size_t i = 0; i < data_chars; ++i) {
    if (kDecodeTable[static_cast<unsigned char>(encoded[i])] != kNotBase64) continue;
    if (encoded[i] == '=') {
      size_t after_padding = i;
      while (after_padding < data_chars && encoded[after_padding] == '=') ++after_padding;
      if (after_padding == data_chars) {
        return BadCharacter(encoded, i, "(too much '=' padding: at most two are allowed)");
      }
      return BadCharacter(encoded, after_padding, "(data after the '=' padding)");
    }
    return BadCharacter(encoded, i, "(only A-Z a-z 0-9 + / and trailing '=' are allowed)");
  }
  if (encoded.size() % 4 != 0) {
    return base::InvalidArgument(
        "invalid base64: missing '=' padding at offset " + std::to_string(encoded.size()) +
        " (the length must be a multiple of 4, got " + std::to_string(encoded.size()) + ")");
  }

  std::string decoded;
  decoded.reserve(encoded.size() / 4 * 3);
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < data_chars; ++i) {
    bits =
        (bits << 6) | static_cast<uint32_t>(kDecodeTable[static_cast<unsigned char>(encoded[i])]);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      decoded.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  return decoded;
}

}  // namespace sluice::codec
