#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

bool IsAsciiWordByte(unsigned char byte) { return byte > 0x20 && byte < 0x7f; }

// Code points that only separate words: whitespace, and control characters, which carry
// no text and are not allowed in every output format (XML 1.0 forbids most of them).
bool IsSeparator(char32_t c) {
  return c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// Encodes a code point that is known to be valid (no surrogates, at most U+10FFFF).
size_t EncodeUtf8(char32_t c, char* out) {
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

}  // namespace

void TextBuilder::Append(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && !truncated_) {
    // Fast path: a run of printable ASCII is copied at once.
    if (!decoder_.in_sequence() && IsAsciiWordByte(static_cast<unsigned char>(bytes[i]))) {
      size_t end = i + 1;
      while (end < bytes.size() && IsAsciiWordByte(static_cast<unsigned char>(bytes[end]))) {
        ++end;
      }
      AppendWordBytes(bytes.substr(i, end - i));
      i = end;
      continue;
    }
    decoder_.Push(static_cast<unsigned char>(bytes[i]), [this](char32_t c) { AppendCodePoint(c); });
    ++i;
  }
}

std::string TextBuilder::Finish() {
  decoder_.Flush([this](char32_t c) { AppendCodePoint(c); });
  pending_space_ = false;
  return std::move(text_);
}

void TextBuilder::AppendCodePoint(char32_t code_point) {
  if (IsSeparator(code_point)) {
    Separate();
    return;
  }
  if (code_point == 0xfeff) return;  // byte order mark: invisible, not a word boundary
  char encoded[4];
  AppendEncoded({encoded, EncodeUtf8(code_point, encoded)});
}

void TextBuilder::AppendEncoded(std::string_view encoded) {
  const size_t space = pending_space_ ? 1 : 0;
  if (text_.size() + space + encoded.size() > max_bytes_) {
    truncated_ = true;
    return;
  }
  if (space != 0) text_.push_back(' ');
  pending_space_ = false;
  text_.append(encoded);
}

void TextBuilder::AppendWordBytes(std::string_view run) {
  const size_t space = pending_space_ ? 1 : 0;
  const size_t room = max_bytes_ - text_.size();
  if (space + run.size() > room) {
    truncated_ = true;
    if (room <= space) return;
    run = run.substr(0, room - space);
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
