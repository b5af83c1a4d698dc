#include "codec/lzma_decompressor.h"

#include <string>
#include <vector>

#include <lzma.h>

#include "codec/decompressor_base.h"

namespace sluice::codec::internal {
namespace {

// Every xz stream starts with 0xFD '7zXZ' 0x00; a legacy .lzma stream never does.
constexpr unsigned char kXzMagic = 0xfd;

std::string ToMiB(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20); }

// Concatenated xz streams are handled here rather than with LZMA_CONCATENATED:
// liblzma then reports anything after the last stream as generic corruption, while
// restarting the decoder ourselves tells exactly where the data ended and how many
// bytes followed it.
class LzmaDecompressor final : public DecompressorBase {
 public:
  LzmaDecompressor(uint64_t max_output_bytes, ByteSink sink)
      : DecompressorBase(max_output_bytes, std::move(sink)),
        tail_(std::nullopt),
        buffer_(MakeOutputBuffer()) {}
  ~LzmaDecompressor() override { lzma_end(&stream_); }
  LzmaDecompressor(const LzmaDecompressor&) = delete;
  LzmaDecompressor& operator=(const LzmaDecompressor&) = delete;

 private:
  base::Status DoWrite(std::string_view input) override;
  base::Status DoFinish() override;
  base::Status StartStream(uint64_t offset);
  // Decodes from input until it is used up or the stream ends; returns bytes consumed.
  base::Result<size_t> Decode(std::string_view input, uint64_t offset, lzma_action action);
  base::Status LzmaError(lzma_ret code, uint64_t offset) const;

  lzma_stream stream_ = LZMA_STREAM_INIT;
  enum class Phase { kBeforeStream, kInStream, kAfterStream } phase_ = Phase::kBeforeStream;
  StreamTail tail_;
  std::vector<char> buffer_;
};

base::Status LzmaDecompressor::StartStream(uint64_t offset) {
  const lzma_ret code = lzma_auto_decoder(&stream_, kLzmaMemoryLimitBytes, 0);
  if (code != LZMA_OK) return LzmaError(code, offset);
  phase_ = Phase::kInStream;
  return base::Status::Ok();
}

base::Status LzmaDecompressor::DoWrite(std::string_view input) {
  uint64_t offset = write_offset();
  while (!input.empty()) {
    size_t consumed = 0;
    if (phase_ == Phase::kBeforeStream) {
      // Only xz allows padding and further streams after the first one.
      if (static_cast<unsigned char>(input.front()) == kXzMagic) tail_ = StreamTail(kXzMagic);
      SLUICE_RETURN_IF_ERROR(StartStream(offset));
    } else if (phase_ == Phase::kInStream) {
      SLUICE_ASSIGN_OR_RETURN(consumed, Decode(input, offset, LZMA_RUN));
    } else {
      consumed = tail_.Consume(input);
      if (consumed < input.size()) SLUICE_RETURN_IF_ERROR(StartStream(offset + consumed));
    }
    input.remove_prefix(consumed);
    offset += consumed;
  }
  return base::Status::Ok();
}

base::Result<size_t> LzmaDecompressor::Decode(std::string_view input, uint64_t offset,
                                              lzma_action action) {
  stream_.next_in = reinterpret_cast<const uint8_t*>(input.data());
  stream_.avail_in = input.size();
  for (;;) {
    const size_t room = output().NextOutputRoom(buffer_.size());
    stream_.next_out = reinterpret_cast<uint8_t*>(buffer_.data());
    stream_.avail_out = room;
    const lzma_ret code = lzma_code(&stream_, action);
    const size_t consumed = input.size() - stream_.avail_in;
    if (code != LZMA_OK && code != LZMA_STREAM_END && code != LZMA_BUF_ERROR) {
      return LzmaError(code, offset + consumed);
    }
    SLUICE_RETURN_IF_ERROR(
        output().Emit({buffer_.data(), room - stream_.avail_out}, offset + consumed));
    if (code == LZMA_STREAM_END) {
      phase_ = Phase::kAfterStream;
      tail_.StartAt(offset + consumed);
      return consumed;
    }
    // A buffer left partly empty means the decoder has no more output for this input.
    const bool output_drained = stream_.avail_out != 0;
    if (code == LZMA_BUF_ERROR || (output_drained && stream_.avail_in == 0)) return consumed;
  }
}

base::Status LzmaDecompressor::DoFinish() {
  if (bytes_in() == 0) {
    return base::DataLoss("empty input: expected an LZMA (xz or .lzma) stream");
  }
  if (phase_ == Phase::kInStream) {
    // LZMA_FINISH lets a decoder that waits for more input flush what it has.
    auto flushed = Decode({}, bytes_in(), LZMA_FINISH);
    if (!flushed.ok() && flushed.status().code() != base::StatusCode::kDataLoss) {
      return flushed.status();
    }
    if (phase_ == Phase::kInStream || !flushed.ok()) {
      return base::DataLoss("LZMA stream truncated at byte " + std::to_string(bytes_in()) +
                            ": the input ended before the end of the compressed data");
    }
  }
  return tail_.CheckClean("LZMA", bytes_in());
}

base::Status LzmaDecompressor::LzmaError(lzma_ret code, uint64_t offset) const {
  const std::string at = " at byte " + std::to_string(offset);
  switch (code) {
    case LZMA_FORMAT_ERROR:
      return base::DataLoss("LZMA data corrupt" + at + ": not an xz or .lzma stream");
    case LZMA_OPTIONS_ERROR:
      return base::DataLoss("LZMA data" + at + " uses unsupported compression options");
    case LZMA_DATA_ERROR:
      return base::DataLoss("LZMA data corrupt" + at + ": invalid compressed data");
    case LZMA_MEMLIMIT_ERROR:
      return base::ResourceExhausted("LZMA stream" + at + " needs " +
                                     ToMiB(lzma_memusage(&stream_)) +
                                     " MiB of memory to decompress, more than the limit of " +
                                     ToMiB(kLzmaMemoryLimitBytes) + " MiB");
    case LZMA_MEM_ERROR:
      return base::ResourceExhausted("out of memory while decompressing LZMA data" + at);
    default:
      return base::Internal("liblzma failed with code " + std::to_string(code) + at);
  }
}

}  // namespace

std::unique_ptr<Decompressor> MakeLzmaDecompressor(uint64_t max_output_bytes, ByteSink sink) {
  return std::make_unique<LzmaDecompressor>(max_output_bytes, std::move(sink));
}

}  // namespace sluice::codec::internal
