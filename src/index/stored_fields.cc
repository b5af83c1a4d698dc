#include "index/stored_fields.h"

#include <cstdint>
#include <utility>

#include <boost/json.hpp>

#include "index/digest.h"
#include "index/text.h"

namespace sluice::index {
namespace {

namespace json = boost::json;

// Bumped when the layout changes, so a reader can tell an index that needs `sluice reindex`.
constexpr int64_t kStoredFieldsVersion = 1;

json::array EncodeMetadata(const Metadata& metadata) {
  json::array out;
  out.reserve(metadata.size());
  for (const auto& [name, values] : metadata) {
    json::array json_values;
    json_values.reserve(values.size());
    for (const std::string& value : values) json_values.emplace_back(value);
    json::array pair;
    pair.emplace_back(name);
    pair.emplace_back(std::move(json_values));
    out.emplace_back(std::move(pair));
  }
  return out;
}

// Reads fields out of the stored object, remembering the first one that is missing or of the
// wrong type so that the caller reports a single, precise error.
class FieldReader {
 public:
  explicit FieldReader(const json::object& object) : object_(object) {}

  void String(std::string_view key, std::string* out) {
    const json::value* value = object_.if_contains(key);
    const json::string* text = value != nullptr ? value->if_string() : nullptr;
    if (text == nullptr) return Fail(key, "a string");
    out->assign(text->data(), text->size());
  }

  template <typename Number>
  void Integer(std::string_view key, Number* out) {
    const json::value* value = object_.if_contains(key);
    if (value == nullptr) return Fail(key, "a number");
    boost::system::error_code ec;
    Number number = value->to_number<Number>(ec);
    if (ec) return Fail(key, "an integer in range");
    *out = number;
  }

  void Bool(std::string_view key, bool* out) {
    const json::value* value = object_.if_contains(key);
    const bool* flag = value != nullptr ? value->if_bool() : nullptr;
    if (flag == nullptr) return Fail(key, "a boolean");
    *out = *flag;
  }

  void MetadataList(std::string_view key, Metadata* out) {
    const json::value* value = object_.if_contains(key);
    const json::array* entries = value != nullptr ? value->if_array() : nullptr;
    if (entries == nullptr) return Fail(key, "an array");
    for (const json::value& entry : *entries) {
      const json::array* pair = entry.if_array();
      if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
          !(*pair)[1].is_array()) {
        return Fail(key, "an array of [name, [values]] pairs");
      }
      std::vector<std::string> values;
      for (const json::value& item : (*pair)[1].get_array()) {
        if (!item.is_string()) return Fail(key, "string values");
        values.emplace_back(item.get_string());
      }
      out->emplace_back(std::string((*pair)[0].get_string()), std::move(values));
    }
  }

  base::Status status() const { return status_; }

 private:
  void Fail(std::string_view key, std::string_view expected) {
    if (!status_.ok()) return;
    status_ = base::DataLoss("stored document data: field \"" + std::string(key) +
                             "\" is missing or not " + std::string(expected) +
                             "; rebuild the index with `sluice reindex`");
  }

  const json::object& object_;
  base::Status status_;
};

}  // namespace

std::string EncodeStoredFields(const IndexDocument& document, size_t body_max_bytes) {
  bool body_truncated = false;
  std::string body = ValidUtf8Prefix(document.body, body_max_bytes, &body_truncated);
  json::object object;
  object["v"] = kStoredFieldsVersion;
  object["uri"] = document.uri;
  object["source_id"] = document.source_id;
  object["source_name"] = document.source_name;
  object["title"] = document.title;
  object["file_type"] = document.file_type;
  object["click_uri"] = document.click_uri.empty() ? document.uri : document.click_uri;
  object["permanent_id"] =
      document.permanent_id.empty() ? Sha256Hex(document.uri) : document.permanent_id;
  object["size"] = document.size;
  object["date_ms"] = document.date_ms;
  object["indexed_ms"] = document.indexed_ms;
  object["ordering_id"] = document.ordering_id;
  object["metadata"] = EncodeMetadata(document.metadata);
  object["body"] = body;  // json::value copies either way
  object["body_truncated"] = body_truncated;
  return json::serialize(object);
}

base::Result<StoredItem> DecodeStoredFields(std::string_view data) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;  // uris and metadata are stored byte for byte
  boost::system::error_code ec;
  json::value value = json::parse(data, ec, json::storage_ptr(), options);
  if (ec) {
    return base::DataLoss("stored document data is not JSON (" + ec.message() +
                          "); rebuild the index with `sluice reindex`");
  }
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return base::DataLoss("stored document data is not a JSON object; rebuild the index");
  }
  int64_t version = 0;
  StoredItem item;
  SearchHit& hit = item.fields;
  FieldReader reader(*object);
  reader.Integer("v", &version);
  reader.String("uri", &hit.uri);
  reader.String("source_id", &hit.source_id);
  reader.String("source_name", &hit.source_name);
  reader.String("title", &hit.title);
  reader.String("file_type", &hit.file_type);
  reader.String("click_uri", &hit.click_uri);
  reader.String("permanent_id", &hit.permanent_id);
  reader.Integer("size", &hit.size);
  reader.Integer("date_ms", &hit.date_ms);
  reader.Integer("indexed_ms", &hit.indexed_ms);
  reader.Integer("ordering_id", &hit.ordering_id);
  reader.MetadataList("metadata", &hit.metadata);
  reader.String("body", &item.body);
  reader.Bool("body_truncated", &item.body_truncated);
  SLUICE_RETURN_IF_ERROR(reader.status());
  if (version != kStoredFieldsVersion) {
    return base::DataLoss("stored document data has layout version " + std::to_string(version) +
                          ", this Sluice reads version " + std::to_string(kStoredFieldsVersion) +
                          "; rebuild the index with `sluice reindex`");
  }
  if (hit.title.empty()) hit.title = hit.uri;
  return item;
}

}  // namespace sluice::index
