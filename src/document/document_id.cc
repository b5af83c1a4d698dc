#include "document/document_id.h"

#include <cstdio>
#include <string>

namespace sluice::document {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0 if it is not
// one (overlong forms, surrogates and code points above U+10FFFF are not well-formed).
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](size_t i, unsigned char min = 0x80, unsigned char max = 0xbf) {
    return i < s.size() && byte(i) >= min && byte(i) <= max;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const unsigned char min = lead == 0xe0 ? 0xa0 : 0x80;
    const unsigned char max = lead == 0xed ? 0x9f : 0xbf;
    return continuation(1, min, max) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const unsigned char min = lead == 0xf0 ? 0x90 : 0x80;
    const unsigned char max = lead == 0xf4 ? 0x8f : 0xbf;
    return continuation(1, min, max) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

std::string Hex(unsigned char c) {
  char out[5];
  std::snprintf(out, sizeof out, "0x%02x", c);
  return out;
}

}  // namespace

base::Status ValidateDocumentId(std::string_view id) {
  if (id.empty()) return base::InvalidArgument("documentId is empty");
  if (id.size() > kMaxDocumentIdBytes) {
    return base::InvalidArgument("documentId is " + std::to_string(id.size()) +
                                 " bytes long; at most " + std::to_string(kMaxDocumentIdBytes) +
                                 " are allowed");
  }
  for (size_t at = 0; at < id.size();) {
    const auto c = static_cast<unsigned char>(id[at]);
    if (c < 0x20 || c == 0x7f) {
      return base::InvalidArgument("documentId contains the control character " + Hex(c) +
                                   " at byte " + std::to_string(at) +
                                   "; NUL, CR, LF and other control characters are not allowed");
    }
    const size_t length = Utf8SequenceLength(id.substr(at));
    if (length == 0) {
      return base::InvalidArgument("documentId is not valid UTF-8 (byte " + Hex(c) + " at byte " +
                                   std::to_string(at) + ")");
    }
    at += length;
  }
  return base::Status::Ok();
}

}  // namespace sluice::document
