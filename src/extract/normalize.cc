#include "extract/normalize.h"

#include <unicode/bytestream.h>
#include <unicode/stringpiece.h>

#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>

#include <unicode/normalizer2.h>

namespace sluice::extract::internal {
namespace {

// ICU's NFC instance (null if ICU cannot make one). ICU creates it once and synchronizes inside
// its own, uninstrumented code; taking it under a once_flag of ours makes that hand-over between
// pipeline workers visible to ThreadSanitizer as well. The flag is process-wide because ICU's
// instance is.
const icu::Normalizer2* Nfc() {
  static std::once_flag once;
  static const icu::Normalizer2* nfc = nullptr;
  std::call_once(once, [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFCInstance(error);
    nfc = U_SUCCESS(error) ? instance : nullptr;
  });
  return nfc;
}

}  // namespace

void NormalizeNfc(std::string& text) {
  // ICU counts in int32_t; extracted text is capped far below that.
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) return;
  const icu::Normalizer2* nfc = Nfc();
  if (nfc == nullptr) return;  // ICU's data is part of its library: cannot happen in practice
  UErrorCode error = U_ZERO_ERROR;
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, error) || U_FAILURE(error)) return;
  std::string normalized;
  normalized.reserve(text.size());
  icu::StringByteSink<std::string> sink(&normalized, static_cast<int32_t>(text.size()));
  error = U_ZERO_ERROR;
  nfc->normalizeUTF8(0, piece, sink, nullptr, error);
  if (U_SUCCESS(error)) text = std::move(normalized);
}

}  // namespace sluice::extract::internal
