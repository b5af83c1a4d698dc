// ZLIB, GZIP and DEFLATE decompression with ISA-L's inflate (igzip), which decodes
// deflate two to three times as fast as zlib.
#pragma once

#include <memory>

#include "codec/decompressor.h"

namespace sluice::codec::internal {

// compression must be kZlib, kGzip or kDeflate.
std::unique_ptr<Decompressor> MakeInflateDecompressor(Compression compression,
                                                      uint64_t max_output_bytes, ByteSink sink);

}  // namespace sluice::codec::internal
