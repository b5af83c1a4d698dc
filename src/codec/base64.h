// Base64 for the Push API's compressedBinaryData field.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::codec {

// Decodes RFC 4648 standard-alphabet Base64. Strict: padding is required, and
// whitespace, URL-safe characters and data after the padding are rejected with
// InvalidArgument giving the offset of the first bad character. The unused low bits
// of the last character are ignored, as common decoders do.
base::Result<std::string> DecodeBase64Strict(std::string_view encoded);

// Encodes bytes as RFC 4648 standard-alphabet Base64 with '=' padding and no line breaks,
// the form DecodeBase64Strict accepts.
std::string EncodeBase64(std::string_view bytes);

}  // namespace sluice::codec
