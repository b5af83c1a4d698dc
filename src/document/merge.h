// Shallow merge of two canonical item bodies, for the Stream API's merge
// (PUT stream/merge): the update's keys replace the base's, the rest stay.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::document {

// Both arguments are canonical bodies as journaled (JSON objects, lower-case keys). When the
// update carries content (data, compressedBinaryData or a file id), the base's content keys
// go, so the item never holds two contents. InvalidArgument when either is not an object.
base::Result<std::string> MergeBodies(std::string_view base, std::string_view update);

}  // namespace sluice::document
