// HTML to text with a streaming tokenizer (html_tokenizer.h) and the few tree rules
// text needs (html_elements.h): no DOM is built, and memory stays constant.
#pragma once

#include <cstddef>
#include <memory>

#include "base/status.h"
#include "extract/extractor.h"

namespace sluice::extract::internal {

base::Result<std::unique_ptr<Extractor>> MakeHtmlExtractor(size_t max_body_bytes);

}  // namespace sluice::extract::internal
