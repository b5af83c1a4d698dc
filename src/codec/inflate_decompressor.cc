#include "codec/inflate_decompressor.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <climits>
#include <zlib.h>

#include "codec/decompressor_base.h"
#include "codec/wrapper.h"

#include <isa-l/igzip_lib.h>

namespace sluice::codec::internal {
namespace {

constexpr unsigned char kGzipMagic = 0x1f;

// ISA-L decodes only the deflate data, computing the checksum the trailer must match
// (Adler-32 for ZLIB, CRC-32 for GZIP); the wrapper readers take the header and trailer.
uint32_t IsalCrcFlag(Compression compression) {
  switch (compression) {
    case Compression::kZlib:
      return ISAL_ZLIB_NO_HDR;
    case Compression::kGzip:
      return ISAL_GZIP_NO_HDR;
    default:
      return ISAL_DEFLATE;
  }
}

// What ISA-L's error codes for deflate data mean, in zlib's words where they map to one.
std::string_view IsalReason(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
      return "invalid block header";
    case ISAL_INVALID_SYMBOL:
      return "invalid literal/length or distance code";
    case ISAL_INVALID_LOOKBACK:
      return "invalid distance too far back";
    default:
      return "invalid data";
  }
}

struct ZlibDiagnosis {
  size_t offset;
  std::string reason;
};

// ISA-L tells only the kind of fault it met in deflate data (one code stands for a
// dozen zlib messages). Replays `body` through zlib to name the fault and its offset
// as zlib would, decoding at most max_output bytes (about what ISA-L produced before
// failing) into scratch. Returns nothing if zlib finds no fault there.
std::optional<ZlibDiagnosis> DiagnoseWithZlib(std::string_view body, uint64_t max_output,
                                              std::vector<char>& scratch) {
  z_stream stream{};
  if (inflateInit2(&stream, -15) != Z_OK) return std::nullopt;
  const size_t fed = std::min<size_t>(body.size(), UINT_MAX);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(fed);
  std::optional<ZlibDiagnosis> diagnosis;
  int code = Z_OK;
  while (code == Z_OK && stream.total_out <= max_output) {
    stream.next_out = reinterpret_cast<Bytef*>(scratch.data());
    stream.avail_out = static_cast<uInt>(scratch.size());
    code = inflate(&stream, Z_NO_FLUSH);
    if (code == Z_DATA_ERROR) {
      diagnosis =
          ZlibDiagnosis{fed - stream.avail_in, stream.msg != nullptr ? stream.msg : "invalid data"};
    }
  }
  inflateEnd(&stream);
  return diagnosis;
}

class InflateDecompressor final : public DecompressorBase {
 public:
  InflateDecompressor(Compression compression, uint64_t max_output_bytes, ByteSink sink)
      : DecompressorBase(max_output_bytes, std::move(sink)),
        compression_(compression),
        header_(compression),
        trailer_(compression),
        state_(std::make_unique<inflate_state>()),
        tail_(compression == Compression::kGzip ? std::optional<unsigned char>(kGzipMagic)
                                                : std::nullopt),
        buffer_(MakeOutputBuffer()) {
    StartMember(0);
  }
  InflateDecompressor(const InflateDecompressor&) = delete;
  InflateDecompressor& operator=(const InflateDecompressor&) = delete;

 private:
  base::Status DoWrite(std::string_view input) override;
  base::Status DoFinish() override;
  // Takes what the current phase of the current member can from input; returns how many
  // bytes that was.
  base::Result<size_t> Advance(std::string_view input, uint64_t offset);
  void StartMember(uint64_t offset);
  void EndMember(uint64_t end);
  // Inflates from input until it is used up or the deflate data ends; returns bytes
  // consumed.
  base::Result<size_t> InflateBody(std::string_view input, uint64_t offset);
  void EndBody(uint64_t end);
  // Input bytes ISA-L has taken but not decoded: it loads input eight bytes at a time
  // into a bit buffer, so when the deflate data ends, up to eight of the bytes it took
  // (the trailer, what follows) lie after it. It reads ahead only within the input of
  // the current call, whose `consumed` bytes bound the answer.
  size_t Unread(size_t consumed) const;
  base::Status IsalError(int code, std::string_view input, uint64_t offset, size_t position,
                         uint64_t produced);
  std::string_view name() const { return CompressionName(compression_); }

  Compression compression_;
  enum class Phase { kHeader, kBody, kTrailer, kAfterMember } phase_ = Phase::kHeader;
  WrapperHeaderReader header_;
  WrapperTrailerReader trailer_;
  // About 100 KiB (Huffman tables and a 64 KiB history), so it lives on the heap.
  std::unique_ptr<inflate_state> state_;
  uint64_t body_start_ = 0;  // offset of the current member's deflate data
  StreamTail tail_;
  std::vector<char> buffer_;
};

void InflateDecompressor::StartMember(uint64_t offset) {
  isal_inflate_init(state_.get());
  state_->crc_flag = IsalCrcFlag(compression_);
  header_.Reset();
  phase_ = Phase::kHeader;
  body_start_ = offset;  // DEFLATE has no header
  if (header_.done()) phase_ = Phase::kBody;
}

void InflateDecompressor::EndBody(uint64_t end) {
  trailer_.Reset(state_->crc, state_->total_out);  // total_out counts modulo 2^32, as ISIZE
  phase_ = Phase::kTrailer;
  if (trailer_.done()) EndMember(end);
}

void InflateDecompressor::EndMember(uint64_t end) {
  phase_ = Phase::kAfterMember;
  tail_.StartAt(end);
}

base::Status InflateDecompressor::DoWrite(std::string_view input) {
  uint64_t offset = write_offset();
  while (!input.empty()) {
    SLUICE_ASSIGN_OR_RETURN(const size_t consumed, Advance(input, offset));
    input.remove_prefix(consumed);
    offset += consumed;
  }
  return base::Status::Ok();
}

base::Result<size_t> InflateDecompressor::Advance(std::string_view input, uint64_t offset) {
  switch (phase_) {
    case Phase::kHeader: {
      SLUICE_ASSIGN_OR_RETURN(const size_t taken, header_.Consume(input, offset));
      if (header_.done()) {
        body_start_ = offset + taken;
        phase_ = Phase::kBody;
      }
      return taken;
    }
    case Phase::kBody:
      return InflateBody(input, offset);
    case Phase::kTrailer: {
      SLUICE_ASSIGN_OR_RETURN(const size_t taken, trailer_.Consume(input, offset));
      if (trailer_.done()) EndMember(offset + taken);
      return taken;
    }
    case Phase::kAfterMember:
      break;
  }
  const size_t taken = tail_.Consume(input);
  if (taken < input.size()) StartMember(offset + taken);  // a new gzip member starts here
  return taken;
}

base::Result<size_t> InflateDecompressor::InflateBody(std::string_view input, uint64_t offset) {
  const size_t fed = std::min<size_t>(input.size(), UINT32_MAX);
  state_->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data()));
  state_->avail_in = static_cast<uint32_t>(fed);
  uint64_t produced = 0;
  size_t consumed = 0;
  for (;;) {
    const size_t room = output().NextOutputRoom(buffer_.size());
    state_->next_out = reinterpret_cast<uint8_t*>(buffer_.data());
    state_->avail_out = static_cast<uint32_t>(room);
    const int code = isal_inflate(state_.get());
    const size_t consumed_before = consumed;
    consumed = fed - state_->avail_in;
    const size_t chunk = room - state_->avail_out;
    produced += chunk;
    if (code != ISAL_DECOMP_OK) {
      return IsalError(code, input, offset, consumed - Unread(consumed), produced);
    }
    SLUICE_RETURN_IF_ERROR(output().Emit({buffer_.data(), chunk}, offset + consumed));
    if (state_->block_state == ISAL_BLOCK_FINISH) {
      const size_t end = consumed - Unread(consumed);
      EndBody(offset + end);
      return end;
    }
    // A buffer left partly empty means ISA-L has no more output for this input.
    if (state_->avail_out != 0) {
      if (state_->avail_in == 0) return consumed;
      // ISA-L stops only when input runs out, output is full or the member ends; should
      // it ever stop otherwise, fail rather than spin.
      if (consumed == consumed_before && chunk == 0) {
        return CorruptDataAt(name(), offset + consumed, "the decoder made no progress");
      }
    }
  }
}

size_t InflateDecompressor::Unread(size_t consumed) const {
  return std::min<size_t>(consumed, static_cast<size_t>(std::max(state_->read_in_length, 0)) / 8);
}

base::Status InflateDecompressor::IsalError(int code, std::string_view input, uint64_t offset,
                                            size_t position, uint64_t produced) {
  switch (code) {
    case ISAL_INVALID_BLOCK:
    case ISAL_INVALID_SYMBOL:
    case ISAL_INVALID_LOOKBACK:
      // When the deflate data began in this very input, all of it is at hand for zlib.
      if (offset == body_start_) {
        if (auto diagnosis = DiagnoseWithZlib(input, produced + buffer_.size(), buffer_)) {
          return CorruptDataAt(name(), offset + diagnosis->offset, diagnosis->reason);
        }
      }
      return CorruptDataAt(name(), offset + position, IsalReason(code));
    default:
      return base::Internal("ISA-L inflate failed with code " + std::to_string(code) + " at byte " +
                            std::to_string(offset + position));
  }
}

base::Status InflateDecompressor::DoFinish() {
  if (bytes_in() == 0) {
    return base::DataLoss("empty input: expected a " + std::string(name()) + " stream");
  }
  if (phase_ != Phase::kAfterMember) {
    return base::DataLoss(std::string(name()) + " stream truncated at byte " +
                          std::to_string(bytes_in()) +
                          ": the input ended before the end of the compressed data");
  }
  return tail_.CheckClean(name(), bytes_in());
}

}  // namespace

std::unique_ptr<Decompressor> MakeInflateDecompressor(Compression compression,
                                                      uint64_t max_output_bytes, ByteSink sink) {
  return std::make_unique<InflateDecompressor>(compression, max_output_bytes, std::move(sink));
}

}  // namespace sluice::codec::internal
