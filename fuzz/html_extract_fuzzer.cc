// HTML extraction (extract/html_extractor.h, as MakeExtractor picks it for HTML): the
// input is a page in any bytes and encoding, written in pieces whose sizes, like
// the body cap, come from a generator seeded by the input's hash.
// Properties: the title and body are valid UTF-8 (checked by a decoder written
// here: no overlong forms, surrogates or code points above U+10FFFF), carry no
// control characters, no leading, trailing or doubled spaces, and stay within
// their caps (1000 bytes for the title, the body cap given); a failure is
// ResourceExhausted only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "extract/extractor.h"
#include "extract/html_extractor.h"

namespace {

constexpr size_t kMaxTitleBytes = 1000;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "html_extract: property violated: %s\n", what);
  std::abort();
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    size_t length = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      cp = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      cp = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      cp = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<uint8_t>(s[i + k]);
      if ((byte & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (byte & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// Whitespace is collapsed to single spaces between words, and controls never pass.
bool IsTidy(std::string_view s) {
  if (s.starts_with(' ') || s.ends_with(' ') || s.find("  ") != std::string_view::npos) {
    return false;
  }
  for (char c : s) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view page(reinterpret_cast<const char*>(data), size);
  uint32_t state = 2166136261u;  // FNV-1a of the input seeds the pieces and the cap
  for (char c : page) state = (state ^ static_cast<uint8_t>(c)) * 16777619u;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  static constexpr size_t kCaps[] = {1 << 20, 1 << 20, 4096, 64};
  const size_t max_body_bytes = kCaps[next() % 4];

  auto extractor = sluice::extract::internal::MakeHtmlExtractor(max_body_bytes);
  Check(extractor.ok(), "no HTML extractor");
  const bool one_write = next() % 4 == 0;
  sluice::base::Status status;
  while (status.ok() && !page.empty()) {
    const uint32_t r = next();
    size_t n =
        one_write ? page.size() : std::min<size_t>(page.size(), 1 + r % ((r & 1) ? 8 : 2048));
    status = (*extractor)->Write(page.substr(0, n));
    page.remove_prefix(n);
  }
  sluice::base::Result<sluice::extract::ExtractedText> text = status;
  if (status.ok()) text = (*extractor)->Finish();
  if (!text.ok()) {
    Check(text.status().code() == sluice::base::StatusCode::kResourceExhausted,
          "a failure other than ResourceExhausted");
    return 0;
  }
  Check(IsValidUtf8(text->title), "the title is not valid UTF-8");
  Check(IsValidUtf8(text->body), "the body is not valid UTF-8");
  Check(IsTidy(text->title), "the title has control characters or loose spaces");
  Check(IsTidy(text->body), "the body has control characters or loose spaces");
  Check(text->title.size() <= kMaxTitleBytes, "the title is over its cap");
  Check(text->body.size() <= max_body_bytes, "the body is over its cap");
  Check(text->file_type == "html", "file_type is not html");
  return 0;
}
