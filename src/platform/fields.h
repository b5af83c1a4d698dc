// Coveo's FieldModel: validation, its JSON shape, the system fields every index
// has, and the paged, filtered listing that the Field API answers with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "base/status.h"
#include "http/message.h"
#include "store/state_store.h"

namespace sluice::platform {

inline constexpr uint32_t kMaxFieldsPerPage = 1000;
inline constexpr uint32_t kDefaultFieldsPerPage = 100;

// ^[a-z][a-z0-9_]{0,254}$
base::Status ValidateFieldName(std::string_view name);
bool IsFieldType(std::string_view type);  // STRING, LONG, LONG_64, DOUBLE, DATE, VECTOR

// A FieldModel of `org` from its JSON; InvalidArgument names the bad member. Absent options
// take Coveo's defaults (facet and sort: true except for STRING and VECTOR fields).
// Options Sluice does not keep in columns are kept verbatim in options_json.
base::Result<store::Field> FieldFromJson(const boost::json::value& model, std::string_view org,
                                         int64_t now_ms);
boost::json::object FieldToJson(const store::Field& field);

// The fields every index has (title, uri, date, permanentid...), listed with system: true.
// They cannot be created, changed or deleted.
std::vector<store::Field> SystemFields(std::string_view org);
bool IsSystemField(std::string_view name);

enum class FieldOrigin { kAll, kUser, kSystem };
enum class FlagFilter { kAll, kTrueOnly, kFalseOnly };

// The options of GET .../indexes/page/fields and POST .../indexes/fields/search.
struct FieldListing {
  uint32_t page = 0;  // 0-based
  uint32_t per_page = kDefaultFieldsPerPage;
  bool descending = false;         // by name
  std::string name_contains;       // case-insensitive; empty: every name
  std::string type;                // empty or ALL: every type
  std::vector<std::string> names;  // empty: every name
  FieldOrigin origin = FieldOrigin::kAll;
  FlagFilter facet = FlagFilter::kAll;
  FlagFilter sort = FlagFilter::kAll;
};

// The listing from query parameters (page, perPage, filter, type, origin, order, sortBy).
base::Result<FieldListing> ListingFromQuery(const http::Request& request);
// The listing from a FieldListingOptions body.
base::Result<FieldListing> ListingFromJson(const boost::json::value& options);

// {"items": [...], "totalEntries": N, "totalPages": M}: one page of `fields` (any order)
// after the listing's filters.
boost::json::object ListPage(std::vector<store::Field> fields, const FieldListing& listing);

}  // namespace sluice::platform
