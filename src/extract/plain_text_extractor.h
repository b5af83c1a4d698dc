// Plain text: the body is the text itself, repaired and with whitespace collapsed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "extract/extractor.h"

namespace sluice::extract::internal {

std::unique_ptr<Extractor> MakePlainTextExtractor(std::string file_type, size_t max_body_bytes);

}  // namespace sluice::extract::internal
