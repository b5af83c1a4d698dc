// Any XML: the text of its elements (and CDATA sections), element boundaries separating words,
// read with libxml2's streaming SAX parser with network access, DTD loading and entity
// expansion all off: an external entity (XXE) is never fetched, an entity bomb ("billion
// laughs") never expands.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

// file_type is `file_type` ("xml", "svg" ...). A document that stops being well-formed keeps
// the text read up to there, with a warning that says where and why (libxml2's message).
base::Result<std::unique_ptr<Extractor>> MakeXmlExtractor(std::string file_type,
                                                          size_t max_body_bytes);

}  // namespace sluice::extract::internal
