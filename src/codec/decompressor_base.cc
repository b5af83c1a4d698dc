#include "codec/decompressor_base.h"

#include <algorithm>
#include <string>

namespace sluice::codec::internal {

size_t CappedSink::NextOutputRoom(size_t buffer_size) const {
  const uint64_t room_left = max_output_bytes_ - bytes_out_;
  if (room_left >= buffer_size) return buffer_size;
  return static_cast<size_t>(room_left) + 1;
}

base::Status CappedSink::Emit(std::string_view chunk, uint64_t input_consumed) {
  if (chunk.empty()) return base::Status::Ok();
  if (chunk.size() > max_output_bytes_ - bytes_out_) {
    return base::ResourceExhausted("decompressed size exceeds the limit of " +
                                   std::to_string(max_output_bytes_) +
                                   " bytes (decompression bomb?)");
  }
  const uint64_t out = bytes_out_ + chunk.size();
  if (out > kRatioGraceBytes && out / kMaxExpansionRatio > input_consumed) {
    return base::ResourceExhausted(
        "decompressed size reached " + std::to_string(out) + " bytes from only " +
        std::to_string(input_consumed) + " compressed bytes, more than " +
        std::to_string(kMaxExpansionRatio) + " times larger (decompression bomb?)");
  }
  SLUICE_RETURN_IF_ERROR(sink_(chunk));
  bytes_out_ += chunk.size();
  return base::Status::Ok();
}

base::Status DecompressorBase::Write(std::string_view input) {
  if (!failure_.ok()) return failure_;
  if (finished_) return base::FailedPrecondition("decompressor: Write after Finish");
  write_offset_ = bytes_in_;
  bytes_in_ += input.size();
  failure_ = DoWrite(input);
  return failure_;
}

base::Status DecompressorBase::Finish() {
  if (!failure_.ok()) return failure_;
  if (finished_) return base::FailedPrecondition("decompressor: Finish called twice");
  finished_ = true;
  write_offset_ = bytes_in_;
  failure_ = DoFinish();
  return failure_;
}

void StreamTail::StartAt(uint64_t stream_end) {
  stream_end_ = stream_end;
  saw_garbage_ = false;
}

size_t StreamTail::Consume(std::string_view input) {
  if (saw_garbage_) return input.size();
  for (size_t i = 0; i < input.size(); ++i) {
    const auto byte = static_cast<unsigned char>(input[i]);
    if (member_magic_.has_value() && byte == *member_magic_) return i;
    // Only formats with several members know padding between or after them.
    if (byte == 0 && member_magic_.has_value()) continue;
    saw_garbage_ = true;
    return input.size();
  }
  return input.size();
}

base::Status StreamTail::CheckClean(std::string_view format, uint64_t bytes_in) const {
  if (!saw_garbage_) return base::Status::Ok();
  return base::DataLoss("unexpected " + std::to_string(bytes_in - stream_end_) +
                        " bytes after the end of the " + std::string(format) +
                        " stream (it ended at byte " + std::to_string(stream_end_) + ")");
}

base::Status CorruptDataAt(std::string_view format, uint64_t offset, std::string_view reason) {
  return base::DataLoss(std::string(format) + " data corrupt at byte " + std::to_string(offset) +
                        ": " + std::string(reason));
}

}  // namespace sluice::codec::internal
