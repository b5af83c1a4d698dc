#include "document/permissions.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/json/object.hpp>

namespace sluice::document {
namespace {

namespace json = boost::json;

// A single object where an array belongs counts as a one-element array (a legacy quirk).
json::array AsArray(const json::value& v) {
  if (v.is_array()) return v.as_array();
  if (v.is_null()) return {};
  return json::array{v};
}

base::Result<std::string> CanonicalIdentityType(const json::value& v, const std::string& where) {
  if (v.is_null()) return std::string("Unknown");
  if (!v.is_string()) return base::InvalidArgument(where + ".identityType must be a string");
  std::string folded;
  for (char c : v.as_string()) {
    if (c != '_') folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (folded == "user") return std::string("User");
  if (folded == "group") return std::string("Group");
  if (folded == "virtualgroup") return std::string("VirtualGroup");
  if (folded == "unknown") return std::string("Unknown");
  return base::InvalidArgument(where +
                               ".identityType must be User, Group, VirtualGroup or "
                               "Unknown (got '" +
                               std::string(v.as_string()) + "')");
}

const json::value* Find(const json::object& o, std::string_view key, std::string_view legacy) {
  if (const json::value* v = o.if_contains(key)) return v;
  return legacy.empty() ? nullptr : o.if_contains(legacy);
}

base::Result<json::object> CanonicalIdentity(const json::value& v, const std::string& where) {
  if (!v.is_object()) return base::InvalidArgument(where + " must be an object");
  const json::object& o = v.as_object();
  const json::value* identity = Find(o, "identity", "name");
  if (identity == nullptr || !identity->is_string() || identity->as_string().empty()) {
    return base::InvalidArgument(where + ".identity must be a non-empty string");
  }
  const json::value* type = Find(o, "identitytype", "type");
  SLUICE_ASSIGN_OR_RETURN(std::string canonical_type,
                          CanonicalIdentityType(type ? *type : json::value(), where));
  json::object out{{"identity", identity->as_string()}, {"identityType", canonical_type}};
  if (const json::value* provider = o.if_contains("securityprovider");
      provider != nullptr && !provider->is_null()) {
    if (!provider->is_string())
      return base::InvalidArgument(where + ".securityProvider must be a string");
    out["securityProvider"] = provider->as_string();
  }
  return out;
}

base::Result<json::object> CanonicalSet(const json::value& v, const std::string& where,
                                        uint64_t& count) {
  if (!v.is_object()) return base::InvalidArgument(where + " must be a permission set object");
  const json::object& o = v.as_object();
  bool anonymous = false;
  if (const json::value* a = o.if_contains("allowanonymous"); a != nullptr && !a->is_null()) {
    if (!a->is_bool())
      return base::InvalidArgument(where + ".allowAnonymous must be true or false");
    anonymous = a->as_bool();
  }
  json::object out{{"allowAnonymous", anonymous}};
  for (auto [key, name] : {std::pair{"allowedpermissions", "allowedPermissions"},
                           std::pair{"deniedpermissions", "deniedPermissions"}}) {
    json::array identities;
    const json::value* list = o.if_contains(key);
    json::array entries = list ? AsArray(*list) : json::array{};
    for (size_t i = 0; i < entries.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(
          json::object identity,
          CanonicalIdentity(entries[i], where + "." + name + "[" + std::to_string(i) + "]"));
      identities.push_back(std::move(identity));
    }
    count += identities.size();
    out[name] = std::move(identities);
  }
  return out;
}

base::Result<json::array> CanonicalSets(const json::array& sets, const std::string& where,
                                        uint64_t& count) {
  json::array out;
  for (size_t i = 0; i < sets.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(json::object set,
                            CanonicalSet(sets[i], where + "[" + std::to_string(i) + "]", count));
    out.push_back(std::move(set));
  }
  return out;
}

bool IsLevel(const json::value& v) {
  return v.is_object() && v.as_object().contains("permissionsets");
}

}  // namespace

base::Result<Permissions> NormalizePermissions(const json::value& permissions) {
  json::array entries = AsArray(permissions);
  Permissions out;
  if (entries.empty()) return out;
  bool levels = IsLevel(entries.front());
  if (std::any_of(entries.begin(), entries.end(),
                  [&](const json::value& e) { return IsLevel(e) != levels; })) {
    return base::InvalidArgument(
        "'permissions' mixes permission sets and permission levels; use one model");
  }
  if (!levels) {
    SLUICE_ASSIGN_OR_RETURN(json::array sets, CanonicalSets(entries, "permissions", out.count));
    out.levels.push_back(json::object{{"name", "Level 1"}, {"permissionSets", std::move(sets)}});
    return out;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string where = "permissions[" + std::to_string(i) + "]";
    const json::object& level = entries[i].as_object();
    std::string name = "Level " + std::to_string(i + 1);
    if (const json::value* n = level.if_contains("name"); n != nullptr && !n->is_null()) {
      if (!n->is_string()) return base::InvalidArgument(where + ".name must be a string");
      name = std::string(n->as_string());
    }
    SLUICE_ASSIGN_OR_RETURN(json::array sets, CanonicalSets(AsArray(level.at("permissionsets")),
                                                            where + ".permissionSets", out.count));
    out.levels.push_back(json::object{{"name", name}, {"permissionSets", std::move(sets)}});
  }
  return out;
}

}  // namespace sluice::document
