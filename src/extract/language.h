// The language an item's text is written in, by libexttextcat's n-gram models (Debian's
// libexttextcat-data), as Coveo's `language` field holds it: an ISO 639 code ("en", "fr").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::extract {

// Loads the models once (about 50 ms); Detect then looks at the start of a text (about 1 ms).
// Not thread-safe: one per thread.
class LanguageDetector {
 public:
  LanguageDetector();
  ~LanguageDetector();
  LanguageDetector(const LanguageDetector&) = delete;
  LanguageDetector& operator=(const LanguageDetector&) = delete;

  // False when the models could not be loaded (then Detect finds nothing).
  bool loaded() const { return handle_ != nullptr; }
  // The language of `text` (UTF-8), or nullopt when the text is too short (under 64 bytes) or
  // unlike any model.
  std::optional<std::string> Detect(std::string_view text) const;

 private:
  void* handle_ = nullptr;  // libexttextcat's
};

}  // namespace sluice::extract
