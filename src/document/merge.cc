#include "document/merge.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::document {
namespace {

namespace json = boost::json;

constexpr std::string_view kContentKeys[] = {"data", "compressedbinarydata",
                                             "compressedbinarydatafileid", "compressiontype"};

base::Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return base::InvalidArgument(std::string(what) + " is not a JSON object");
  }
  return std::move(v.as_object());
}

bool HasContent(const json::object& o) {
  return o.contains("data") || o.contains("compressedbinarydata") ||
         o.contains("compressedbinarydatafileid");
}

}  // namespace

base::Result<std::string> MergeBodies(std::string_view base, std::string_view update) {
  SLUICE_ASSIGN_OR_RETURN(json::object merged, ParseObject(base, "the item's current body"));
  SLUICE_ASSIGN_OR_RETURN(json::object changes, ParseObject(update, "the merge body"));
  if (HasContent(changes)) {
    for (std::string_view key : kContentKeys) merged.erase(key);
  } else {
    changes.erase("compressiontype");  // a default filled in by validation, not a change
  }
  for (auto& [key, value] : changes) merged[key] = std::move(value);
  return json::serialize(merged);
}

}  // namespace sluice::document
