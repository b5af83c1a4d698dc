// E-mail (RFC 5322 / MIME, .eml) with GMime: subject, from, to, cc and date as fields, the
// message's text (text/plain, or text/html made text), and every attachment (and attached
// message) as a child item.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

// Extracts one attachment's decoded bytes, given its file name (may be empty) and MIME type;
// the caller recurses through the format dispatcher with a depth limit.
using AttachmentExtractor = std::function<base::Result<ExtractedText>(
    std::string_view file_name, std::string_view content_type, std::string_view bytes)>;

// Reads the message in the regular file open at `fd` (from its start; not closed). title is
// the subject; fields "from", "to", "cc" (addresses as written), "subject", "date" (ISO 8601).
// Header words in RFC 2047 encodings and bodies in any charset come out as UTF-8. Each
// attachment becomes a child: extracted by `extract_attachment`, or, when that fails, a child
// without text whose warnings say why. file_type "eml". Input that is not a message at all
// fails with InvalidArgument.
base::Result<ExtractedText> ExtractEmail(int fd, const AttachmentExtractor& extract_attachment,
                                         size_t max_body_bytes);

}  // namespace sluice::extract::internal
