#include "pipeline/item_processor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "codec/base64.h"
#include "codec/compression.h"
#include "codec/decompressor.h"
#include "extract/extractor.h"
#include "index/field_value.h"

namespace sluice::pipeline {
namespace {

namespace json = boost::json;

constexpr size_t kReadChunkBytes = size_t{256} * 1024;
// How long FieldKindCache trusts its copy of a catalog.
constexpr int64_t kFieldKindsMaxAgeMs = 1000;
constexpr std::string_view kReserved[] = {"compressedbinarydata", "compressedbinarydatafileid",
                                          "compressiontype",      "data",
                                          "documentid",           "fileextension",
                                          "orderingid",           "permissions"};

std::string ValueText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

std::string StringField(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

index::Metadata CollectMetadata(const json::object& o) {
  index::Metadata out;
  for (const auto& [key, value] : o) {
    if (std::find(std::begin(kReserved), std::end(kReserved), key) != std::end(kReserved)) {
      continue;
    }
    std::vector<std::string> values;
    if (value.is_array()) {
      for (const auto& v : value.as_array()) values.push_back(ValueText(v));
    } else {
      values.push_back(ValueText(value));
    }
    out.emplace_back(std::string(key), std::move(values));
  }
  return out;
}

// The value of `key` in `o`, comparing keys case-insensitively (the canonical permission model
// spells them in camel case, other bodies may fold them).
const json::value* FindKey(const json::object& o, std::string_view key) {
  for (const auto& [name, value] : o) {
    if (base::EqualsIgnoreAsciiCase(name, key)) {
      return &value;
    }
  }
  return nullptr;
}

std::string StringOf(const json::object& o, std::string_view key) {
  const json::value* v = FindKey(o, key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// The array at `key`, or an empty one.
json::array ArrayOf(const json::object& o, std::string_view key) {
  const json::value* v = FindKey(o, key);
  return v != nullptr && v->is_array() ? v->as_array() : json::array();
}

std::vector<index::IdentityRef> IdentitiesOf(const json::object& set, std::string_view key) {
  std::vector<index::IdentityRef> identities;
  for (const json::value& entry : ArrayOf(set, key)) {
    if (!entry.is_object()) continue;
    const json::object& o = entry.as_object();
    identities.push_back(index::IdentityRef{.name = StringOf(o, "identity"),
                                            .type = StringOf(o, "identityType"),
                                            .provider = StringOf(o, "securityProvider")});
  }
  return identities;
}

// The item's permission model, from the canonical levels document::NormalizePermissions made
// of the pushed body before it was journaled.
std::vector<index::PermissionLevel> CollectPermissions(const json::object& body) {
  std::vector<index::PermissionLevel> levels;
  for (const json::value& level : ArrayOf(body, "permissions")) {
    if (!level.is_object()) continue;
    index::PermissionLevel out;
    for (const json::value& set : ArrayOf(level.as_object(), "permissionSets")) {
      if (!set.is_object()) continue;
      const json::object& o = set.as_object();
      const json::value* anonymous = FindKey(o, "allowAnonymous");
      out.sets.push_back(index::PermissionSet{
          .allow_anonymous = anonymous != nullptr && anonymous->is_bool() && anonymous->as_bool(),
          .allowed = IdentitiesOf(o, "allowedPermissions"),
          .denied = IdentitiesOf(o, "deniedPermissions")});
    }
    levels.push_back(std::move(out));
  }
  return levels;
}

// The kinds of the fields named in `metadata`: all the index needs of the catalog.
index::FieldKinds KindsOfMetadata(const index::FieldKinds& catalog,
                                  const index::Metadata& metadata) {
  index::FieldKinds kinds;
  for (const auto& [name, values] : metadata) {
    for (const auto& [field, kind] : catalog) {
      if (field == name) kinds.emplace_back(field, kind);
    }
  }
  return kinds;
}

// Pulls the container's bytes through the decompressor into the extractor.
base::Status FeedFromContainer(blob::BlobStore& blobs, const std::string& file_id,
                               codec::Decompressor& decompressor) {
  auto reader = blobs.Open(store::ContainerBlobKey(file_id));
  if (!reader.ok()) {
    if (reader.status().code() == base::StatusCode::kNotFound) {
      return base::NotFound("the content of file container '" + file_id + "' is gone");
    }
    return reader.status();
  }
  std::string buf(kReadChunkBytes, '\0');
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, (*reader)->Read(buf.data(), buf.size()));
    if (n == 0) return decompressor.Finish();
    SLUICE_RETURN_IF_ERROR(decompressor.Write(std::string_view(buf.data(), n)));
  }
}

// The fields extraction found (a PDF's author, an e-mail's sender), unless the push set them:
// what the connector says about its item wins.
bool HasField(const index::Metadata& metadata, std::string_view name) {
  return std::any_of(metadata.begin(), metadata.end(),
                     [name](const auto& field) { return field.first == name; });
}

void AddExtractedFields(extract::ExtractedFields fields, index::Metadata& metadata) {
  for (auto& field : fields) {
    if (!HasField(metadata, field.first)) {
      metadata.emplace_back(std::move(field.first), std::move(field.second));
    }
  }
}

// The language of the item's text as the `language` field, unless the push set one.
void AddLanguage(const extract::LanguageDetector* language, index::IndexDocument& doc) {
  if (language == nullptr || HasField(doc.metadata, "language")) return;
  if (std::optional<std::string> found = language->Detect(doc.body)) {
    doc.metadata.emplace_back("language", std::vector{*found});
  }
}

// Adds `children` (found inside `parent`) and everything inside them to `out`, each after
// what it holds.
void AddChildren(const index::IndexDocument& parent, std::vector<extract::ExtractedChild>& children,
                 const index::FieldKinds& field_kinds, const extract::LanguageDetector* language,
                 ProcessedItem& out) {
  for (size_t i = 0; i < children.size(); ++i) {
    extract::ExtractedChild& child = children[i];
    index::IndexDocument doc;
    doc.uri = ChildUri(parent.uri, i + 1);
    doc.source_id = parent.source_id;
    doc.source_name = parent.source_name;
    doc.title = !child.text.title.empty() ? std::move(child.text.title)
                : !child.name.empty()     ? child.name
                                          : "";
    doc.body = std::move(child.text.body);
    doc.file_type = std::move(child.text.file_type);
    doc.size = child.size;
    doc.date_ms = parent.date_ms;
    doc.indexed_ms = parent.indexed_ms;
    doc.ordering_id = parent.ordering_id;
    doc.permissions = parent.permissions;
    doc.metadata.emplace_back("parentid", std::vector{parent.uri});
    if (!child.name.empty()) doc.metadata.emplace_back("filename", std::vector{child.name});
    AddExtractedFields(std::move(child.text.fields), doc.metadata);
    AddLanguage(language, doc);
    doc.field_kinds = KindsOfMetadata(field_kinds, doc.metadata);
    for (std::string& warning : child.text.warnings) {
      out.warnings.push_back(doc.uri + ": " + std::move(warning));
    }
    AddChildren(doc, child.text.children, field_kinds, language, out);
    out.children.push_back(std::move(doc));
  }
}

}  // namespace

std::string ChildUri(const std::string& parent_uri, size_t n) {
  return parent_uri + "/attachment-" + std::to_string(n);
}

bool IsChildUri(const std::string& parent_uri, const std::string& uri) {
  return uri.size() > parent_uri.size() + 1 && uri.starts_with(parent_uri) &&
         std::string_view(uri).substr(parent_uri.size()).starts_with("/attachment-");
}

index::FieldKinds FieldKindCache::Get(const std::string& organization_id) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  Entry& entry = entries_[organization_id];
  const uint64_t version = store_.FieldCatalogVersion();
  if (entry.read_ms != 0 && entry.version == version && now - entry.read_ms < kFieldKindsMaxAgeMs &&
      now >= entry.read_ms) {
    return entry.kinds;
  }
  entry.version = version;
  auto fields = store_.ListFields(organization_id);
  if (!fields.ok()) {
    // The item is still indexed, its metadata as text; the next read may work again.
    std::fprintf(stderr, "pipeline: read field catalog of %s: %s\n", organization_id.c_str(),
                 fields.status().ToString().c_str());
    return entry.kinds;
  }
  entry.kinds.clear();
  for (const store::Field& field : *fields) {
    const index::FieldKind kind = index::FieldKindFromType(field.type);
    if (index::IsNumericKind(kind)) entry.kinds.emplace_back(field.name, kind);
  }
  entry.read_ms = now;
  return entry.kinds;
}

std::optional<std::string> ReferencedFileId(const store::Operation& op) {
  json::error_code ec;
  json::value parsed = json::parse(op.payload, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  std::string id = StringField(parsed.as_object(), "compressedbinarydatafileid");
  if (id.empty()) return std::nullopt;
  return id;
}

base::Result<ProcessedItem> ProcessAdd(const store::Operation& op, const std::string& source_name,
                                       const index::FieldKinds& field_kinds, blob::BlobStore& blobs,
                                       const ProcessingLimits& limits, int64_t now_ms,
                                       const extract::LanguageDetector* language) {
  json::error_code ec;
  json::value parsed = json::parse(op.payload, ec);
  if (ec || !parsed.is_object()) return base::DataLoss("journaled body is not a JSON object");
  const json::object& body = parsed.as_object();

  ProcessedItem out;
  std::string file_id = StringField(body, "compressedbinarydatafileid");
  bool has_binary = !file_id.empty() || body.contains("compressedbinarydata");
  bool has_data = body.contains("data");
  std::string extension = StringField(body, "fileextension");
  if (extension.empty() && has_data && !has_binary) extension = ".txt";
  out.operation = file_id.empty() ? "ADD" : "ADD_BY_REFERENCE";
  if (!file_id.empty()) out.file_id = file_id;

  index::IndexDocument& doc = out.document;
  extract::ExtractedText text;
  if (has_binary || has_data) {
    const auto started = std::chrono::steady_clock::now();
    extract::ExtractOptions options = limits.extraction;
    options.sniff = has_binary;  // a `data` string is text whatever it holds
    SLUICE_ASSIGN_OR_RETURN(auto extractor, extract::MakeExtractor(extension, options));
    auto sink = [&](std::string_view chunk) { return extractor->Write(chunk); };
    if (has_binary) {
      SLUICE_ASSIGN_OR_RETURN(codec::Compression compression,
                              codec::ParseCompression(StringField(body, "compressiontype")));
      auto decompressor = codec::MakeDecompressor(compression, limits.max_decompressed_bytes, sink);
      if (!file_id.empty()) {
        SLUICE_RETURN_IF_ERROR(FeedFromContainer(blobs, file_id, *decompressor));
      } else {
        SLUICE_ASSIGN_OR_RETURN(
            std::string raw, codec::DecodeBase64Strict(StringField(body, "compressedbinarydata")));
        SLUICE_RETURN_IF_ERROR(decompressor->Write(raw));
        SLUICE_RETURN_IF_ERROR(decompressor->Finish());
      }
      doc.size = decompressor->bytes_out();
      out.compressed_bytes = decompressor->bytes_in();
    } else {
      std::string data = StringField(body, "data");
      SLUICE_RETURN_IF_ERROR(extractor->Write(data));
      doc.size = data.size();
    }
    SLUICE_ASSIGN_OR_RETURN(text, extractor->Finish());
    out.extract_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    doc.title = std::move(text.title);
    doc.body = std::move(text.body);
    doc.file_type = std::move(text.file_type);
  } else if (!extension.empty()) {
    doc.file_type = extension.substr(1);
  }

  doc.uri = op.document_id;
  doc.source_id = op.source_id;
  doc.source_name = source_name;
  if (std::string title = StringField(body, "title"); !title.empty()) doc.title = std::move(title);
  doc.click_uri = StringField(body, "clickableuri");
  doc.permanent_id = StringField(body, "permanentid");
  doc.date_ms = op.received_ms;
  doc.indexed_ms = now_ms;
  doc.ordering_id = op.ordering_id;
  doc.metadata = CollectMetadata(body);
  AddExtractedFields(std::move(text.fields), doc.metadata);
  AddLanguage(language, doc);
  doc.permissions = CollectPermissions(body);
  doc.field_kinds = KindsOfMetadata(field_kinds, doc.metadata);
  out.warnings = std::move(text.warnings);
  AddChildren(doc, text.children, field_kinds, language, out);
  return out;
}

}  // namespace sluice::pipeline
