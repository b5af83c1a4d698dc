#include <cstdio>
#include <string>

#include "blob/blob_store.h"

namespace sluice::blob {
namespace {

bool IsKeyCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Keys can be long and hostile; quote at most a prefix, with unprintables escaped.
std::string QuoteForMessage(std::string_view key) {
  constexpr size_t kShown = 64;
  std::string out = "'";
  for (char c : key.substr(0, kShown)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  out += key.size() > kShown ? "'..." : "'";
  return out;
}

base::Status BadKey(std::string_view key, std::string_view why) {
  return base::InvalidArgument("blob key " + QuoteForMessage(key) + " " + std::string(why));
}

}  // namespace

base::Status ValidateBlobKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "is empty; a key needs 1 to 512 characters");
  if (key.size() > kMaxBlobKeyLength) {
    return BadKey(key, "is " + std::to_string(key.size()) + " characters long; the limit is " +
                           std::to_string(kMaxBlobKeyLength));
  }
  size_t segment_start = 0;
  for (size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size() && key[i] != '/') {
      if (!IsKeyCharacter(key[i])) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(key[i]));
        return BadKey(key, "has character " + std::string(hex) + " at offset " + std::to_string(i) +
                               "; allowed are A-Z a-z 0-9 . _ - and '/' between segments");
      }
      continue;
    }
    std::string_view segment = key.substr(segment_start, i - segment_start);
    if (segment.empty()) {
      return BadKey(key, "has an empty segment at offset " + std::to_string(segment_start) +
                             " (leading, trailing or doubled '/')");
    }
    if (segment == "." || segment == "..") {
      return BadKey(key, "has a '" + std::string(segment) + "' segment at offset " +
                             std::to_string(segment_start) + "; relative segments are not allowed");
    }
    segment_start = i + 1;
  }
  return base::Status::Ok();
}

}  // namespace sluice::blob
