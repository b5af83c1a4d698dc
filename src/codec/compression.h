// The compression algorithms a pushed item may use (the Push API's compressionType).
#pragma once

#include <string_view>

#include "base/status.h"

namespace sluice::codec {

enum class Compression { kUncompressed, kZlib, kGzip, kDeflate, kLzma };

// Accepts the wire names case-insensitively ("ZLIB", "ZLib", "gzip", "Deflate" ...),
// because clients disagree on the spelling. Fails with InvalidArgument naming the
// bad value and listing the accepted ones.
base::Result<Compression> ParseCompression(std::string_view name);

// What a batch file's first bytes say it is: GZIP or ZLIB by their magic bytes, otherwise
// UNCOMPRESSED. Batch files carry no compressionType, and clients do compress them.
Compression SniffCompression(std::string_view head);

// The upper-case wire name: "UNCOMPRESSED", "ZLIB", "GZIP", "DEFLATE" or "LZMA".
std::string_view CompressionName(Compression compression);

}  // namespace sluice::codec
