// What an item's first bytes are, by libmagic: the MIME type ("application/pdf", "text/html",
// "message/rfc822" ...), independent of what its fileExtension claims.
#pragma once

#include <string>
#include <string_view>

namespace sluice::extract::internal {

// How many bytes of an item the sniffer looks at.
inline constexpr size_t kSniffBytes = size_t{64} << 10;

// The MIME type of content starting with `head` (up to kSniffBytes of it), lower-case;
// "application/octet-stream" when libmagic cannot tell or cannot load its database.
// Thread-safe: each call opens its own libmagic handle (about 0.3 ms).
std::string SniffMimeType(std::string_view head);

}  // namespace sluice::extract::internal
