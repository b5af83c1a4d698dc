// Office Open XML (.docx, .xlsx, .pptx) and OpenDocument (.odt, .ods, .odp): the text of the
// document parts and the core properties (title, author, subject, keywords, description,
// dates), read with libzip and libxml2 (no network, no entity expansion, no DTD). Runs inside
// the extraction child (sandbox.h), never in the server.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

// Zip bombs stop here: the uncompressed bytes read from the archive, the expansion of any one
// entry and the number of entries are bounded.
struct ZipLimits {
  uint64_t max_uncompressed_bytes = 1024ull << 20;
  uint64_t max_expansion_ratio = 200;  // an entry's uncompressed size / its compressed size
  uint64_t max_entries = 100'000;
};

// Reads the package in the regular file open at `fd` (from its start; not closed) and decides
// from its parts which format it is ([Content_Types].xml and its main part, or ODF's
// "mimetype"): file_type "docx", "xlsx", "pptx", "odt", "ods" or "odp". Anything else fails
// with InvalidArgument; a limit reached fails with ResourceExhausted naming it.
base::Result<ExtractedText> ExtractOffice(int fd, const ZipLimits& limits, size_t max_body_bytes);

}  // namespace sluice::extract::internal
