#include "platform/fields.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/ascii.h"
#include "push/params.h"

namespace sluice::platform {
namespace {

namespace json = boost::json;

constexpr std::string_view kFieldTypes[] = {"STRING", "LONG", "LONG_64",
                                            "DOUBLE", "DATE", "VECTOR"};
constexpr size_t kMaxFieldNameLength = 255;

// The FieldModel members kept in their own columns; every other member goes to options_json.
constexpr std::string_view kColumnMembers[] = {"name",
                                               "type",
                                               "facet",
                                               "multiValueFacet",
                                               "sort",
                                               "includeInQuery",
                                               "includeInResults",
                                               "mergeWithLexicon",
                                               "description",
                                               "label",
                                               "system"};

// The fields every Coveo index has, as the Push clients expect to find them (the Node
// client requires permanentid to be a STRING field).
struct SystemFieldSpec {
  std::string_view name;
  std::string_view type;
  bool facet;
  std::string_view description;
};
constexpr SystemFieldSpec kSystemFields[] = {
    {"author", "STRING", true, "The author of the item."},
    {"clickableuri", "STRING", false, "The URI that opens the item."},
    {"collection", "STRING", true, "The collection of the item's source."},
    {"date", "DATE", true, "The date of the item."},
    {"filetype", "STRING", true, "The file type of the item."},
    {"indexeddate", "DATE", true, "When the item was indexed."},
    {"language", "STRING", true, "The language of the item."},
    {"permanentid", "STRING", false, "The permanent id of the item."},
    {"printableuri", "STRING", false, "The URI shown to people."},
    {"size", "LONG", true, "The size of the item in bytes."},
    {"source", "STRING", true, "The name of the item's source."},
    {"sourcetype", "STRING", true, "The type of the item's source."},
    {"title", "STRING", false, "The title of the item."},
    {"uri", "STRING", false, "The URI of the item."},
    {"urihash", "STRING", false, "A hash of the item's URI."},
};

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// A member that may be absent or null; InvalidArgument when it has another type.
base::Result<std::optional<std::string>> OptionalString(const json::object& obj,
                                                        std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) {
    return base::InvalidArgument(Quoted(key) + " must be a string (got " +
                                 std::string(KindName(*v)) + ")");
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

base::Status ReadBool(const json::object& obj, std::string_view key, bool& out) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) return base::Status::Ok();
  if (!v->is_bool()) {
    return base::InvalidArgument(Quoted(key) + " must be true or false (got " +
                                 std::string(KindName(*v)) + ")");
  }
  out = v->as_bool();
  return base::Status::Ok();
}

}  // namespace

namespace {

base::Result<uint32_t> JsonCount(const json::object& obj, std::string_view name, uint32_t fallback,
                                 uint32_t min, uint32_t max) {
  const json::value* v = obj.if_contains(name);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_int64() && !v->is_uint64()) {
    return base::InvalidArgument("Parameter " + Quoted(name) + " must be an integer within " +
                                 std::to_string(min) + ".." + std::to_string(max) + " (got " +
                                 json::serialize(*v) + ").");
  }
  return push::ParseCountParameter(name, json::serialize(*v), min, max);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

base::Status SetOrder(std::string_view raw, FieldListing& listing) {
  std::string order = Upper(raw);
  if (order != "ASC" && order != "DESC") {
    return base::InvalidArgument("Parameter 'order' must be ASC or DESC (got " + Quoted(raw) +
                                 ").");
  }
  listing.descending = order == "DESC";
  return base::Status::Ok();
}

base::Status CheckSortBy(std::string_view raw) {
  if (base::AsciiLower(raw) != "name") {
    return base::InvalidArgument(
        "Parameter 'sortBy' must be 'name', the only order Sluice lists "
        "fields in (got " +
        Quoted(raw) + ").");
  }
  return base::Status::Ok();
}

base::Status SetType(std::string_view raw, FieldListing& listing) {
  std::string type = Upper(raw);
  if (type != "ALL" && !IsFieldType(type)) {
    return base::InvalidArgument(
        "Parameter 'type' must be ALL, STRING, LONG, LONG_64, DOUBLE, DATE or VECTOR (got " +
        Quoted(raw) + ").");
  }
  listing.type = type == "ALL" ? "" : type;
  return base::Status::Ok();
}

base::Status SetOrigin(std::string_view raw, FieldListing& listing) {
  std::string origin = Upper(raw);
  if (origin == "ALL") {
    listing.origin = FieldOrigin::kAll;
  } else if (origin == "USER") {
    listing.origin = FieldOrigin::kUser;
  } else if (origin == "SYSTEM") {
    listing.origin = FieldOrigin::kSystem;
  } else {
    return base::InvalidArgument("Parameter 'origin' must be ALL, USER or SYSTEM (got " +
                                 Quoted(raw) + ").");
  }
  return base::Status::Ok();
}

base::Result<FlagFilter> ParseFlagFilter(std::string_view name, std::string_view raw) {
  std::string value = Upper(raw);
  if (value == "ALL") return FlagFilter::kAll;
  if (value == "TRUE_ONLY") return FlagFilter::kTrueOnly;
  if (value == "FALSE_ONLY") return FlagFilter::kFalseOnly;
  return base::InvalidArgument("Filter " + Quoted(name) +
                               " must be ALL, TRUE_ONLY or FALSE_ONLY (got " + Quoted(raw) + ").");
}

bool PassesFlag(FlagFilter filter, bool value) {
  return filter == FlagFilter::kAll || (filter == FlagFilter::kTrueOnly) == value;
}

bool Passes(const store::Field& f, const FieldListing& l) {
  bool system = IsSystemField(f.name);
  if (l.origin == FieldOrigin::kUser && system) return false;
  if (l.origin == FieldOrigin::kSystem && !system) return false;
  if (!l.type.empty() && f.type != l.type) return false;
  if (!l.name_contains.empty() &&
      base::AsciiLower(f.name).find(base::AsciiLower(l.name_contains)) == std::string::npos) {
    return false;
  }
  if (!l.names.empty() && std::find(l.names.begin(), l.names.end(), f.name) == l.names.end()) {
    return false;
  }
  return PassesFlag(l.facet, f.facet) && PassesFlag(l.sort, f.sort);
}

base::Status ReadFilters(const json::object& filters, FieldListing& listing) {
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(filters, "name"));
  if (name) listing.name_contains = *name;
  SLUICE_ASSIGN_OR_RETURN(auto type, OptionalString(filters, "type"));
  if (type) SLUICE_RETURN_IF_ERROR(SetType(*type, listing));
  SLUICE_ASSIGN_OR_RETURN(auto origin, OptionalString(filters, "origin"));
  if (origin) SLUICE_RETURN_IF_ERROR(SetOrigin(*origin, listing));
  SLUICE_ASSIGN_OR_RETURN(auto facet, OptionalString(filters, "facet"));
  if (facet) {
    SLUICE_ASSIGN_OR_RETURN(listing.facet, ParseFlagFilter("facet", *facet));
  }
  SLUICE_ASSIGN_OR_RETURN(auto sort, OptionalString(filters, "sort"));
  if (sort) {
    SLUICE_ASSIGN_OR_RETURN(listing.sort, ParseFlagFilter("sort", *sort));
  }
  // Sluice has neither projects nor the facet generator: say so rather than ignore the filter.
  SLUICE_ASSIGN_OR_RETURN(auto project, OptionalString(filters, "projectId"));
  if (project)
    return base::InvalidArgument("Filter 'projectId' is not supported: Sluice has no projects.");
  SLUICE_ASSIGN_OR_RETURN(auto candidate, OptionalString(filters, "automaticFacetsCandidate"));
  if (candidate && Upper(*candidate) != "ALL") {
    return base::InvalidArgument(
        "Filter 'automaticFacetsCandidate' is not supported: Sluice has no facet generator.");
  }
  if (const json::value* names = filters.if_contains("fieldNames"); names && !names->is_null()) {
    if (!names->is_array())
      return base::InvalidArgument("Filter 'fieldNames' must be an array of names.");
    for (const json::value& n : names->as_array()) {
      if (!n.is_string())
        return base::InvalidArgument("Filter 'fieldNames' must hold only strings.");
      listing.names.emplace_back(n.as_string());
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Status ValidateFieldName(std::string_view name) {
  auto valid_tail = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  bool valid = !name.empty() && name.size() <= kMaxFieldNameLength && name[0] >= 'a' &&
               name[0] <= 'z' && std::all_of(name.begin(), name.end(), valid_tail);
  if (!valid) {
    return base::InvalidArgument("field name " + Quoted(name) +
                                 " is invalid: it must match ^[a-z][a-z0-9_]{0,254}$ (lower-case "
                                 "letters, digits and '_', starting with a letter, at most 255)");
  }
  return base::Status::Ok();
}

bool IsFieldType(std::string_view type) {
  return std::find(std::begin(kFieldTypes), std::end(kFieldTypes), type) != std::end(kFieldTypes);
}

base::Result<store::Field> FieldFromJson(const json::value& model, std::string_view org,
                                         int64_t now_ms) {
  const json::object* obj = model.if_object();
  if (obj == nullptr) {
    return base::InvalidArgument("a field must be a JSON object (got " +
                                 std::string(KindName(model)) + ")");
  }
  store::Field f;
  f.organization_id = org;
  f.created_ms = now_ms;
  f.updated_ms = now_ms;
  SLUICE_ASSIGN_OR_RETURN(auto name, OptionalString(*obj, "name"));
  if (!name) return base::InvalidArgument("a field needs a 'name'");
  SLUICE_RETURN_IF_ERROR(ValidateFieldName(*name));
  f.name = *name;
  SLUICE_ASSIGN_OR_RETURN(auto type, OptionalString(*obj, "type"));
  if (type && !IsFieldType(*type)) {
    return base::InvalidArgument(
        "field " + Quoted(f.name) + " has type " + Quoted(*type) +
        "; the type must be STRING, LONG, LONG_64, DOUBLE, DATE or VECTOR");
  }
  if (type) f.type = *type;
  f.facet = f.sort = f.type != "STRING" && f.type != "VECTOR";
  for (auto [key, flag] : {std::pair{"facet", &f.facet},
                           {"multiValueFacet", &f.multi_value_facet},
                           {"sort", &f.sort},
                           {"includeInQuery", &f.include_in_query},
                           {"includeInResults", &f.include_in_results},
                           {"mergeWithLexicon", &f.merge_with_lexicon}}) {
    SLUICE_RETURN_IF_ERROR(ReadBool(*obj, key, *flag));
  }
  bool system = false;
  SLUICE_RETURN_IF_ERROR(ReadBool(*obj, "system", system));
  if (system) {
    return base::InvalidArgument("field " + Quoted(f.name) +
                                 ": 'system' cannot be set to true; system fields are built in");
  }
  if (f.merge_with_lexicon && f.type != "STRING") {
    return base::InvalidArgument("field " + Quoted(f.name) + " is " + f.type +
                                 ": 'mergeWithLexicon' applies to STRING fields only");
  }
  SLUICE_ASSIGN_OR_RETURN(auto description, OptionalString(*obj, "description"));
  f.description = description.value_or("");
  SLUICE_ASSIGN_OR_RETURN(auto label, OptionalString(*obj, "label"));
  f.label = label.value_or("");
  json::object options;
  for (const auto& member : *obj) {
    bool column = std::find(std::begin(kColumnMembers), std::end(kColumnMembers), member.key()) !=
                  std::end(kColumnMembers);
    if (!column && !member.value().is_null()) options[member.key()] = member.value();
  }
  f.options_json = json::serialize(options);
  return f;
}

json::object FieldToJson(const store::Field& f) {
  json::object out;
  boost::system::error_code ec;
  json::value options = json::parse(f.options_json, ec);
  if (!ec && options.is_object()) out = std::move(options.as_object());
  out["name"] = f.name;
  out["type"] = f.type;
  out["facet"] = f.facet;
  out["multiValueFacet"] = f.multi_value_facet;
  out["sort"] = f.sort;
  out["includeInQuery"] = f.include_in_query;
  out["includeInResults"] = f.include_in_results;
  out["mergeWithLexicon"] = f.merge_with_lexicon;
  out["description"] = f.description;
  if (!f.label.empty()) out["label"] = f.label;
  out["system"] = IsSystemField(f.name);
  return out;
}

std::vector<store::Field> SystemFields(std::string_view org) {
  std::vector<store::Field> out;
  for (const SystemFieldSpec& spec : kSystemFields) {
    store::Field f;
    f.organization_id = org;
    f.name = spec.name;
    f.type = spec.type;
    f.facet = spec.facet || spec.type != "STRING";
    f.sort = spec.type != "STRING" || spec.name == "title";
    f.description = spec.description;
    out.push_back(std::move(f));
  }
  return out;
}

bool IsSystemField(std::string_view name) {
  return std::any_of(std::begin(kSystemFields), std::end(kSystemFields),
                     [&](const SystemFieldSpec& spec) { return spec.name == name; });
}

base::Result<FieldListing> ListingFromQuery(const http::Request& request) {
  FieldListing listing;
  SLUICE_ASSIGN_OR_RETURN(push::Page page,
                          push::ParsePage(request, kDefaultFieldsPerPage, kMaxFieldsPerPage));
  listing.page = page.page;
  listing.per_page = page.per_page;
  if (auto raw = request.Query("filter")) listing.name_contains = *raw;
  if (auto raw = request.Query("type")) SLUICE_RETURN_IF_ERROR(SetType(*raw, listing));
  if (auto raw = request.Query("origin")) SLUICE_RETURN_IF_ERROR(SetOrigin(*raw, listing));
  if (auto raw = request.Query("order")) SLUICE_RETURN_IF_ERROR(SetOrder(*raw, listing));
  if (auto raw = request.Query("sortBy")) SLUICE_RETURN_IF_ERROR(CheckSortBy(*raw));
  return listing;
}

base::Result<FieldListing> ListingFromJson(const json::value& options) {
  FieldListing listing;
  if (options.is_null()) return listing;
  const json::object* obj = options.if_object();
  if (obj == nullptr) return base::InvalidArgument("the listing options must be a JSON object");
  SLUICE_ASSIGN_OR_RETURN(listing.page, JsonCount(*obj, "page", 0, 0, UINT32_MAX));
  SLUICE_ASSIGN_OR_RETURN(listing.per_page,
                          JsonCount(*obj, "perPage", kDefaultFieldsPerPage, 1, kMaxFieldsPerPage));
  SLUICE_ASSIGN_OR_RETURN(auto order, OptionalString(*obj, "order"));
  if (order) SLUICE_RETURN_IF_ERROR(SetOrder(*order, listing));
  SLUICE_ASSIGN_OR_RETURN(auto sort_by, OptionalString(*obj, "sortBy"));
  if (sort_by) SLUICE_RETURN_IF_ERROR(CheckSortBy(*sort_by));
  if (const json::value* filters = obj->if_contains("filters"); filters && !filters->is_null()) {
    if (!filters->is_object()) return base::InvalidArgument("'filters' must be a JSON object");
    SLUICE_RETURN_IF_ERROR(ReadFilters(filters->as_object(), listing));
  }
  return listing;
}

json::object ListPage(std::vector<store::Field> fields, const FieldListing& listing) {
  std::erase_if(fields, [&](const store::Field& f) { return !Passes(f, listing); });
  std::sort(fields.begin(), fields.end(), [&](const store::Field& a, const store::Field& b) {
    return listing.descending ? a.name > b.name : a.name < b.name;
  });
  const uint64_t total = fields.size();
  const uint64_t first = uint64_t{listing.page} * listing.per_page;
  json::array items;
  for (uint64_t i = first; i < total && i < first + listing.per_page; ++i) {
    items.push_back(FieldToJson(fields[i]));
  }
  return json::object{{"items", std::move(items)},
                      {"totalEntries", total},
                      {"totalPages", (total + listing.per_page - 1) / listing.per_page}};
}

}  // namespace sluice::platform
