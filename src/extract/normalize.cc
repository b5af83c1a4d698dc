#include "extract/normalize.h"

#include <unicode/bytestream.h>
#include <unicode/stringpiece.h>

#include <cstdint>
#include <limits>
#include <utility>

#include <unicode/normalizer2.h>

namespace sluice::extract::internal {

void NormalizeNfc(std::string& text) {
  // ICU counts in int32_t; extracted text is capped far below that.
  if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) return;
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return;  // ICU's data is part of its library: cannot happen in practice
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
