// The rules for a documentId (the item URI). It is an opaque string compared byte for
// byte: never a file path, never normalised, so "café" spelt in NFC and in NFD names two
// items, and "../../etc/passwd" is just a name.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace sluice::document {

// Longer ids are refused: real URIs stay far below, and every '/' of an id costs an
// index term (deleteChildren finds children by prefix).
inline constexpr size_t kMaxDocumentIdBytes = 8192;

// InvalidArgument saying what is wrong when `id` is empty, longer than
// kMaxDocumentIdBytes, not valid UTF-8, or holds a control character (NUL, CR, LF ...),
// which would let it forge lines in logs and headers.
base::Status ValidateDocumentId(std::string_view id);

}  // namespace sluice::document
