#include "client/json_files.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"

namespace sluice::client {
namespace {

namespace json = boost::json;

// Takes the documentId (or uri) out of `doc` and puts it back first, as "documentId".
base::Result<JsonFileEntry> Normalize(json::value& value, std::string_view where) {
  if (!value.is_object()) return base::InvalidArgument(std::string(where) + " is not an object");
  json::object& doc = value.as_object();
  std::string id;
  for (auto it = doc.begin(); it != doc.end();) {
    const std::string key = base::AsciiLower(it->key());
    if (key != "documentid" && key != "uri") {
      ++it;
      continue;
    }
    if (!it->value().is_string() || it->value().as_string().empty()) {
      return base::InvalidArgument(std::string(where) + ": '" + std::string(it->key()) +
                                   "' must be a non-empty string");
    }
    if (id.empty() || key == "documentid") id = it->value().as_string();
    it = doc.stable_erase(it);  // keeps the other keys in the file's order
  }
  if (id.empty()) return base::InvalidArgument(std::string(where) + " has no documentId");
  json::object out;
  out.reserve(doc.size() + 1);
  out["documentId"] = id;
  for (auto& [key, v] : doc) out[key] = std::move(v);
  return JsonFileEntry{id, json::serialize(out)};
}

base::Status AddAll(json::value& list, std::string_view name, std::vector<JsonFileEntry>& out) {
  if (list.is_null()) return base::Status::Ok();
  if (!list.is_array()) return base::InvalidArgument("'" + std::string(name) + "' is not an array");
  size_t index = 0;
  for (auto& doc : list.as_array()) {
    SLUICE_ASSIGN_OR_RETURN(auto entry,
                            Normalize(doc, std::string(name) + "[" + std::to_string(index) + "]"));
    out.push_back(std::move(entry));
    ++index;
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<JsonFileEntries> ReadPushJson(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return base::InvalidArgument("is not valid JSON: " + ec.message());
  JsonFileEntries out;
  if (root.is_array()) {
    SLUICE_RETURN_IF_ERROR(AddAll(root, "document", out.adds));
    return out;
  }
  if (!root.is_object()) return base::InvalidArgument("holds neither a document nor an array");
  json::object& object = root.as_object();
  json::value* adds = nullptr;
  json::value* deletes = nullptr;
  for (auto& [key, value] : object) {
    const std::string lower = base::AsciiLower(key);
    if (lower == "addorupdate") adds = &value;
    if (lower == "delete") deletes = &value;
  }
  if (adds == nullptr && deletes == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(auto entry, Normalize(root, "the document"));
    out.adds.push_back(std::move(entry));
    return out;
  }
  if (adds != nullptr) SLUICE_RETURN_IF_ERROR(AddAll(*adds, "addOrUpdate", out.adds));
  if (deletes != nullptr) SLUICE_RETURN_IF_ERROR(AddAll(*deletes, "delete", out.deletes));
  return out;
}

}  // namespace sluice::client
