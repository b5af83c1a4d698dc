// The header and trailer that ZLIB (RFC 1950) and GZIP (RFC 1952) wrap around deflate
// data, read here rather than by the inflater so that a bad one is refused in zlib's
// words at the byte where zlib would stop.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "codec/compression.h"

namespace sluice::codec::internal {

// Reads one header across any number of writes, in constant memory (a gzip name,
// comment or extra field is skipped, not kept).
class WrapperHeaderReader {
 public:
  // compression: kZlib or kGzip; kDeflate has no header, so the reader starts done.
  explicit WrapperHeaderReader(Compression compression);

  // Prepares for the header of the next gzip member.
  void Reset();
  bool done() const { return step_ == Step::kDone; }
  // Takes header bytes from the front of input and returns how many it took (all of
  // input unless the header ended inside it). offset: the position of input[0] in the
  // compressed stream, for error messages. Fails with DataLoss on a bad header or one
  // that needs a preset dictionary.
  base::Result<size_t> Consume(std::string_view input, uint64_t offset);

 private:
  enum class Step { kFixed, kExtraLength, kExtra, kName, kComment, kHeaderCrc, kDictId, kDone };

  // Takes one byte; end is the offset just after it.
  base::Status Take(unsigned char byte, uint64_t end);
  base::Status CheckFixedPart(uint64_t end);
  // Moves to the first optional gzip field at or after `from` that the flags announce.
  void AdvanceFrom(Step from);
  base::Status Corrupt(uint64_t end, std::string_view reason) const;

  Compression compression_;
  Step step_ = Step::kDone;
  unsigned char fixed_[10] = {};  // CMF FLG, or gzip's ID1 ID2 CM FLG MTIME XFL OS
  unsigned flags_ = 0;            // gzip FLG
  uint32_t count_ = 0;            // bytes of the current field read so far
  uint32_t value_ = 0;            // little-endian field being assembled (XLEN, CRC16)
  uint32_t remaining_ = 0;        // extra field bytes still to skip
  uint32_t crc_ = 0;              // CRC-32 of the gzip header so far, for FHCRC
};

// Reads the trailer after the deflate data across any number of writes and compares it
// with what the inflater computed: ZLIB's Adler-32 (4 bytes, big-endian), or GZIP's CRC-32
// and length modulo 2^32 (4 bytes each, little-endian). DEFLATE has none.
class WrapperTrailerReader {
 public:
  explicit WrapperTrailerReader(Compression compression);

  // Prepares for the trailer of a member whose data has this checksum and length.
  void Reset(uint32_t checksum, uint32_t length);
  bool done() const { return size_ == expected_size_; }
  // Takes trailer bytes from the front of input, like WrapperHeaderReader::Consume. Fails
  // with DataLoss as soon as a field that has arrived does not match.
  base::Result<size_t> Consume(std::string_view input, uint64_t offset);

 private:
  uint32_t Word(size_t at, bool big_endian) const;
  base::Status Check(uint64_t end) const;

  Compression compression_;
  size_t expected_size_ = 0;
  size_t size_ = 0;
  unsigned char bytes_[8] = {};
  uint32_t checksum_ = 0;
  uint32_t length_ = 0;
};

}  // namespace sluice::codec::internal
