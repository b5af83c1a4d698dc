#include "codec/decompressor.h"

#include <algorithm>

#include "codec/decompressor_base.h"
#include "codec/inflate_decompressor.h"
#include "codec/lzma_decompressor.h"

namespace sluice::codec {
namespace {

// UNCOMPRESSED: the bytes pass through, in bounded chunks and still under the cap.
class PassThrough final : public internal::DecompressorBase {
 public:
  using DecompressorBase::DecompressorBase;

 private:
  base::Status DoWrite(std::string_view input) override {
    uint64_t consumed = write_offset();
    while (!input.empty()) {
      const size_t chunk = std::min(input.size(), kMaxOutputChunkBytes);
      consumed += chunk;
      SLUICE_RETURN_IF_ERROR(output().Emit(input.substr(0, chunk), consumed));
      input.remove_prefix(chunk);
    }
    return base::Status::Ok();
  }
  base::Status DoFinish() override { return base::Status::Ok(); }
};

}  // namespace

std::unique_ptr<Decompressor> MakeDecompressor(Compression compression, uint64_t max_output_bytes,
                                               ByteSink sink) {
  switch (compression) {
    case Compression::kZlib:
    case Compression::kGzip:
    case Compression::kDeflate:
      return internal::MakeInflateDecompressor(compression, max_output_bytes, std::move(sink));
    case Compression::kLzma:
      return internal::MakeLzmaDecompressor(max_output_bytes, std::move(sink));
    case Compression::kUncompressed:
      break;
  }
  return std::make_unique<PassThrough>(max_output_bytes, std::move(sink));
}

base::Result<uint64_t> DecompressSniffed(const ReadFn& read, uint64_t max_output_bytes,
                                         ByteSink sink) {
  std::string buffer(Decompressor::kMaxOutputChunkBytes, '\0');
  SLUICE_ASSIGN_OR_RETURN(size_t n, read(buffer.data(), buffer.size()));
  if (n == 0) return uint64_t{0};
  auto decompressor = MakeDecompressor(SniffCompression(std::string_view(buffer.data(), n)),
                                       max_output_bytes, std::move(sink));
  while (n > 0) {
    SLUICE_RETURN_IF_ERROR(decompressor->Write(std::string_view(buffer.data(), n)));
    SLUICE_ASSIGN_OR_RETURN(n, read(buffer.data(), buffer.size()));
  }
  SLUICE_RETURN_IF_ERROR(decompressor->Finish());
  return decompressor->bytes_in();
}

}  // namespace sluice::codec
