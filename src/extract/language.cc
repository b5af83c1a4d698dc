#include "extract/language.h"

#include <libexttextcat/textcat.h>

namespace sluice::extract {
namespace {

// Debian's libexttextcat-data: the model list and, beside it, the models it names.
constexpr char kModelList[] = "/usr/share/libexttextcat/fpdb.conf";
constexpr char kModelDir[] = "/usr/share/libexttextcat/";
// A few hundred bytes identify a language (the library's own advice); more only costs time.
constexpr size_t kSampleBytes = 1024;
// Below this the library still guesses ("ok" reads as Slovak); Sluice does not.
constexpr size_t kMinTextBytes = 64;

// The sample: the first kSampleBytes of `text`, cut back to a character boundary.
std::string_view Sample(std::string_view text) {
  if (text.size() <= kSampleBytes) return text;
  size_t end = kSampleBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

LanguageDetector::LanguageDetector() : handle_(special_textcat_Init(kModelList, kModelDir)) {}

LanguageDetector::~LanguageDetector() {
  if (handle_ != nullptr) textcat_Done(handle_);
}

std::optional<std::string> LanguageDetector::Detect(std::string_view text) const {
  if (handle_ == nullptr || text.size() < kMinTextBytes) return std::nullopt;
  const std::string_view sample = Sample(text);
  const char* verdict = textcat_Classify(handle_, sample.data(), sample.size());
  // "[en--utf8][sco--utf8]" (best first), "SHORT" or "UNKNOWN".
  if (verdict == nullptr || verdict[0] != '[') return std::nullopt;
  const std::string_view best(verdict + 1);
  const size_t end = best.find_first_of("-]");
  if (end == 0 || end == std::string_view::npos) return std::nullopt;
  return std::string(best.substr(0, end));
}

}  // namespace sluice::extract
