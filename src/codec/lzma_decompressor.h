// LZMA decompression (xz and legacy .lzma) with liblzma.
#pragma once

#include <memory>

#include "codec/decompressor.h"

namespace sluice::codec::internal {

// The most memory one LZMA stream may make the decoder allocate (its dictionary
// size); streams that need more fail with ResourceExhausted.
inline constexpr uint64_t kLzmaMemoryLimitBytes = 256ull * 1024 * 1024;

std::unique_ptr<Decompressor> MakeLzmaDecompressor(uint64_t max_output_bytes, ByteSink sink);

}  // namespace sluice::codec::internal
