// A byte-at-a-time UTF-8 decoder that never fails: invalid input becomes U+FFFD,
// one per maximal invalid subpart (the Unicode-recommended practice).
#pragma once

#include <cstddef>

namespace sluice::extract::internal {

// Encodes a code point that is known to be valid (no surrogates, at most U+10FFFF) into
// `out`, which has room for 4 bytes; returns the number of bytes written.
inline size_t EncodeUtf8(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xc0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xe0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out[2] = static_cast<char>(0x80 | (c & 0x3f));
    return 3;
  }
  out[0] = static_cast<char>(0xf0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
  out[3] = static_cast<char>(0x80 | (c & 0x3f));
  return 4;
}

class Utf8Decoder {
 public:
  static constexpr char32_t kReplacement = 0xfffd;

  // Decodes one byte, calling emit(char32_t) for each completed code point (at most two:
  // a replacement for a broken sequence, then the byte itself).
  template <typename Emit>
  void Push(unsigned char byte, Emit&& emit) {
    if (needed_ > 0) {
      if (byte >= next_min_ && byte <= next_max_) {
        partial_ = (partial_ << 6) | (byte & 0x3f);
        next_min_ = 0x80;
        next_max_ = 0xbf;
        if (--needed_ == 0) emit(partial_);
        return;
      }
      needed_ = 0;
      emit(kReplacement);  // and decode this byte afresh
    }
    StartSequence(byte, emit);
  }

  // Ends the input: an incomplete sequence becomes U+FFFD.
  template <typename Emit>
  void Flush(Emit&& emit) {
    if (needed_ > 0) emit(kReplacement);
    needed_ = 0;
  }

  bool in_sequence() const { return needed_ > 0; }

 private:
  template <typename Emit>
  void StartSequence(unsigned char byte, Emit& emit) {
    next_min_ = 0x80;
    next_max_ = 0xbf;
    if (byte < 0x80) {
      emit(static_cast<char32_t>(byte));
    } else if (byte >= 0xc2 && byte <= 0xdf) {
      Begin(byte & 0x1f, 1);
    } else if (byte >= 0xe0 && byte <= 0xef) {
      Begin(byte & 0x0f, 2);
      if (byte == 0xe0) next_min_ = 0xa0;  // no overlong forms
      if (byte == 0xed) next_max_ = 0x9f;  // no surrogates
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      Begin(byte & 0x07, 3);
      if (byte == 0xf0) next_min_ = 0x90;  // no overlong forms
      if (byte == 0xf4) next_max_ = 0x8f;  // nothing above U+10FFFF
    } else {
      emit(kReplacement);  // stray continuation byte or impossible lead byte
    }
  }
  void Begin(unsigned bits, int continuation_bytes) {
    partial_ = bits;
    needed_ = continuation_bytes;
  }

  char32_t partial_ = 0;
  int needed_ = 0;
  unsigned char next_min_ = 0x80;
  unsigned char next_max_ = 0xbf;
};

}  // namespace sluice::extract::internal
