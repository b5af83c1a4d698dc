// Turns the bytes of one pushed item into searchable text (title and body), streaming
// so that memory stays constant apart from the extracted text itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::extract {

// Fields a format carries besides its text (a PDF's author, an e-mail's sender), by lower-case
// name: "author", "description", "keywords", "subject", "from", "to", "cc", "created",
// "modified" (dates in ISO 8601, e.g. "2024-03-01T10:00:00Z"), "pagecount" ...
using ExtractedFields = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct ExtractedChild;

struct ExtractedText {
  std::string title;       // empty when the item has none (callers fall back to the URI)
  std::string body;        // valid UTF-8, whitespace runs collapsed to one space
  std::string file_type;   // "html", "txt", "csv", "pdf", "docx" ...
  bool truncated = false;  // the body was cut at max_body_bytes
  ExtractedFields fields;
  // What could not be extracted and why, for the item's log (WARNING), e.g. "content of
  // 'photo.jpg' (image/jpeg) not extracted: indexed by its metadata only".
  std::vector<std::string> warnings;
  std::vector<ExtractedChild> children;  // an e-mail's attachments, each a child item
};

// A file inside an item (an e-mail's attachment), extracted on its own.
struct ExtractedChild {
  std::string name;   // its file name as the item gives it; may be empty
  uint64_t size = 0;  // its bytes, decoded
  ExtractedText text;
};

// Fed the decompressed bytes of one item, in chunks of any size. Not thread-safe.
// After a failure every later call returns the same failure.
class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual base::Status Write(std::string_view bytes) = 0;
  virtual base::Result<ExtractedText> Finish() = 0;
};

// What a child process extracting a whole-file format (PDF, Office) may use before it is stopped.
struct ChildLimits {
  uint64_t cpu_seconds = 300;             // RLIMIT_CPU: a 256 MB text PDF takes about 60 s
  uint64_t memory_bytes = 1024ull << 20;  // RLIMIT_AS: address space, file mappings included
  int64_t wall_ms = 600'000;              // then the parent kills it
};

struct ExtractOptions {
  size_t max_body_bytes = size_t{128} << 20;
  // PDF and Office files are read by `child_command extract-child ...` (see sandbox.h): the
  // sluice binary itself unless told otherwise.
  std::filesystem::path child_command = "/proc/self/exe";
  ChildLimits child_limits;
  // Formats read as a whole file (PDF, Office, e-mail) are spooled to an unnamed file here, up
  // to max_spool_bytes; nothing is left behind, even after a crash.
  std::filesystem::path spool_dir = "/tmp";
  uint64_t max_spool_bytes = 1024ull << 20;
  // Attachments inside attachments inside ... an e-mail are extracted this deep.
  int max_depth = 3;
  // false: the content is known to be text (a push's `data` string), so libmagic (about 0.3 ms
  // an item) is not asked what it is; the extension and the text itself decide.
  bool sniff = true;
};

// Picks the extractor from the item's fileExtension (".pdf", "HTML", "" ...; case and the
// leading dot do not matter) and what the first bytes are (libmagic). What the bytes are wins
// when the extension says otherwise, with a warning that says so:
//   HTML (.html .htm .xhtml .shtml, or a page that starts like one) → html_extractor.h;
//   XML (.xml, or sniffed XML) → text nodes, entities and DTDs never loaded;
//   other text (.txt .csv .md .json .log, source code, no extension) → plain text;
//   PDF → pdf_extractor.h, and .docx .xlsx .pptx .odt .ods .odp → office_extractor.h, both in
//   a child process (sandbox.h);
//   e-mail (.eml, or sniffed message/rfc822) → email_extractor.h, attachments as children;
//   anything else (images, audio, video, archives, unknown binary) → no text, file_type from
//   the extension or the sniffed type, and a warning that the content was not extracted.
// Text, title and field values come out valid UTF-8 in Unicode normalization form C.
base::Result<std::unique_ptr<Extractor>> MakeExtractor(std::string_view file_extension,
                                                       const ExtractOptions& options);

// Extracts `bytes` whole, as MakeExtractor would.
base::Result<ExtractedText> ExtractBytes(std::string_view bytes, std::string_view file_extension,
                                         const ExtractOptions& options);

}  // namespace sluice::extract
