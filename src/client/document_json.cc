#include "client/document_json.h"

#include <algorithm>
#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "codec/base64.h"

namespace sluice::client {
namespace {

namespace json = boost::json;

// Keys whose value `sluice push` computes from the file itself.
constexpr std::array<std::string_view, 6> kReservedKeys = {
    "documentid",      "data", "compressedbinarydata", "compressedbinarydatafileid",
    "compressiontype", "uri"};

bool IsReserved(std::string_view key) {
  const std::string lower = base::AsciiLower(key);
  return std::find(kReservedKeys.begin(), kReservedKeys.end(), lower) != kReservedKeys.end();
}

// Sets `key`, replacing a key that differs only in letter case: the Push API's keys are
// case-insensitive, so "Title" from a sidecar and --title name the same thing.
void Set(json::object& object, std::string_view key, json::value value) {
  for (auto it = object.begin(); it != object.end();) {
    it = base::EqualsIgnoreAsciiCase(it->key(), key) ? object.stable_erase(it) : std::next(it);
  }
  object[key] = std::move(value);
}

// The fixed part of a body: `{"documentId":…,"fileExtension":…,"compressionType":…`.
std::string Head(const ItemDescription& item, codec::Compression compression,
                 bool with_document_id) {
  std::string out = "{";
  if (with_document_id) out += "\"documentId\":" + JsonString(item.document_id) + ",";
  if (!item.file_extension.empty()) {
    out += "\"fileExtension\":" + JsonString(item.file_extension) + ",";
  }
  out += "\"compressionType\":\"";
  out += codec::CompressionName(compression);
  out += "\"";
  if (!item.members.empty()) out += "," + item.members;
  return out;
}

}  // namespace

std::string JsonString(std::string_view text) { return json::serialize(json::string(text)); }

base::Result<std::string> MetadataMembers(
    std::string_view sidecar_json, const std::vector<std::pair<std::string, std::string>>& pairs,
    std::string_view title, std::string* file_extension) {
  json::object merged;
  if (!sidecar_json.empty()) {
    boost::system::error_code ec;
    json::value sidecar = json::parse(sidecar_json, ec);
    if (ec) return base::InvalidArgument("is not valid JSON: " + ec.message());
    if (!sidecar.is_object()) return base::InvalidArgument("must hold a JSON object");
    for (auto& [key, value] : sidecar.as_object()) Set(merged, key, std::move(value));
  }
  for (const auto& [key, value] : pairs) Set(merged, key, json::string(value));
  if (!title.empty()) Set(merged, "title", json::string(title));
  std::string members;
  for (const auto& [key, value] : merged) {
    if (IsReserved(key)) {
      return base::InvalidArgument("sets '" + std::string(key) +
                                   "', which sluice push sets from the file itself");
    }
    if (base::AsciiLower(key) == "fileextension") {
      if (!value.is_string()) return base::InvalidArgument("'fileExtension' must be a string");
      *file_extension = value.as_string();
      continue;
    }
    if (!members.empty()) members += ",";
    members += JsonString(key) + ":" + json::serialize(value);
  }
  return members;
}

std::string InlineDocumentJson(const ItemDescription& item, std::string_view compressed,
                               codec::Compression compression, bool with_document_id) {
  std::string out = Head(item, compression, with_document_id);
  out += ",\"compressedBinaryData\":\"";
  out += codec::EncodeBase64(compressed);
  out += "\"}";
  return out;
}

uint64_t InlineDocumentJsonSize(const ItemDescription& item, uint64_t compressed_size,
                                codec::Compression compression, bool with_document_id) {
  const uint64_t base64 = (compressed_size + 2) / 3 * 4;
  return Head(item, compression, with_document_id).size() +
         std::string_view(",\"compressedBinaryData\":\"\"}").size() + base64;
}

std::string ContainerDocumentJson(const ItemDescription& item, std::string_view file_id,
                                  codec::Compression compression, bool with_document_id) {
  return Head(item, compression, with_document_id) +
         ",\"compressedBinaryDataFileId\":" + JsonString(file_id) + "}";
}

std::string BatchFileJson(const std::vector<std::string>& adds,
                          const std::vector<std::string>& deletes) {
  size_t size = BatchFileOverhead(adds.size() + deletes.size());
  for (const auto& e : adds) size += e.size();
  for (const auto& e : deletes) size += e.size();
  std::string out;
  out.reserve(size);
  auto append = [&out](const std::vector<std::string>& entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += ',';
      out += entries[i];
    }
  };
  out += "{\"addOrUpdate\":[";
  append(adds);
  out += "],\"delete\":[";
  append(deletes);
  out += "]}";
  return out;
}

uint64_t BatchFileOverhead(size_t entry_count) {
  return std::string_view("{\"addOrUpdate\":[],\"delete\":[]}").size() +
         (entry_count > 0 ? entry_count - 1 : 0);
}

}  // namespace sluice::client
