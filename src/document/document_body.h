// Validates one item's DocumentBody (Push API §2.3) and reduces it to the
// canonical form that is journaled: lower-cased keys, the resolved
// compression type, metadata values that are primitives or arrays of them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "base/status.h"
#include "codec/compression.h"

namespace sluice::document {

struct DocumentBody {
  boost::json::object fields;          // canonical; "compressiontype" always set
  std::optional<std::string> file_id;  // compressedbinarydatafileid
};

// InvalidArgument (400 INVALID_JSON) naming the offending key when the body is
// not acceptable, or the problem with document_id (ValidateDocumentId); ResourceExhausted when it
// names more than kMaxPermissionsPerItem permissions (Coveo accepts such a push and rejects the
// item in the log). `query_compression` (from ?compressionType=) wins over the body's.
base::Result<DocumentBody> ValidateDocumentBody(
    boost::json::value body, std::string_view document_id,
    std::optional<codec::Compression> query_compression);

}  // namespace sluice::document
