// Parses Push API JSON bodies the way Coveo reads them: keys are
// case-insensitive at every level, so they are lower-cased here, and two keys
// that collide after lower-casing are an error (400 INVALID_JSON).
#pragma once

#include <string_view>

#include <boost/json/value.hpp>

#include "base/status.h"

namespace sluice::document {

// InvalidArgument with the offset or the duplicate key when the body is not a
// JSON value of at most `max_depth` levels with unique case-folded keys.
base::Result<boost::json::value> ParseCaseInsensitiveJson(std::string_view text,
                                                          size_t max_depth = 64);

}  // namespace sluice::document
