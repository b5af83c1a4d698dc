#include "extract/extractor.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "extract/html_extractor.h"
#include "extract/plain_text_extractor.h"
#include "extract/text_builder.h"

namespace sluice::extract {
namespace {

// How much of an item of unknown type is looked at to tell text from binary.
constexpr size_t kSniffBytes = 8 << 10;

constexpr std::array<std::string_view, 4> kHtmlExtensions = {"html", "htm", "xhtml", "shtml"};
constexpr std::array<std::string_view, 8> kTextExtensions = {"txt", "text", "csv", "tsv",
                                                             "md",  "json", "xml", "log"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ".HTML" -> "html": lower-case, without the leading dot.
std::string NormalizeExtension(std::string_view extension) {
  if (extension.starts_with('.')) extension.remove_prefix(1);
  std::string normalized(extension);
  for (char& c : normalized) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return normalized;
}

// Text has no NUL bytes and at most one suspicious character in ten (invalid UTF-8,
// such as Latin-1 accents, or control characters).
bool LooksLikeText(std::string_view sample) {
  const internal::TextStats stats = internal::MeasureText(sample);
  if (stats.nul_bytes > 0) return false;
  return (stats.invalid_sequences + stats.control_bytes) * 10 <= sample.size();
}

// An HTML page, by its start: "<!DOCTYPE html" or "<html", after an optional UTF-8 byte
// order mark and white space, in any letter case.
bool LooksLikeHtml(std::string_view sample) {
  if (sample.starts_with("\xef\xbb\xbf")) sample.remove_prefix(3);
  while (!sample.empty() && (sample.front() == ' ' || sample.front() == '\t' ||
                             sample.front() == '\r' || sample.front() == '\n')) {
    sample.remove_prefix(1);
  }
  auto starts_with = [&](std::string_view prefix) {
    return sample.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), sample.begin(), [](char p, char c) {
             return p == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
           });
  };
  return starts_with("<!doctype html") || starts_with("<html");
}

// For extensions we do not know: buffers the first kSniffBytes, then hands everything
// to an HTML or a plain-text extractor, or fails.
class SniffingExtractor final : public Extractor {
 public:
  SniffingExtractor(std::string extension, size_t max_body_bytes)
      : extension_(std::move(extension)), max_body_bytes_(max_body_bytes) {}

  base::Status Write(std::string_view bytes) override {
    if (!failure_.ok()) return failure_;
    if (text_ != nullptr) return text_->Write(bytes);
    const size_t wanted = std::min(bytes.size(), kSniffBytes - sample_.size());
    sample_.append(bytes.substr(0, wanted));
    if (sample_.size() < kSniffBytes) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(Decide());
    return text_->Write(bytes.substr(wanted));
  }

  base::Result<ExtractedText> Finish() override {
    if (!failure_.ok()) return failure_;
    if (text_ == nullptr) SLUICE_RETURN_IF_ERROR(Decide());
    return text_->Finish();
  }

 private:
  base::Status Decide() {
    if (LooksLikeHtml(sample_)) {
      // HTML under another name (".php", or a mislabelled ".pdf"): its markup is not text.
      auto html = internal::MakeHtmlExtractor(max_body_bytes_);
      if (!html.ok()) return failure_ = html.status();
      text_ = std::move(*html);
    } else if (!LooksLikeText(sample_)) {
      failure_ = base::FailedPrecondition("unsupported file type '." + extension_ +
                                          "': binary content cannot be extracted yet");
      return failure_;
    } else {
      text_ = internal::MakePlainTextExtractor(extension_, max_body_bytes_);
    }
    std::string sample = std::move(sample_);
    sample_.clear();
    return text_->Write(sample);
  }

  std::string extension_;
  size_t max_body_bytes_;
  std::string sample_;
  std::unique_ptr<Extractor> text_;
  base::Status failure_;
};

}  // namespace

base::Result<std::unique_ptr<Extractor>> MakeExtractor(std::string_view file_extension,
                                                       size_t max_body_bytes) {
  std::string extension = NormalizeExtension(file_extension);
  if (Contains(kHtmlExtensions, extension)) return internal::MakeHtmlExtractor(max_body_bytes);
  if (extension.empty() || Contains(kTextExtensions, extension)) {
    return internal::MakePlainTextExtractor(extension.empty() ? "txt" : std::move(extension),
                                            max_body_bytes);
  }
  return std::unique_ptr<Extractor>(
      std::make_unique<SniffingExtractor>(std::move(extension), max_body_bytes));
}

}  // namespace sluice::extract
