// Accumulates extracted text: repairs UTF-8, collapses whitespace and enforces a size cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "extract/utf8.h"

namespace sluice::extract::internal {

class TextBuilder {
 public:
  explicit TextBuilder(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Appends bytes that should be UTF-8. Invalid sequences become U+FFFD; a sequence
  // split across calls is joined. Whitespace (including NBSP) and control characters
  // are collapsed to one space between words; leading and trailing space is dropped.
  void Append(std::string_view bytes);
  // Appends one code point (from a character reference, or a decoded legacy charset).
  // An incomplete UTF-8 sequence left by Append ends first, as U+FFFD.
  void AppendCodePoint(char32_t code_point);
  // Ends a word: the next text is separated by a space (used at block boundaries).
  // An incomplete UTF-8 sequence left by Append ends first, as U+FFFD.
  void Separate() {
    EndSequence();
    pending_space_ = !text_.empty();
  }
  // Turns an incomplete UTF-8 sequence left by Append into U+FFFD.
  void EndSequence();
  // Flushes an incomplete trailing UTF-8 sequence (as U+FFFD) and returns the text.
  std::string Finish();

  // True once text had to be dropped because of the cap.
  bool truncated() const { return truncated_; }
  size_t size() const { return text_.size(); }

 private:
  // A code point that has been decoded: a separator, the invisible byte order mark, or
  // part of a word.
  void AddCodePoint(char32_t code_point);
  // Appends bytes that are valid UTF-8 and hold neither separators nor byte order marks,
  // after the pending space. Cuts at a character boundary when the cap is reached.
  void AppendWord(std::string_view run);
  // Appends what the fast path cannot: bytes of an unfinished or invalid sequence.
  void AppendSlow(unsigned char byte);

  size_t max_bytes_;
  std::string text_;
  bool pending_space_ = false;
  bool truncated_ = false;
  Utf8Decoder decoder_;
};

// Counts what a TextBuilder would repair, to tell text from binary data.
struct TextStats {
  size_t nul_bytes = 0;
  size_t invalid_sequences = 0;  // U+FFFD replacements
  size_t control_bytes = 0;      // C0 controls other than whitespace, and DEL
};
// `sample` may end in the middle of a UTF-8 sequence without that counting as invalid.
TextStats MeasureText(std::string_view sample);

}  // namespace sluice::extract::internal
