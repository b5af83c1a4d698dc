// PDF with poppler-cpp: the text of every page in reading order, the title, author, subject,
// keywords and dates of the document information. Runs inside the extraction child
// (sandbox.h), never in the server.
#pragma once

#include <cstddef>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

// Reads the PDF in the regular file open at `fd` (from its start; not closed). An encrypted PDF
// that needs a password fails with FailedPrecondition "the PDF is encrypted ..."; a file poppler
// cannot read at all fails with InvalidArgument saying so. file_type "pdf".
base::Result<ExtractedText> ExtractPdf(int fd, size_t max_body_bytes);

}  // namespace sluice::extract::internal
