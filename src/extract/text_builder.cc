#include "extract/text_builder.h"

#include <bit>
#include <cstring>

namespace sluice::extract::internal {
namespace {

// Code points that only separate words: whitespace, and control characters, which carry
// no text and are not allowed in every output format (XML 1.0 forbids most of them).
bool IsSeparator(char32_t c) {
  return c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// The length of the complete, valid UTF-8 sequence at `p` when it encodes a code point
// that belongs to a word, or 0 (invalid, incomplete, a separator, a byte order mark).
size_t WordSequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = p[0];
  const size_t available = static_cast<size_t>(end - p);
  auto continuation = [](unsigned char byte) { return (byte & 0xc0) == 0x80; };
  if (lead >= 0xc2 && lead <= 0xdf) {
    if (available < 2 || !continuation(p[1])) return 0;
    const char32_t c = ((lead & 0x1f) << 6) | (p[1] & 0x3f);
    return IsSeparator(c) ? 0 : 2;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    if (available < 3 || !continuation(p[1]) || !continuation(p[2])) return 0;
    if (lead == 0xe0 && p[1] < 0xa0) return 0;  // overlong
    if (lead == 0xed && p[1] > 0x9f) return 0;  // surrogate
    const char32_t c = ((lead & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    return IsSeparator(c) || c == 0xfeff ? 0 : 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (available < 4 || !continuation(p[1]) || !continuation(p[2]) || !continuation(p[3])) {
      return 0;
    }
    if (lead == 0xf0 && p[1] < 0x90) return 0;  // overlong
    if (lead == 0xf4 && p[1] > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Bytes of text that can be copied as they are: printable ASCII, valid UTF-8 sequences
// that are neither separators nor byte order marks, and single ASCII spaces between
// them. Returns the end of the run that starts at `p` (`p` itself when none does).
const unsigned char* ScanWords(const unsigned char* p, const unsigned char* end) {
  const unsigned char* q = p;
  while (q < end) {
    // Eight bytes at a time while they are printable ASCII with single inner spaces.
    if constexpr (std::endian::native == std::endian::little) {
      while (end - q > 8) {  // > 8: the byte after the eight is there to look at
        uint64_t word;
        std::memcpy(&word, q, 8);
        constexpr uint64_t kOnes = 0x0101010101010101ull;
        constexpr uint64_t kHigh = 0x8080808080808080ull;
        // Any byte >= 0x80, < 0x20 or 0x7f sets its high bit here (with all bytes below
        // 0x80 nothing carries into a neighbour unless a byte is itself flagged).
        if (((word | (word - kOnes * 0x20) | (word + kOnes)) & kHigh) != 0) break;
        // Spaces, exactly: a byte of word ^ 0x20.. is zero only for a space.
        const uint64_t other = word ^ (kOnes * 0x20);
        const uint64_t spaces = ~(((other & ~kHigh) + ~kHigh) | other) & kHigh;
        const bool first_is_space = (spaces & 0x80) != 0;
        const bool last_is_space = (spaces >> 63) != 0;
        if ((spaces & (spaces >> 8)) != 0 || (first_is_space && q == p) || last_is_space) break;
        q += 8;
      }
      if (q == end) break;
    }
    const unsigned char byte = *q;
    if (byte < 0x80) {
      if (!IsSeparator(byte)) {
        ++q;
      } else if (byte == ' ' && q > p && q + 1 < end && q[1] < 0x80 && !IsSeparator(q[1])) {
        q += 2;  // one space between two words is kept as it is
      } else {
        break;
      }
      continue;
    }
    const size_t length = WordSequenceLength(q, end);
    if (length == 0) break;
    q += length;
  }
  return q;
}
}  // namespace

void TextBuilder::Append(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const end = p + bytes.size();
  while (p < end && !truncated_) {
    if (decoder_.in_sequence()) {
      AppendSlow(*p++);
      continue;
    }
    if (*p < 0x80 && IsSeparator(*p)) {
      do ++p;
      while (p < end && *p < 0x80 && IsSeparator(*p));
      pending_space_ = !text_.empty();
      continue;
    }
    const unsigned char* run_end = ScanWords(p, end);
    if (run_end == p) {
      AppendSlow(*p++);  // a separator or byte order mark beyond ASCII, or a broken sequence
      continue;
    }
    AppendWord({reinterpret_cast<const char*>(p), static_cast<size_t>(run_end - p)});
    p = run_end;
  }
}

void TextBuilder::AppendCodePoint(char32_t code_point) {
  EndSequence();
  const bool valid = code_point <= 0x10ffff && (code_point < 0xd800 || code_point > 0xdfff);
  AddCodePoint(valid ? code_point : Utf8Decoder::kReplacement);
}

void TextBuilder::EndSequence() {
  if (decoder_.in_sequence()) decoder_.Flush([this](char32_t c) { AddCodePoint(c); });
}

std::string TextBuilder::Finish() {
  EndSequence();
  pending_space_ = false;
  return std::move(text_);
}

void TextBuilder::AppendSlow(unsigned char byte) {
  decoder_.Push(byte, [this](char32_t c) { AddCodePoint(c); });
}

void TextBuilder::AddCodePoint(char32_t code_point) {
  if (IsSeparator(code_point)) {
    pending_space_ = !text_.empty();
    return;
  }
  if (code_point == 0xfeff) return;  // byte order mark: invisible, not a word boundary
  char encoded[4];
  AppendWord({encoded, EncodeUtf8(code_point, encoded)});
}

void TextBuilder::AppendWord(std::string_view run) {
  if (truncated_) return;  // nothing after a cut, or the text would have a hole
  const size_t space = pending_space_ ? 1 : 0;
  const size_t room = max_bytes_ - text_.size();
  if (space + run.size() > room) {
    truncated_ = true;
    if (room <= space) return;
    size_t keep = room - space;
    // run[keep] is the first byte left out: back up to the start of its character.
    while (keep > 0 && (static_cast<unsigned char>(run[keep]) & 0xc0) == 0x80) --keep;
    while (keep > 0 && run[keep - 1] == ' ') --keep;  // runs hold single spaces between words
    if (keep == 0) return;
    run = run.substr(0, keep);
  }
  if (space != 0) text_.push_back(' ');
  pending_space_ = false;
  text_.append(run);
}

TextStats MeasureText(std::string_view sample) {
  TextStats stats;
  Utf8Decoder decoder;
  for (char byte : sample) {
    if (byte == '\0') ++stats.nul_bytes;
    decoder.Push(static_cast<unsigned char>(byte), [&stats](char32_t c) {
      if (c == Utf8Decoder::kReplacement) ++stats.invalid_sequences;
      const bool whitespace = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
      if ((c < 0x20 && !whitespace && c != 0) || c == 0x7f) ++stats.control_bytes;
    });
  }
  return stats;
}

}  // namespace sluice::extract::internal
