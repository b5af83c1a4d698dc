// Security identity bodies (push/identity_body.h), as PUT .../permissions,
// PUT .../mappings, DELETE .../permissions and PUT .../permissions/batch read
// them: the bytes through ParseCaseInsensitiveJson, then ParseIdentityBody for
// each of the three kinds and ParseIdentityBatch.
// Properties: an accepted identity has a name, a canonical type (USER, GROUP,
// VIRTUAL_GROUP or UNKNOWN), alias/disabled set by its kind, and a stored body
// that is a JSON object; the canonical form is a fixed point (pushed again, it
// is stored unchanged); an accepted batch holds one identity per entry.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "document/json_body.h"
#include "push/identity_body.h"

namespace {

namespace json = boost::json;
using sluice::push::IdentityBodyKind;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "identity_body: property violated: %s\n", what);
  std::abort();
}

void CheckKind(const json::value& body, IdentityBodyKind kind) {
  auto identity = sluice::push::ParseIdentityBody(body, kind);
  if (!identity.ok()) {
    Check(identity.status().code() == sluice::base::StatusCode::kInvalidArgument,
          "a refusal is not InvalidArgument");
    return;
  }
  Check(!identity->name.empty(), "an identity without a name");
  Check(identity->type == "USER" || identity->type == "GROUP" ||
            identity->type == "VIRTUAL_GROUP" || identity->type == "UNKNOWN",
        "a type that is not canonical");
  Check(identity->alias == (kind == IdentityBodyKind::kMapped), "alias does not follow the kind");
  Check(identity->disabled == (kind == IdentityBodyKind::kDeleted),
        "disabled does not follow the kind");
  auto stored = sluice::document::ParseCaseInsensitiveJson(identity->body_json);
  Check(stored.ok() && stored->is_object(), "the stored body is not a JSON object");

  // The canonical form, pushed again.
  json::object again;
  json::object& inner = again["identity"].emplace_object();
  inner["name"] = identity->name;
  inner["type"] = identity->type;
  inner["additionalInfo"] = stored->as_object().at("additionalinfo");
  for (const char* key : {"wellknowns", "members", "mappings"}) {
    if (const json::value* list = stored->as_object().if_contains(key)) again[key] = *list;
  }
  auto reparsed = sluice::document::ParseCaseInsensitiveJson(json::serialize(again));
  Check(reparsed.ok(), "the canonical form is not JSON");
  auto second = sluice::push::ParseIdentityBody(*reparsed, kind);
  Check(second.ok(), "the canonical form is refused");
  Check(second->name == identity->name && second->type == identity->type &&
            second->body_json == identity->body_json,
        "the canonical form is stored differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = sluice::document::ParseCaseInsensitiveJson(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return 0;
  for (IdentityBodyKind kind :
       {IdentityBodyKind::kMembers, IdentityBodyKind::kMapped, IdentityBodyKind::kDeleted}) {
    CheckKind(*parsed, kind);
  }
  auto batch = sluice::push::ParseIdentityBatch(*parsed);
  if (batch.ok()) {
    size_t entries = 0;
    for (const char* key : {"members", "mappings", "deleted"}) {
      const json::value* list = parsed->as_object().if_contains(key);
      if (list != nullptr && list->is_array()) entries += list->as_array().size();
    }
    Check(batch->size() == entries, "a batch does not hold one identity per entry");
  }
  return 0;
}
