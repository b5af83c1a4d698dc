// Helpers shared by the extract tests.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::testing_util {

// A strict, independent UTF-8 check (RFC 3629): no overlongs, surrogates or values
// above U+10FFFF, no truncated sequences.
inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t length = 0;
    unsigned min_second = 0x80, max_second = 0xbf;
    if (b < 0x80) {
      length = 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b == 0xe0) min_second = 0xa0;
      if (b == 0xed) max_second = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b == 0xf0) min_second = 0x90;
      if (b == 0xf4) max_second = 0x8f;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      const unsigned lo = k == 1 ? min_second : 0x80, hi = k == 1 ? max_second : 0xbf;
      if (c < lo || c > hi) return false;
    }
    i += length;
  }
  return true;
}

// Options for tests: the extraction child is the test build's sluice_extract_child.
inline ExtractOptions TestOptions(size_t max_body_bytes = 1 << 30) {
  ExtractOptions options;
  options.max_body_bytes = max_body_bytes;
#ifdef SLUICE_EXTRACT_CHILD
  options.child_command = SLUICE_EXTRACT_CHILD;
#endif
  return options;
}

// Runs an extractor over `input` in pieces of `piece` bytes.
inline base::Result<ExtractedText> Extract(std::string_view extension, std::string_view input,
                                           size_t piece = 1 << 16,
                                           size_t max_body_bytes = 1 << 30) {
  SLUICE_ASSIGN_OR_RETURN(auto extractor, MakeExtractor(extension, TestOptions(max_body_bytes)));
  for (size_t at = 0; at < input.size(); at += piece) {
    SLUICE_RETURN_IF_ERROR(extractor->Write(input.substr(at, piece)));
  }
  return extractor->Finish();
}

}  // namespace sluice::extract::testing_util
