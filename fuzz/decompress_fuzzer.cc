// The capped streaming decompressors (codec/decompressor.h). The first byte picks
// the compression type (UNCOMPRESSED, ZLIB, GZIP, DEFLATE, LZMA) and how the rest
// is split into writes; the rest is the compressed stream. With the first byte's
// high bit set, the rest is instead plain text that is compressed here first.
// Properties:
//   - the sink never receives more than the 1 MiB cap, nor a chunk larger than
//     kMaxOutputChunkBytes, and bytes_in()/bytes_out() count what went in and out;
//   - failures are DataLoss or ResourceExhausted (never Internal) and sticky;
//   - the outcome does not depend on how the input is split into writes;
//   - UNCOMPRESSED passes the bytes through unchanged, and text compressed here
//     decompresses to itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <lzma.h>
#include <zlib.h>

#include "codec/decompressor.h"

namespace {

using sluice::base::Status;
using sluice::base::StatusCode;
using sluice::codec::Compression;
using sluice::codec::Decompressor;

constexpr uint64_t kMaxOutputBytes = 1 << 20;
constexpr Compression kTypes[] = {Compression::kUncompressed, Compression::kZlib,
                                  Compression::kGzip, Compression::kDeflate, Compression::kLzma};

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "decompress: property violated: %s\n", what);
  std::abort();
}

struct Outcome {
  Status status;
  std::string output;
};

// Decompresses `input` written in pieces of `piece` bytes (0: one write).
Outcome Decompress(Compression type, std::string_view input, size_t piece) {
  Outcome out;
  auto decompressor =
      sluice::codec::MakeDecompressor(type, kMaxOutputBytes, [&out](std::string_view chunk) {
        Check(chunk.size() <= Decompressor::kMaxOutputChunkBytes, "a sink chunk is too large");
        out.output.append(chunk);
        Check(out.output.size() <= kMaxOutputBytes, "the sink received more than the cap");
        return Status::Ok();
      });
  uint64_t written = 0;
  std::string_view rest = input;
  while (out.status.ok() && !rest.empty()) {
    const size_t n = piece == 0 ? rest.size() : std::min(piece, rest.size());
    out.status = decompressor->Write(rest.substr(0, n));
    written += n;
    rest.remove_prefix(n);
  }
  if (out.status.ok()) out.status = decompressor->Finish();
  Check(decompressor->bytes_in() == written, "bytes_in() is not what was written");
  Check(decompressor->bytes_out() == out.output.size(), "bytes_out() is not what the sink got");
  if (!out.status.ok()) {
    Check(out.status.code() == StatusCode::kDataLoss ||
              out.status.code() == StatusCode::kResourceExhausted,
          "a failure is neither DataLoss nor ResourceExhausted");
    const Status again = decompressor->Write("x");
    Check(again.code() == out.status.code() && again.message() == out.status.message(),
          "a failure is not sticky");
  }
  return out;
}

std::string CompressZlibFamily(Compression type, std::string_view text) {
  z_stream stream{};
  const int window_bits = type == Compression::kGzip      ? 15 + 16
                          : type == Compression::kDeflate ? -15
                                                          : 15;
  Check(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK,
        "deflateInit2");
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  Check(deflate(&stream, Z_FINISH) == Z_STREAM_END, "deflate");
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string CompressXz(std::string_view text) {
  std::string out(lzma_stream_buffer_bound(text.size()), '\0');
  size_t used = 0;
  Check(lzma_easy_buffer_encode(
            0, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
            text.size(), reinterpret_cast<uint8_t*>(out.data()), &used, out.size()) == LZMA_OK,
        "lzma_easy_buffer_encode");
  out.resize(used);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const Compression type = kTypes[(control & 0x7) % 5];
  // Bits 3-6: one write, or pieces of 1, 2, 3, 7, 64, 4096 ... bytes.
  static constexpr size_t kPieces[] = {0, 1, 2, 3, 7, 16, 64, 512, 4096, 65536, 0, 0, 0, 0, 5, 11};
  const size_t piece = kPieces[(control >> 3) & 0xf];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  if (control & 0x80) {  // round trip of text compressed here
    if (type == Compression::kUncompressed) return 0;
    const std::string compressed =
        type == Compression::kLzma ? CompressXz(rest) : CompressZlibFamily(type, rest);
    const Outcome outcome = Decompress(type, compressed, piece);
    Check(outcome.status.ok(), "a stream compressed here was refused");
    Check(outcome.output == rest, "a stream compressed here decompressed to other bytes");
    return 0;
  }

  const Outcome whole = Decompress(type, rest, 0);
  if (type == Compression::kUncompressed) {
    Check(whole.status.ok() == (rest.size() <= kMaxOutputBytes), "UNCOMPRESSED refused");
    if (whole.status.ok()) Check(whole.output == rest, "UNCOMPRESSED changed the bytes");
  }
  if (piece != 0) {
    const Outcome pieces = Decompress(type, rest, piece);
    Check(pieces.status.code() == whole.status.code(),
          "the outcome depends on how the input is split into writes");
    if (whole.status.ok()) {
      Check(pieces.output == whole.output, "the output depends on how the input is split");
    }
  }
  return 0;
}
