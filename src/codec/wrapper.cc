#include "codec/wrapper.h"

#include <string>

#include <zlib.h>

#include "codec/decompressor_base.h"

namespace sluice::codec::internal {
namespace {

constexpr unsigned char kDeflateMethod = 8;
constexpr size_t kZlibFixedBytes = 2;
constexpr size_t kGzipFixedBytes = 10;
constexpr uint32_t kZlibDictIdBytes = 4;
constexpr size_t kZlibTrailerBytes = 4;
constexpr size_t kGzipTrailerBytes = 8;

// gzip FLG bits (RFC 1952 section 2.3.1).
constexpr unsigned kFlagHeaderCrc = 0x02;
constexpr unsigned kFlagExtra = 0x04;
constexpr unsigned kFlagName = 0x08;
constexpr unsigned kFlagComment = 0x10;
constexpr unsigned kFlagsReserved = 0xe0;

}  // namespace

WrapperHeaderReader::WrapperHeaderReader(Compression compression) : compression_(compression) {
  Reset();
}

void WrapperHeaderReader::Reset() {
  step_ = compression_ == Compression::kDeflate ? Step::kDone : Step::kFixed;
  flags_ = 0;
  count_ = 0;
  value_ = 0;
  remaining_ = 0;
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
}

base::Result<size_t> WrapperHeaderReader::Consume(std::string_view input, uint64_t offset) {
  size_t taken = 0;
  while (taken < input.size() && !done()) {
    const auto byte = static_cast<unsigned char>(input[taken]);
    ++taken;
    SLUICE_RETURN_IF_ERROR(Take(byte, offset + taken));
  }
  return taken;
}

base::Status WrapperHeaderReader::Take(unsigned char byte, uint64_t end) {
  // FHCRC covers every header byte before the CRC itself.
  if (step_ != Step::kHeaderCrc) crc_ = static_cast<uint32_t>(crc32(crc_, &byte, 1));
  switch (step_) {
    case Step::kFixed:
      fixed_[count_++] = byte;
      return CheckFixedPart(end);
    case Step::kExtraLength:
      value_ |= uint32_t{byte} << (8 * count_++);
      if (count_ == 2) {
        remaining_ = value_;
        step_ = Step::kExtra;
        if (remaining_ == 0) AdvanceFrom(Step::kName);
      }
      return base::Status::Ok();
    case Step::kExtra:
      if (--remaining_ == 0) AdvanceFrom(Step::kName);
      return base::Status::Ok();
    case Step::kName:
      if (byte == 0) AdvanceFrom(Step::kComment);
      return base::Status::Ok();
    case Step::kComment:
      if (byte == 0) AdvanceFrom(Step::kHeaderCrc);
      return base::Status::Ok();
    case Step::kHeaderCrc:
      value_ |= uint32_t{byte} << (8 * count_++);
      if (count_ < 2) return base::Status::Ok();
      if (value_ != (crc_ & 0xffff)) return Corrupt(end, "header crc mismatch");
      step_ = Step::kDone;
      return base::Status::Ok();
    case Step::kDictId:
      if (++count_ < kZlibDictIdBytes) return base::Status::Ok();
      return base::DataLoss(std::string(CompressionName(compression_)) + " data at byte " +
                            std::to_string(end) +
                            " needs a preset dictionary, which is not supported");
    case Step::kDone:
      break;
  }
  return base::Status::Ok();
}

// Checks in zlib's order, each as soon as the bytes it needs have arrived.
base::Status WrapperHeaderReader::CheckFixedPart(uint64_t end) {
  if (compression_ == Compression::kZlib) {
    if (count_ < kZlibFixedBytes) return base::Status::Ok();
    const unsigned cmf = fixed_[0];
    const unsigned flg = fixed_[1];
    if ((cmf * 256 + flg) % 31 != 0) return Corrupt(end, "incorrect header check");
    if ((cmf & 0x0f) != kDeflateMethod) return Corrupt(end, "unknown compression method");
    if ((cmf >> 4) + 8 > 15) return Corrupt(end, "invalid window size");
    count_ = 0;
    step_ = (flg & 0x20) != 0 ? Step::kDictId : Step::kDone;
    return base::Status::Ok();
  }
  if (count_ == 2 && (fixed_[0] != 0x1f || fixed_[1] != 0x8b)) {
    return Corrupt(end, "incorrect header check");
  }
  if (count_ == 4) {
    if (fixed_[2] != kDeflateMethod) return Corrupt(end, "unknown compression method");
    if ((fixed_[3] & kFlagsReserved) != 0) return Corrupt(end, "unknown header flags set");
    flags_ = fixed_[3];
  }
  if (count_ == kGzipFixedBytes) AdvanceFrom(Step::kExtraLength);
  return base::Status::Ok();
}

void WrapperHeaderReader::AdvanceFrom(Step from) {
  count_ = 0;
  value_ = 0;
  // The optional fields, in the order RFC 1952 puts them.
  if (from == Step::kExtraLength && (flags_ & kFlagExtra) != 0) {
    step_ = Step::kExtraLength;
  } else if (from <= Step::kName && (flags_ & kFlagName) != 0) {
    step_ = Step::kName;
  } else if (from <= Step::kComment && (flags_ & kFlagComment) != 0) {
    step_ = Step::kComment;
  } else if (from <= Step::kHeaderCrc && (flags_ & kFlagHeaderCrc) != 0) {
    step_ = Step::kHeaderCrc;
  } else {
    step_ = Step::kDone;
  }
}

base::Status WrapperHeaderReader::Corrupt(uint64_t end, std::string_view reason) const {
  return CorruptDataAt(CompressionName(compression_), end, reason);
}

WrapperTrailerReader::WrapperTrailerReader(Compression compression)
    : compression_(compression),
      expected_size_(compression == Compression::kZlib   ? kZlibTrailerBytes
                     : compression == Compression::kGzip ? kGzipTrailerBytes
                                                         : 0) {}

void WrapperTrailerReader::Reset(uint32_t checksum, uint32_t length) {
  size_ = 0;
  checksum_ = checksum;
  length_ = length;
}

base::Result<size_t> WrapperTrailerReader::Consume(std::string_view input, uint64_t offset) {
  size_t taken = 0;
  while (taken < input.size() && !done()) {
    bytes_[size_++] = static_cast<unsigned char>(input[taken++]);
    // zlib checks each 4-byte field as soon as it is in.
    if (size_ % 4 == 0) SLUICE_RETURN_IF_ERROR(Check(offset + taken));
  }
  return taken;
}

uint32_t WrapperTrailerReader::Word(size_t at, bool big_endian) const {
  uint32_t word = 0;
  for (size_t i = 0; i < 4; ++i) {
    const size_t shift = 8 * (big_endian ? 3 - i : i);
    word |= uint32_t{bytes_[at + i]} << shift;
  }
  return word;
}

base::Status WrapperTrailerReader::Check(uint64_t end) const {
  const std::string_view name = CompressionName(compression_);
  if (compression_ == Compression::kZlib) {
    if (Word(0, true) != checksum_) return CorruptDataAt(name, end, "incorrect data check");
  } else if (size_ == 4) {
    if (Word(0, false) != checksum_) return CorruptDataAt(name, end, "incorrect data check");
  } else if (Word(4, false) != length_) {
    return CorruptDataAt(name, end, "incorrect length check");
  }
  return base::Status::Ok();
}

}  // namespace sluice::codec::internal
