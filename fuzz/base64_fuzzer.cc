// The strict Base64 decoder (codec/base64.h) against a reference written here.
// Properties:
//   - it accepts exactly the padded standard-alphabet strings: a length that is a
//     multiple of 4, only A-Z a-z 0-9 + /, then at most two '=' at the very end;
//   - what it accepts re-encodes to the input, once the unused low bits of the
//     last data character (which the decoder ignores, by contract) are cleared;
//   - encoding the input bytes and decoding the result gives them back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/base64.h"

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "base64: property violated: %s\n", what);
  std::abort();
}

std::string Encode(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (rest == 2) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1])
                                                                  << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

bool IsCanonicalShape(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t padding = 0;
  while (padding < 2 && padding < s.size() && s[s.size() - 1 - padding] == '=') ++padding;
  for (size_t i = 0; i + padding < s.size(); ++i) {
    if (kAlphabet.find(s[i]) == std::string_view::npos) return false;
  }
  return true;
}

// The input with the bits the decoder ignores cleared: the last data character
// of a group padded with "==" carries 4 unused bits, with "=" 2.
std::string ClearUnusedBits(std::string s) {
  size_t padding = 0;
  while (padding < 2 && padding < s.size() && s[s.size() - 1 - padding] == '=') ++padding;
  if (padding == 0) return s;
  char& last = s[s.size() - 1 - padding];
  const size_t value = kAlphabet.find(last);
  last = kAlphabet[value & (padding == 2 ? 0x30 : 0x3c)];
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto decoded = sluice::codec::DecodeBase64Strict(input);
  Check(decoded.ok() == IsCanonicalShape(input), "accepts a different set than RFC 4648 padded");
  if (decoded.ok()) {
    const size_t padding = input.ends_with("==") ? 2 : input.ends_with('=') ? 1 : 0;
    Check(decoded->size() == input.size() / 4 * 3 - padding,
          "decoded length is not 3 bytes per 4 characters less the padding");
    Check(Encode(*decoded) == ClearUnusedBits(std::string(input)),
          "decode then encode does not give the input back");
  } else {
    Check(decoded.status().code() == sluice::base::StatusCode::kInvalidArgument,
          "a refusal is not InvalidArgument");
  }

  auto round_trip = sluice::codec::DecodeBase64Strict(Encode(input));
  Check(round_trip.ok() && *round_trip == input, "encode then decode does not give the bytes back");
  return 0;
}
