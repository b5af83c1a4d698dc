// ZLIB, GZIP and DEFLATE decompression with zlib's inflate.
#pragma once

#include <memory>

#include "codec/decompressor.h"

namespace sluice::codec::internal {

// compression must be kZlib, kGzip or kDeflate.
std::unique_ptr<Decompressor> MakeInflateDecompressor(Compression compression,
                                                      uint64_t max_output_bytes, ByteSink sink);

}  // namespace sluice::codec::internal
