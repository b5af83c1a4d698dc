// HTML to text with libxml2's push parser and SAX callbacks (no DOM is built).
#pragma once

#include <cstddef>
#include <memory>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

base::Result<std::unique_ptr<Extractor>> MakeHtmlExtractor(size_t max_body_bytes);

}  // namespace sluice::extract::internal
