// Turns the bytes of one pushed item into searchable text (title and body), streaming
// so that memory stays constant apart from the extracted text itself.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::extract {

struct ExtractedText {
  std::string title;       // empty when the item has none (callers fall back to the URI)
  std::string body;        // valid UTF-8, whitespace runs collapsed to one space
  std::string file_type;   // "html", "txt", "csv" ...
  bool truncated = false;  // the body was cut at max_body_bytes
};

// Fed the decompressed bytes of one item, in chunks of any size. Not thread-safe.
// After a failure every later call returns the same failure.
class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual base::Status Write(std::string_view bytes) = 0;
  virtual base::Result<ExtractedText> Finish() = 0;
};

// Picks the extractor from the item's fileExtension (".html", "HTM", "" ...; case and
// the leading dot do not matter): .html .htm .xhtml .shtml are parsed as HTML; .txt
// .text .csv .tsv .md .json .xml .log and no extension are plain text; anything else
// is parsed as HTML if it starts like an HTML page (file_type "html": what the bytes
// are, not what the extension claims), is plain text if its first 8 KiB look like
// text, and otherwise fails (from Write or Finish) with FailedPrecondition
// "unsupported file type".
base::Result<std::unique_ptr<Extractor>> MakeExtractor(std::string_view file_extension,
                                                       size_t max_body_bytes);

}  // namespace sluice::extract
