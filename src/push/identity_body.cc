#include "push/identity_body.h"

#include <cctype>
#include <string>

#include <boost/json/serialize.hpp>

namespace sluice::push {
namespace {

namespace json = boost::json;

base::Result<std::string> CanonicalType(const json::value* v, const std::string& where) {
  if (v == nullptr || v->is_null()) return std::string("UNKNOWN");
  if (!v->is_string()) return base::InvalidArgument(where + ".type must be a string");
  std::string folded;
  for (char c : v->as_string()) {
    if (c != '_') folded += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (folded == "USER" || folded == "GROUP" || folded == "UNKNOWN") return folded;
  if (folded == "VIRTUALGROUP") return std::string("VIRTUAL_GROUP");
  return base::InvalidArgument(where +
                               ".type must be USER, GROUP, VIRTUAL_GROUP or UNKNOWN (got '" +
                               std::string(v->as_string()) + "')");
}

// {"name", "type", "additionalInfo"} (plus "provider" for a mapping).
base::Result<json::object> CanonicalIdentity(const json::value& v, const std::string& where,
                                             bool mapping = false) {
  if (!v.is_object()) return base::InvalidArgument(where + " must be an identity object");
  const json::object& o = v.as_object();
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return base::InvalidArgument(where + ".name must be a non-empty string");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string type, CanonicalType(o.if_contains("type"), where));
  json::object info;
  if (const json::value* extra = o.if_contains("additionalinfo");
      extra != nullptr && !extra->is_null()) {
    if (!extra->is_object()) {
      return base::InvalidArgument(where + ".additionalInfo must be an object of strings");
    }
    for (const auto& [key, value] : extra->as_object()) {
      if (!value.is_string()) {
        return base::InvalidArgument(where + ".additionalInfo." + std::string(key) +
                                     " must be a string");
      }
      info[key] = value;
    }
  }
  json::object out{{"name", name->as_string()}, {"type", type}, {"additionalInfo", info}};
  if (const json::value* provider = o.if_contains("provider");
      mapping && provider != nullptr && !provider->is_null()) {
    if (!provider->is_string()) return base::InvalidArgument(where + ".provider must be a string");
    out["provider"] = provider->as_string();
  }
  return out;
}

base::Result<json::array> CanonicalList(const json::object& o, std::string_view key,
                                        const std::string& where, bool mapping = false) {
  json::array out;
  const json::value* list = o.if_contains(key);
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array())
    return base::InvalidArgument(where + "." + std::string(key) + " must be an array");
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        json::object identity,
        CanonicalIdentity(list->as_array()[i],
                          where + "." + std::string(key) + "[" + std::to_string(i) + "]", mapping));
    out.push_back(std::move(identity));
  }
  return out;
}

}  // namespace

base::Result<store::SecurityIdentity> ParseIdentityBody(const json::value& body,
                                                        IdentityBodyKind kind,
                                                        const std::string& where) {
  if (!body.is_object()) return base::InvalidArgument(where + " must be a JSON object");
  const json::object& o = body.as_object();
  const json::value* identity = o.if_contains("identity");
  // A bare Identity is the legacy form of a delete.
  if (identity == nullptr && kind == IdentityBodyKind::kDeleted && o.contains("name")) {
    identity = &body;
  }
  if (identity == nullptr) return base::InvalidArgument(where + ".identity is missing");
  SLUICE_ASSIGN_OR_RETURN(json::object canonical,
                          CanonicalIdentity(*identity, where + ".identity"));

  store::SecurityIdentity out;
  out.name = std::string(canonical.at("name").as_string());
  out.type = std::string(canonical.at("type").as_string());
  out.alias = kind == IdentityBodyKind::kMapped;
  out.disabled = kind == IdentityBodyKind::kDeleted;
  json::object stored{{"additionalInfo", canonical.at("additionalInfo")}};
  if (kind != IdentityBodyKind::kDeleted) {
    SLUICE_ASSIGN_OR_RETURN(json::array well_knowns, CanonicalList(o, "wellknowns", where));
    stored["wellKnowns"] = std::move(well_knowns);
  }
  if (kind == IdentityBodyKind::kMembers) {
    SLUICE_ASSIGN_OR_RETURN(json::array members, CanonicalList(o, "members", where));
    stored["members"] = std::move(members);
  }
  if (kind == IdentityBodyKind::kMapped) {
    SLUICE_ASSIGN_OR_RETURN(json::array mappings, CanonicalList(o, "mappings", where, true));
    stored["mappings"] = std::move(mappings);
  }
  out.body_json = json::serialize(stored);
  return out;
}

base::Result<std::vector<store::SecurityIdentity>> ParseIdentityBatch(const json::value& batch) {
  if (!batch.is_object()) {
    return base::InvalidArgument(
        "a security identity batch must be a JSON object with 'members', 'mappings' and "
        "'deleted' arrays");
  }
  std::vector<store::SecurityIdentity> out;
  for (auto [key, name, kind] : {std::tuple{"members", "members", IdentityBodyKind::kMembers},
                                 std::tuple{"mappings", "mappings", IdentityBodyKind::kMapped},
                                 std::tuple{"deleted", "deleted", IdentityBodyKind::kDeleted}}) {
    const json::value* list = batch.as_object().if_contains(key);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array())
      return base::InvalidArgument(std::string("'") + name + "' must be an array");
    for (size_t i = 0; i < list->as_array().size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(store::SecurityIdentity identity,
                              ParseIdentityBody(list->as_array()[i], kind,
                                                std::string(name) + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(identity));
    }
  }
  return out;
}

}  // namespace sluice::push
