// Character encodings of HTML pages: turns the bytes of a page's text runs into UTF-8
// for a TextBuilder, and converts UTF-16 pages to UTF-8 before they are tokenized.
#pragma once

#include <iconv.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "extract/text_builder.h"

namespace sluice::extract::internal {

// Decodes the text runs of a page whose markup is ASCII (UTF-8, windows-1252, the
// ISO-8859 family, Shift_JIS, EUC-*, GBK, Big5 ...). Until the page declares an
// encoding, text is read as UTF-8; from the first byte that is not valid UTF-8 on, as
// windows-1252 (old undeclared pages are Latin-1). Not thread-safe.
class TextDecoder {
 public:
  TextDecoder() = default;
  ~TextDecoder();
  TextDecoder(const TextDecoder&) = delete;
  TextDecoder& operator=(const TextDecoder&) = delete;

  // The encoding is known from outside the page's markup (a byte order mark): UTF-8,
  // and declarations in the page are ignored.
  void SettleUtf8();
  // A <meta> declared the encoding `label` ("ISO-8859-1", "utf-8", "Shift_JIS" ...). The
  // first declaration naming an encoding that can be decoded wins; it applies to the
  // text that follows. Returns whether it was taken.
  bool Declare(std::string_view label);
  // Decodes `bytes`, part of a text run, into `out`. A character split between two calls
  // of the same run is joined.
  void Decode(std::string_view bytes, TextBuilder& out);
  // Ends the current text run (markup or a character reference follows): a character
  // left unfinished is broken and becomes U+FFFD (or, before any declaration, windows-1252).
  void EndRun();

 private:
  enum class Mode { kUtf8OrWindows1252, kUtf8, kWindows1252, kIconv };

  void DecodeUtf8OrWindows1252(std::string_view bytes, TextBuilder& out);
  static void DecodeWindows1252(std::string_view bytes, TextBuilder& out);
  void DecodeIconv(std::string_view bytes, TextBuilder& out);
  // Converts with iconv up to an unfinished character at the end of `bytes`; returns the
  // bytes consumed.
  size_t ConvertIconv(std::string_view bytes, TextBuilder& out);
  void KeepCarry(std::string_view tail, TextBuilder& out);

  Mode mode_ = Mode::kUtf8OrWindows1252;
  bool settled_ = false;
  // iconv_open's failure value, (iconv_t)-1 by its API: none open.
  iconv_t iconv_ = reinterpret_cast<iconv_t>(-1);  // NOLINT(performance-no-int-to-ptr)
  // An unfinished character at the end of the last Decode, and where it goes.
  char carry_[16];
  size_t carry_size_ = 0;
  TextBuilder* carry_target_ = nullptr;
};

// Streams UTF-16 (little or big endian) into UTF-8; unpaired surrogates become U+FFFD.
class Utf16ToUtf8 {
 public:
  explicit Utf16ToUtf8(bool big_endian) : big_endian_(big_endian) {}
  // Appends the conversion of `bytes` to `out`; a unit or pair split between calls is joined.
  void Convert(std::string_view bytes, std::string& out);
  // Ends the input: an unfinished unit or pair becomes U+FFFD.
  void Finish(std::string& out);

 private:
  // Writes the UTF-8 of `unit` (with a waiting high surrogate) at `out`; returns the end.
  char* Unit(char16_t unit, char* out);

  bool big_endian_;
  int odd_byte_ = -1;            // the first byte of a unit split between calls
  char16_t high_surrogate_ = 0;  // waiting for its low surrogate
};

// The code point windows-1252 gives `byte` (C1 bytes 0x80-0x9F map to punctuation and
// letters; the five it leaves undefined stay C1 controls).
char32_t Windows1252CodePoint(unsigned char byte);

}  // namespace sluice::extract::internal
