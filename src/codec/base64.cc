#include "codec/base64.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sluice::codec {
namespace {

constexpr int8_t kNotBase64 = -1;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (int8_t& entry : table) entry = kNotBase64;
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

// Writes the four characters for the 24 bits in `group` to out[0..3].
inline void WriteGroup(uint32_t group, char* out) {
  out[0] = kAlphabet[(group >> 18) & 0x3f];
  out[1] = kAlphabet[(group >> 12) & 0x3f];
  out[2] = kAlphabet[(group >> 6) & 0x3f];
  out[3] = kAlphabet[group & 0x3f];
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t whole_groups = bytes.size() / 3;
  const size_t rest = bytes.size() % 3;
  // Sized once and written through a pointer: no per-character bounds checks or growth.
  std::string encoded((whole_groups + (rest != 0 ? 1 : 0)) * 4, '\0');
  char* out = encoded.data();
  for (size_t i = 0; i < whole_groups; ++i, in += 3, out += 4) {
    WriteGroup((uint32_t{in[0]} << 16) | (uint32_t{in[1]} << 8) | in[2], out);
  }
  if (rest != 0) {
    const uint32_t group = (uint32_t{in[0]} << 16) | (rest == 2 ? uint32_t{in[1]} << 8 : 0);
    WriteGroup(group, out);
    out[3] = '=';
    if (rest == 1) out[2] = '=';
  }
  return encoded;
}

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
