#include "extract/plain_text_extractor.h"

#include <unicode/ucsdet.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <utility>

#include "extract/charset.h"
#include "extract/text_builder.h"

namespace sluice::extract::internal {
namespace {

// How much of the text decides its encoding.
constexpr size_t kDetectBytes = size_t{64} << 10;
// UTF-16 is converted a slice at a time.
constexpr size_t kUtf16SliceBytes = size_t{64} << 10;

// The encoding ICU's detector finds most likely for `sample`, or "" when it has no opinion.
std::string DetectCharset(std::string_view sample) {
  UErrorCode error = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, decltype(&ucsdet_close)> detector(ucsdet_open(&error),
                                                                      &ucsdet_close);
  if (U_FAILURE(error)) return "";
  ucsdet_setText(detector.get(), sample.data(), static_cast<int32_t>(sample.size()), &error);
  const UCharsetMatch* match = ucsdet_detect(detector.get(), &error);
  if (U_FAILURE(error) || match == nullptr) return "";
  const char* name = ucsdet_getName(match, &error);
  return U_SUCCESS(error) && name != nullptr ? std::string(name) : "";
}

// Text in any encoding: a byte order mark says UTF-8 or UTF-16; otherwise text that is valid
// UTF-8 is UTF-8 (a later invalid byte becomes U+FFFD), and other text is decoded from the
// encoding ICU detects in its first 64 KiB (windows-1252, Shift_JIS, GB18030, KOI8-R ...).
class PlainTextExtractor final : public Extractor {
 public:
  PlainTextExtractor(std::string file_type, size_t max_body_bytes)
      : file_type_(std::move(file_type)), body_(max_body_bytes) {}

  base::Status Write(std::string_view bytes) override {
    if (finished_) return base::FailedPrecondition("text extractor: Write after Finish");
    if (decided_) {
      Decode(bytes);
      return base::Status::Ok();
    }
    const size_t wanted = std::min(bytes.size(), kDetectBytes - start_.size());
    start_.append(bytes.substr(0, wanted));
    if (start_.size() < kDetectBytes) return base::Status::Ok();
    Decide();
    Decode(bytes.substr(wanted));
    return base::Status::Ok();
  }

  base::Result<ExtractedText> Finish() override {
    if (finished_) return base::FailedPrecondition("text extractor: Finish called twice");
    finished_ = true;
    if (!decided_) Decide();
    if (utf16_ != nullptr) {
      utf8_.clear();
      utf16_->Finish(utf8_);
      body_.Append(utf8_);
    } else if (legacy_) {
      decoder_.EndRun();
    }
    ExtractedText text;
    text.body = body_.Finish();
    text.truncated = body_.truncated();
    text.file_type = std::move(file_type_);
    return text;
  }

 private:
  void Decide() {
    decided_ = true;
    std::string start = std::move(start_);
    start_.clear();
    std::string_view bytes = start;
    if (bytes.starts_with("\xef\xbb\xbf")) {
      bytes.remove_prefix(3);
    } else if (bytes.starts_with("\xff\xfe") || bytes.starts_with("\xfe\xff")) {
      utf16_ = std::make_unique<Utf16ToUtf8>(/*big_endian=*/bytes[0] == '\xfe');
      bytes.remove_prefix(2);
    } else if (MeasureText(bytes).invalid_sequences > 0) {
      const std::string charset = DetectCharset(bytes);
      if (charset == "UTF-16LE" || charset == "UTF-16BE") {
        utf16_ = std::make_unique<Utf16ToUtf8>(/*big_endian=*/charset == "UTF-16BE");
      } else if (charset != "UTF-8") {
        legacy_ = true;
        // Unknown to iconv, or no opinion: windows-1252, the usual encoding of old text.
        if (charset.empty() || !decoder_.Declare(charset)) decoder_.Declare("windows-1252");
      }
    }
    Decode(bytes);
  }

  void Decode(std::string_view bytes) {
    if (utf16_ != nullptr) {
      while (!bytes.empty()) {
        const std::string_view slice = bytes.substr(0, kUtf16SliceBytes);
        bytes.remove_prefix(slice.size());
        utf8_.clear();
        utf16_->Convert(slice, utf8_);
        body_.Append(utf8_);
      }
    } else if (legacy_) {
      decoder_.Decode(bytes, body_);
    } else {
      body_.Append(bytes);  // a no-op once the cap is reached
    }
  }

  std::string file_type_;
  TextBuilder body_;
  std::string start_;  // the first bytes, until the encoding is decided
  bool decided_ = false;
  bool legacy_ = false;  // decoded by decoder_
  TextDecoder decoder_;
  std::unique_ptr<Utf16ToUtf8> utf16_;
  std::string utf8_;  // a slice of UTF-16 text, converted
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<Extractor> MakePlainTextExtractor(std::string file_type, size_t max_body_bytes) {
  return std::make_unique<PlainTextExtractor>(std::move(file_type), max_body_bytes);
}

}  // namespace sluice::extract::internal
