// The document data stored with each Xapian document: a JSON object with every field of the
// item and the start of its text, so results, excerpts and the Content Browser need nothing else.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"
#include "index/document.h"

namespace sluice::index {

// How much of an item's text is stored for excerpts and the Content Browser's text view.
inline constexpr size_t kStoredBodyMaxBytes = size_t{1} << 20;

// The JSON data for `document`, with defaults applied (click_uri = uri, permanent_id =
// SHA-256 hex of uri) and the body cut to `body_max_bytes` of valid UTF-8.
std::string EncodeStoredFields(const IndexDocument& document,
                               size_t body_max_bytes = kStoredBodyMaxBytes);

// Reads data written by EncodeStoredFields. The hit's title is the uri when the item has none.
// Fails with kDataLoss when the data is not such an object.
base::Result<StoredItem> DecodeStoredFields(std::string_view data);

}  // namespace sluice::index
