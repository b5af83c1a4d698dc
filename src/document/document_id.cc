#include "document/document_id.h"

#include <cstdio>
#include <string>

#include "base/utf8.h"

namespace sluice::document {
namespace {

std::string Hex(unsigned char c) {
  char out[5];
  std::snprintf(out, sizeof out, "0x%02x", c);
  return out;
}

}  // namespace

base::Status ValidateDocumentId(std::string_view id) {
  if (id.empty()) return base::InvalidArgument("documentId is empty");
  if (id.size() > kMaxDocumentIdBytes) {
    return base::InvalidArgument("documentId is " + std::to_string(id.size()) +
                                 " bytes long; at most " + std::to_string(kMaxDocumentIdBytes) +
                                 " are allowed");
  }
  for (size_t at = 0; at < id.size();) {
    const auto c = static_cast<unsigned char>(id[at]);
    if (c < 0x20 || c == 0x7f) {
      return base::InvalidArgument("documentId contains the control character " + Hex(c) +
                                   " at byte " + std::to_string(at) +
                                   "; NUL, CR, LF and other control characters are not allowed");
    }
    const size_t length = base::Utf8SequenceLength(id.substr(at));
    if (length == 0) {
      return base::InvalidArgument("documentId is not valid UTF-8 (byte " + Hex(c) + " at byte " +
                                   std::to_string(at) + ")");
    }
    at += length;
  }
  return base::Status::Ok();
}

}  // namespace sluice::document
