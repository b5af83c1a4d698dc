// SHA-256 for ids derived from uris (permanent ids, hashed index terms).
#pragma once

#include <string>
#include <string_view>

namespace sluice::index {

// Lower-case hexadecimal SHA-256 of the bytes (64 characters).
std::string Sha256Hex(std::string_view bytes);

}  // namespace sluice::index
