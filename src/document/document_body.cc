#include "document/document_body.h"

#include "codec/base64.h"
#include "document/document_id.h"
#include "document/permissions.h"

namespace sluice::document {
namespace {

namespace json = boost::json;

base::Status RequireString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_string()) return base::Status::Ok();
  return base::InvalidArgument("'" + std::string(key) + "' must be a string");
}

bool IsPrimitive(const json::value& v) {
  return v.is_string() || v.is_number() || v.is_bool() || v.is_null();
}

base::Status CheckMetadata(const json::object& o) {
  static constexpr std::string_view kReserved[] = {
      "compressedbinarydata", "compressedbinarydatafileid",
      "compressiontype",      "data",
      "documentid",           "fileextension",
      "orderingid",           "parentid",
      "permissions"};
  for (const auto& [key, value] : o) {
    if (std::find(std::begin(kReserved), std::end(kReserved), key) != std::end(kReserved)) {
      continue;
    }
    if (IsPrimitive(value)) continue;
    if (value.is_array()) {
      for (const auto& element : value.as_array()) {
        if (!IsPrimitive(element)) {
          return base::InvalidArgument("metadata '" + std::string(key) +
                                       "' holds a nested array or object; only strings, numbers, "
                                       "booleans and arrays of them are allowed");
        }
      }
      continue;
    }
    return base::InvalidArgument("metadata '" + std::string(key) +
                                 "' is an object; only strings, numbers, booleans and arrays of "
                                 "them are allowed");
  }
  return base::Status::Ok();
}

base::Result<codec::Compression> ResolveCompression(
    const json::object& o, std::optional<codec::Compression> query_compression) {
  if (query_compression) return *query_compression;
  auto it = o.find("compressiontype");
  if (it == o.end()) return codec::Compression::kZlib;
  return codec::ParseCompression(it->value().as_string());
}

}  // namespace

base::Result<DocumentBody> ValidateDocumentBody(
    json::value body, std::string_view document_id,
    std::optional<codec::Compression> query_compression) {
  SLUICE_RETURN_IF_ERROR(ValidateDocumentId(document_id));
  if (!body.is_object()) return base::InvalidArgument("the document body must be a JSON object");
  json::object& o = body.as_object();
  for (auto key : {"data", "compressedbinarydata", "compressedbinarydatafileid", "compressiontype",
                   "fileextension", "parentid", "documentid"}) {
    SLUICE_RETURN_IF_ERROR(RequireString(o, key));
  }
  if (auto it = o.find("documentid"); it != o.end() && it->value().as_string() != document_id) {
    return base::InvalidArgument(
        "'documentId' in the body (" + std::string(it->value().as_string()) +
        ") differs from the documentId parameter (" + std::string(document_id) + ")");
  }
  if (auto it = o.find("fileextension"); it != o.end()) {
    std::string_view ext = it->value().as_string();
    if (!ext.empty() && ext.front() != '.') {
      return base::InvalidArgument("'fileExtension' must start with a dot, like \".html\" (got \"" +
                                   std::string(ext) + "\")");
    }
  }
  if (auto it = o.find("permissions"); it != o.end()) {
    SLUICE_ASSIGN_OR_RETURN(Permissions permissions, NormalizePermissions(it->value()));
    if (permissions.count > kMaxPermissionsPerItem) {
      return base::ResourceExhausted("the item names " + std::to_string(permissions.count) +
                                     " permissions; at most " +
                                     std::to_string(kMaxPermissionsPerItem) + " are allowed");
    }
    it->value() = std::move(permissions.levels);
  }
  SLUICE_RETURN_IF_ERROR(CheckMetadata(o));
  SLUICE_ASSIGN_OR_RETURN(codec::Compression compression, ResolveCompression(o, query_compression));
  if (auto it = o.find("compressedbinarydata"); it != o.end()) {
    auto decoded = codec::DecodeBase64Strict(it->value().as_string());
    if (!decoded.ok()) {
      return base::InvalidArgument("'compressedBinaryData' is not valid Base64: " +
                                   decoded.status().message());
    }
  }
  o["compressiontype"] = codec::CompressionName(compression);
  o.erase("orderingid");  // the query parameter decides; Coveo ignores the body's
  DocumentBody out;
  if (auto it = o.find("compressedbinarydatafileid"); it != o.end()) {
    out.file_id = std::string(it->value().as_string());
  }
  out.fields = std::move(o);
  return out;
}

}  // namespace sluice::document
