// Internal building blocks shared by the decompressors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "codec/decompressor.h"

namespace sluice::codec::internal {

// Forwards output to the caller's sink while enforcing the output cap.
class CappedSink {
 public:
  CappedSink(uint64_t max_output_bytes, ByteSink sink)
      : max_output_bytes_(max_output_bytes), sink_(std::move(sink)) {}

  // How many bytes the next decoding step may produce into a buffer of buffer_size:
  // one byte more than the room left, so that crossing the cap is noticed without
  // decoding much past it.
  size_t NextOutputRoom(size_t buffer_size) const;
  // Fails with ResourceExhausted, without calling the sink, if chunk would exceed the cap
  // or the expansion ratio; input_consumed is the compressed bytes decoded so far.
  base::Status Emit(std::string_view chunk, uint64_t input_consumed);
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  uint64_t max_output_bytes_;
  ByteSink sink_;
  uint64_t bytes_out_ = 0;
};

// Makes failures sticky, counts input and refuses use after Finish; subclasses only
// decode.
class DecompressorBase : public Decompressor {
 public:
  DecompressorBase(uint64_t max_output_bytes, ByteSink sink)
      : output_(max_output_bytes, std::move(sink)) {}

  base::Status Write(std::string_view input) final;
  base::Status Finish() final;
  uint64_t bytes_in() const final { return bytes_in_; }
  uint64_t bytes_out() const final { return output_.bytes_out(); }

 protected:
  // Must consume all of input (decode it, or account for it as trailing bytes).
  virtual base::Status DoWrite(std::string_view input) = 0;
  virtual base::Status DoFinish() = 0;

  CappedSink& output() { return output_; }
  // The offset in the compressed input of the first byte passed to the current DoWrite
  // (equal to bytes_in() during DoFinish), for error messages.
  uint64_t write_offset() const { return write_offset_; }

 private:
  CappedSink output_;
  base::Status failure_;
  bool finished_ = false;
  uint64_t bytes_in_ = 0;
  uint64_t write_offset_ = 0;
};

// Accounts for the bytes after the end of a compressed stream: the start of another
// member (for formats whose members may be concatenated), zero padding, or garbage.
class StreamTail {
 public:
  // member_magic: the first byte of a new member, if the format allows several.
  explicit StreamTail(std::optional<unsigned char> member_magic) : member_magic_(member_magic) {}

  // Called when a member ended at stream_end (offset of the byte after it).
  void StartAt(uint64_t stream_end);
  // Consumes padding and garbage from input; returns how many bytes were consumed. If
  // that is less than input.size(), the next byte starts a new member.
  size_t Consume(std::string_view input);
  // Fails with DataLoss if anything but zero padding followed the stream.
  base::Status CheckClean(std::string_view format, uint64_t bytes_in) const;

 private:
  std::optional<unsigned char> member_magic_;
  uint64_t stream_end_ = 0;
  bool saw_garbage_ = false;
};

// "<format> data corrupt at byte <offset>: <reason>": the DataLoss for bytes a decoder
// cannot decode.
base::Status CorruptDataAt(std::string_view format, uint64_t offset, std::string_view reason);

// Buffer for one chunk of decompressed output.
inline std::vector<char> MakeOutputBuffer() {
  return std::vector<char>(Decompressor::kMaxOutputChunkBytes);
}

}  // namespace sluice::codec::internal
