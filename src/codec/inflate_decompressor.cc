#include "codec/inflate_decompressor.h"

#include <algorithm>
#include <string>
#include <vector>

#include <climits>
#include <zlib.h>

#include "codec/decompressor_base.h"

namespace sluice::codec::internal {
namespace {

constexpr unsigned char kGzipMagic = 0x1f;

int WindowBitsFor(Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return 15 + 16;  // gzip header and trailer only
    case Compression::kDeflate:
      return -15;  // raw deflate, no header
    default:
      return 15;  // zlib header and trailer
  }
}

class InflateDecompressor final : public DecompressorBase {
 public:
  InflateDecompressor(Compression compression, uint64_t max_output_bytes, ByteSink sink)
      : DecompressorBase(max_output_bytes, std::move(sink)),
        compression_(compression),
        tail_(compression == Compression::kGzip ? std::optional<unsigned char>(kGzipMagic)
                                                : std::nullopt),
        buffer_(MakeOutputBuffer()) {
    init_result_ = inflateInit2(&stream_, WindowBitsFor(compression));
  }
  ~InflateDecompressor() override {
    if (init_result_ == Z_OK) inflateEnd(&stream_);
  }
  InflateDecompressor(const InflateDecompressor&) = delete;
  InflateDecompressor& operator=(const InflateDecompressor&) = delete;

 private:
  base::Status DoWrite(std::string_view input) override;
  base::Status DoFinish() override;
  // Inflates from input until it is used up or the member ends; returns bytes consumed.
  base::Result<size_t> InflateMember(std::string_view input, uint64_t offset);
  base::Status ZlibError(int code, uint64_t offset) const;
  std::string_view name() const { return CompressionName(compression_); }

  Compression compression_;
  z_stream stream_{};
  int init_result_ = Z_OK;
  bool in_member_ = true;
  StreamTail tail_;
  std::vector<char> buffer_;
};

base::Status InflateDecompressor::DoWrite(std::string_view input) {
  if (init_result_ != Z_OK) return ZlibError(init_result_, write_offset());
  uint64_t offset = write_offset();
  while (!input.empty()) {
    size_t consumed = 0;
    if (in_member_) {
      SLUICE_ASSIGN_OR_RETURN(consumed, InflateMember(input, offset));
    } else {
      consumed = tail_.Consume(input);
      if (consumed < input.size()) {
        // A new gzip member starts here.
        inflateReset(&stream_);
        in_member_ = true;
      }
    }
    input.remove_prefix(consumed);
    offset += consumed;
  }
  return base::Status::Ok();
}

base::Result<size_t> InflateDecompressor::InflateMember(std::string_view input, uint64_t offset) {
  const size_t fed = std::min<size_t>(input.size(), UINT_MAX);
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream_.avail_in = static_cast<uInt>(fed);
  for (;;) {
    const size_t room = output().NextOutputRoom(buffer_.size());
    stream_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
    stream_.avail_out = static_cast<uInt>(room);
    const int code = inflate(&stream_, Z_NO_FLUSH);
    const size_t consumed = fed - stream_.avail_in;
    if (code != Z_OK && code != Z_STREAM_END && code != Z_BUF_ERROR) {
      return ZlibError(code, offset + consumed);
    }
    SLUICE_RETURN_IF_ERROR(
        output().Emit({buffer_.data(), room - stream_.avail_out}, offset + consumed));
    if (code == Z_STREAM_END) {
      in_member_ = false;
      tail_.StartAt(offset + consumed);
      return consumed;
    }
    // A buffer left partly empty means inflate has no more output for this input.
    const bool output_drained = stream_.avail_out != 0;
    if (code == Z_BUF_ERROR || (output_drained && stream_.avail_in == 0)) return consumed;
  }
}

base::Status InflateDecompressor::DoFinish() {
  if (bytes_in() == 0) {
    return base::DataLoss("empty input: expected a " + std::string(name()) + " stream");
  }
  if (in_member_) {
    return base::DataLoss(std::string(name()) + " stream truncated at byte " +
                          std::to_string(bytes_in()) +
                          ": the input ended before the end of the compressed data");
  }
  return tail_.CheckClean(name(), bytes_in());
}

base::Status InflateDecompressor::ZlibError(int code, uint64_t offset) const {
  switch (code) {
    case Z_DATA_ERROR:
      return base::DataLoss(std::string(name()) + " data corrupt at byte " +
                            std::to_string(offset) + ": " +
                            (stream_.msg != nullptr ? stream_.msg : "invalid data"));
    case Z_NEED_DICT:
      return base::DataLoss(std::string(name()) + " data at byte " + std::to_string(offset) +
                            " needs a preset dictionary, which is not supported");
    case Z_MEM_ERROR:
      return base::ResourceExhausted("out of memory while decompressing " + std::string(name()) +
                                     " data");
    default:
      return base::Internal("zlib inflate failed with code " + std::to_string(code) + " at byte " +
                            std::to_string(offset));
  }
}

}  // namespace

std::unique_ptr<Decompressor> MakeInflateDecompressor(Compression compression,
                                                      uint64_t max_output_bytes, ByteSink sink) {
  return std::make_unique<InflateDecompressor>(compression, max_output_bytes, std::move(sink));
}

}  // namespace sluice::codec::internal
