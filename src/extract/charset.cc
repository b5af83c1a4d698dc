#include "extract/charset.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "extract/utf8.h"

namespace sluice::extract::internal {
namespace {

// iconv_open's failure value, (iconv_t)-1 by its API: there is no other way to spell it.
const iconv_t kNoIconv = reinterpret_cast<iconv_t>(-1);  // NOLINT(performance-no-int-to-ptr)
constexpr size_t kMaxLabelBytes = 40;

// windows-1252 for 0x80-0x9F (the HTML standard's table, also used for &#128; ...).
constexpr std::array<char16_t, 32> kWindows1252C1 = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

// Labels that mean windows-1252 in a browser (ISO-8859-1 and ASCII included: pages that
// say Latin-1 are written with windows-1252's punctuation in 0x80-0x9F).
constexpr std::array<std::string_view, 17> kWindows1252Labels = {
    "ansi_x3.4-1968", "ascii",           "cp1252",     "cp819",     "csisolatin1",
    "ibm819",         "iso-8859-1",      "iso-ir-100", "iso8859-1", "iso88591",
    "iso_8859-1",     "iso_8859-1:1987", "l1",         "latin1",    "us-ascii",
    "windows-1252",   "x-cp1252"};

// Labels whose browser meaning differs from what iconv makes of the same name.
struct Alias {
  std::string_view label;
  const char* iconv_name;
};
constexpr std::array<Alias, 21> kIconvAliases = {{
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},
    {"ms932", "CP932"},
    {"gb2312", "GBK"},
    {"x-gbk", "GBK"},
    {"chinese", "GBK"},
    {"csgb2312", "GBK"},
    {"big5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"windows-949", "CP949"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"x-mac-roman", "MACINTOSH"},
}};

bool IsContinuation(unsigned char byte) { return (byte & 0xc0) == 0x80; }

// The number of bytes of the longest valid UTF-8 prefix of `bytes`, and whether what
// follows it is an unfinished (so far valid) sequence at the very end, or invalid.
struct Utf8Prefix {
  size_t valid = 0;
  bool invalid = false;  // false: the rest (if any) is an unfinished sequence
};

Utf8Prefix ScanUtf8(std::string_view bytes) {
  const auto* const begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const end = begin + bytes.size();
  const auto* p = begin;
  while (p < end) {
    // Eight ASCII bytes at a time: the common case.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ull) != 0) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    size_t length = 0;
    unsigned char min_second = 0x80, max_second = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) min_second = 0xa0;
      if (lead == 0xed) max_second = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) min_second = 0x90;
      if (lead == 0xf4) max_second = 0x8f;
    } else {
      return {static_cast<size_t>(p - begin), true};
    }
    const size_t available = std::min<size_t>(length, end - p);
    for (size_t k = 1; k < available; ++k) {
      const unsigned char byte = p[k];
      const bool ok = k == 1 ? byte >= min_second && byte <= max_second : IsContinuation(byte);
      if (!ok) return {static_cast<size_t>(p - begin), true};
    }
    if (available < length) return {static_cast<size_t>(p - begin), false};
    p += length;
  }
  return {bytes.size(), false};
}

std::string NormalizeLabel(std::string_view label) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  };
  while (!label.empty() && is_space(label.front())) label.remove_prefix(1);
  while (!label.empty() && is_space(label.back())) label.remove_suffix(1);
  std::string normalized(label.substr(0, kMaxLabelBytes + 1));
  for (char& c : normalized) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return normalized;
}

// A name that may be handed to iconv_open: letters, digits and . _ - : ( ) only, so that
// iconv's "//TRANSLIT"-style suffixes and paths are never passed on.
bool IsPlainLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == ':' || c == '(' || c == ')';
  });
}

}  // namespace

char32_t Windows1252CodePoint(unsigned char byte) {
  if (byte >= 0x80 && byte < 0xa0) return kWindows1252C1[byte - 0x80];
  return byte;
}

TextDecoder::~TextDecoder() {
  if (iconv_ != kNoIconv) iconv_close(iconv_);
}

void TextDecoder::SettleUtf8() {
  EndRun();
  mode_ = Mode::kUtf8;
  settled_ = true;
}

bool TextDecoder::Declare(std::string_view raw_label) {
  if (settled_) return false;
  const std::string label = NormalizeLabel(raw_label);
  Mode mode;
  iconv_t converter = kNoIconv;
  if (label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8" ||
      label.starts_with("utf-16") || label.starts_with("utf16") || label.starts_with("utf-32") ||
      label.starts_with("ucs") || label.starts_with("unicode")) {
    // A page that can declare itself in ASCII is not UTF-16: browsers read it as UTF-8.
    mode = Mode::kUtf8;
  } else if (std::find(kWindows1252Labels.begin(), kWindows1252Labels.end(), label) !=
             kWindows1252Labels.end()) {
    mode = Mode::kWindows1252;
  } else if (IsPlainLabel(label) && label.find("utf-7") == std::string::npos &&
             label.find("utf7") == std::string::npos) {
    const char* name = label.c_str();
    for (const Alias& alias : kIconvAliases) {
      if (alias.label == label) name = alias.iconv_name;
    }
    converter = iconv_open("UTF-8", name);
    if (converter == kNoIconv) return false;  // unknown here: keep reading as before
    mode = Mode::kIconv;
  } else {
    return false;
  }
  EndRun();
  mode_ = mode;
  iconv_ = converter;
  settled_ = true;
  return true;
}

void TextDecoder::Decode(std::string_view bytes, TextBuilder& out) {
  if (bytes.empty()) return;
  switch (mode_) {
    case Mode::kUtf8OrWindows1252:
      DecodeUtf8OrWindows1252(bytes, out);
      return;
    case Mode::kUtf8:
      out.Append(bytes);  // TextBuilder joins split sequences and repairs broken ones
      carry_target_ = &out;
      return;
    case Mode::kWindows1252:
      DecodeWindows1252(bytes, out);
      return;
    case Mode::kIconv:
      DecodeIconv(bytes, out);
      return;
  }
}

void TextDecoder::EndRun() {
  TextBuilder* target = carry_target_;
  carry_target_ = nullptr;
  if (target == nullptr) return;
  switch (mode_) {
    case Mode::kUtf8:
      target->EndSequence();
      return;
    case Mode::kUtf8OrWindows1252:
      if (carry_size_ > 0) {
        // An unfinished sequence followed by markup is not UTF-8 after all.
        mode_ = Mode::kWindows1252;
        DecodeWindows1252({carry_, carry_size_}, *target);
      }
      break;
    case Mode::kIconv:
      if (carry_size_ > 0) target->AppendCodePoint(Utf8Decoder::kReplacement);
      break;
    case Mode::kWindows1252:
      break;
  }
  carry_size_ = 0;
}

void TextDecoder::KeepCarry(std::string_view tail, TextBuilder& out) {
  std::memcpy(carry_, tail.data(), tail.size());
  carry_size_ = tail.size();
  carry_target_ = &out;
}

void TextDecoder::DecodeUtf8OrWindows1252(std::string_view bytes, TextBuilder& out) {
  if (carry_size_ > 0) {
    // Finish the sequence left by the last call with the first bytes of this one.
    char joined[8];
    const size_t take = std::min(bytes.size(), sizeof(joined) - carry_size_);
    std::memcpy(joined, carry_, carry_size_);
    std::memcpy(joined + carry_size_, bytes.data(), take);
    const std::string_view both(joined, carry_size_ + take);
    const Utf8Prefix prefix = ScanUtf8(both);
    if (prefix.valid >= carry_size_) {
      // The carried sequence is complete; ScanUtf8 stops at most after the first bytes
      // of `bytes`, which are scanned again below.
      const size_t first_length = [&] {
        const auto lead = static_cast<unsigned char>(carry_[0]);
        return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      }();
      out.Append(both.substr(0, first_length));
      bytes.remove_prefix(first_length - carry_size_);
      carry_size_ = 0;
      carry_target_ = nullptr;
    } else if (!prefix.invalid) {
      KeepCarry(both, out);  // still unfinished: `bytes` was shorter than the sequence
      return;
    } else {
      mode_ = Mode::kWindows1252;
      const std::string_view carried(carry_, carry_size_);
      carry_size_ = 0;
      carry_target_ = nullptr;
      DecodeWindows1252(carried, out);
      DecodeWindows1252(bytes, out);
      return;
    }
  }
  const Utf8Prefix prefix = ScanUtf8(bytes);
  out.Append(bytes.substr(0, prefix.valid));
  const std::string_view rest = bytes.substr(prefix.valid);
  if (rest.empty()) return;
  if (!prefix.invalid) {
    KeepCarry(rest, out);
    return;
  }
  mode_ = Mode::kWindows1252;
  DecodeWindows1252(rest, out);
}

void TextDecoder::DecodeWindows1252(std::string_view bytes, TextBuilder& out) {
  char buffer[1024];
  size_t used = 0;
  for (char c : bytes) {
    if (used > sizeof(buffer) - 4) {
      out.Append({buffer, used});
      used = 0;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      buffer[used++] = c;
    } else {
      used += EncodeUtf8(Windows1252CodePoint(byte), buffer + used);
    }
  }
  out.Append({buffer, used});
}

void TextDecoder::DecodeIconv(std::string_view bytes, TextBuilder& out) {
  if (carry_size_ > 0) {
    // Convert the carried bytes with just enough of the new ones to finish them. iconv
    // stops early only at an unfinished character shorter than carry_, so when it has not
    // got past the carried bytes, all of `bytes` was taken.
    char joined[sizeof(carry_) * 2];
    const size_t take = std::min(bytes.size(), sizeof(carry_));
    std::memcpy(joined, carry_, carry_size_);
    std::memcpy(joined + carry_size_, bytes.data(), take);
    const std::string_view both(joined, carry_size_ + take);
    const size_t consumed = ConvertIconv(both, out);
    if (consumed < carry_size_) {
      KeepCarry(both.substr(consumed), out);
      return;
    }
    bytes.remove_prefix(consumed - carry_size_);
    carry_size_ = 0;
    carry_target_ = nullptr;
  }
  const size_t consumed = ConvertIconv(bytes, out);
  if (consumed < bytes.size()) KeepCarry(bytes.substr(consumed), out);
}

size_t TextDecoder::ConvertIconv(std::string_view bytes, TextBuilder& out) {
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
  size_t in_left = bytes.size();
  char buffer[4096];
  while (in_left > 0) {
    char* next = buffer;
    size_t room = sizeof(buffer);
    const size_t result = iconv(iconv_, &in, &in_left, &next, &room);
    out.Append({buffer, static_cast<size_t>(next - buffer)});
    if (result != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    if (errno == EINVAL && in_left < sizeof(carry_)) break;  // unfinished at the end
    out.AppendCodePoint(Utf8Decoder::kReplacement);          // EILSEQ: skip one byte
    ++in;
    --in_left;
  }
  return bytes.size() - in_left;
}

void Utf16ToUtf8::Convert(std::string_view bytes, std::string& out) {
  // Written in place: each unit becomes at most 3 bytes (a pair, 4 bytes for 2 units).
  const size_t start = out.size();
  out.resize(start + (bytes.size() / 2 + 2) * 3);
  char* const begin = out.data() + start;
  char* next = begin;
  size_t i = 0;
  auto unit_at = [&](unsigned char first, unsigned char second) -> char16_t {
    return big_endian_ ? static_cast<char16_t>(first << 8 | second)
                       : static_cast<char16_t>(second << 8 | first);
  };
  if (odd_byte_ >= 0 && !bytes.empty()) {
    next = Unit(unit_at(static_cast<unsigned char>(odd_byte_), bytes[0]), next);
    odd_byte_ = -1;
    i = 1;
  }
  for (; i + 1 < bytes.size(); i += 2) {
    const char16_t unit = unit_at(bytes[i], bytes[i + 1]);
    if (unit < 0x80 && high_surrogate_ == 0) {
      *next++ = static_cast<char>(unit);  // ASCII, the common case
    } else {
      next = Unit(unit, next);
    }
  }
  if (i < bytes.size()) odd_byte_ = static_cast<unsigned char>(bytes[i]);
  out.resize(start + static_cast<size_t>(next - begin));
}

void Utf16ToUtf8::Finish(std::string& out) {
  if (high_surrogate_ != 0 || odd_byte_ >= 0) {
    char encoded[4];
    out.append(encoded, EncodeUtf8(Utf8Decoder::kReplacement, encoded));
  }
  high_surrogate_ = 0;
  odd_byte_ = -1;
}

char* Utf16ToUtf8::Unit(char16_t unit, char* out) {
  if (high_surrogate_ != 0) {
    const char16_t high = high_surrogate_;
    high_surrogate_ = 0;
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      return out + EncodeUtf8(0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00), out);
    }
    out += EncodeUtf8(Utf8Decoder::kReplacement, out);
  }
  if (unit >= 0xd800 && unit <= 0xdbff) {
    high_surrogate_ = unit;
    return out;
  }
  const char32_t c = unit >= 0xdc00 && unit <= 0xdfff ? Utf8Decoder::kReplacement : unit;
  return out + EncodeUtf8(c, out);
}

}  // namespace sluice::extract::internal
