// Streaming decompression of pushed item data with a hard cap on the output size,
// so that a small upload cannot expand without bound (decompression bombs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "codec/compression.h"

namespace sluice::codec {

// Besides the absolute cap, a stream whose output passes kRatioGraceBytes may not be
// more than kMaxExpansionRatio times larger than the compressed bytes it came from.
// Deflate cannot exceed about 1032:1 and real documents stay far below 1000:1, while a
// bomb (zeros, one repeated byte) sits at the top; stopping it early saves the work of
// expanding and extracting up to the absolute cap.
inline constexpr uint64_t kMaxExpansionRatio = 1000;
inline constexpr uint64_t kRatioGraceBytes = uint64_t{16} << 20;

// Receives decompressed bytes. A non-OK status stops decompression and is returned
// unchanged from Write or Finish.
using ByteSink = std::function<base::Status(std::string_view chunk)>;

// Decompresses one stream. Memory use is constant: input is consumed as it is written
// and output is handed to the sink in chunks of at most kMaxOutputChunkBytes.
// Not thread-safe. After a failure every later call returns the same failure.
class Decompressor {
 public:
  static constexpr size_t kMaxOutputChunkBytes = size_t{256} * 1024;

  virtual ~Decompressor() = default;
  // Feeds compressed bytes. Fails with DataLoss on corrupt data and with
  // ResourceExhausted as soon as the output would exceed max_output_bytes (the sink
  // never receives more than that) or kMaxExpansionRatio (see above).
  virtual base::Status Write(std::string_view input) = 0;
  // Ends the stream; fails with DataLoss if it is incomplete, empty, or followed by
  // unexpected bytes.
  virtual base::Status Finish() = 0;
  // Compressed bytes written so far.
  virtual uint64_t bytes_in() const = 0;
  // Decompressed bytes handed to the sink so far.
  virtual uint64_t bytes_out() const = 0;
};

// ZLIB is RFC 1950, DEFLATE raw RFC 1951, GZIP RFC 1952 (several members may follow
// each other, and trailing zero padding is tolerated), LZMA is xz (possibly several
// streams) or legacy .lzma, UNCOMPRESSED passes the bytes through.
std::unique_ptr<Decompressor> MakeDecompressor(Compression compression, uint64_t max_output_bytes,
                                               ByteSink sink);

// Reads a stream with `read` (bytes read into the buffer, 0 at its end) and hands it to `sink`
// decompressed as its first bytes say (SniffCompression: GZIP, ZLIB or as it is). For batch
// files, which carry no compressionType. Returns the bytes read; an empty stream reaches the
// sink as nothing.
using ReadFn = std::function<base::Result<size_t>(char* buffer, size_t size)>;
base::Result<uint64_t> DecompressSniffed(const ReadFn& read, uint64_t max_output_bytes,
                                         ByteSink sink);

}  // namespace sluice::codec
