// Streaming compression for the Push API's compressionType values, the client side of
// Decompressor: `sluice push` compresses items before sending them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "codec/compression.h"

namespace sluice::codec {

// Compresses one stream in pieces. ZLIB (RFC 1950), GZIP (RFC 1952) and DEFLATE (raw RFC 1951)
// use ISA-L's fast deflate; LZMA writes the .lzma (LZMA_Alone) format; UNCOMPRESSED copies.
// Memory stays constant whatever the stream's length: input is compressed in bounded chunks and
// output is appended as it is produced. Not thread-safe: one per stream.
// A library failure is Internal naming the library's code; after any failure every later call
// returns the same failure, and a call after Finish is FailedPrecondition.
class Compressor {
 public:
  virtual ~Compressor() = default;
  // Compresses `input`, appending whatever output is ready to *out (existing bytes are kept).
  virtual base::Status Update(std::string_view input, std::string* out) = 0;
  // Ends the stream (flushes and writes any trailer), appending to *out. Call once, last.
  virtual base::Status Finish(std::string* out) = 0;
};

std::unique_ptr<Compressor> MakeCompressor(Compression compression);

}  // namespace sluice::codec
