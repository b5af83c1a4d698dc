// How Sluice lays fields out in a source index, shared by IndexWriter and Search: one boolean
// term per field value ("@name==value"), one per field present ("@name"), and for numeric and
// date fields a sortable value slot whose number is recorded in the database's metadata.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "index/document.h"

namespace sluice::index {

// Slots below this are the fixed ones of xapian_schema.h (and room for more of them).
inline constexpr uint32_t kFirstFieldSlot = 16;
// The database metadata key that holds the field slots (EncodeFieldSlots).
inline constexpr std::string_view kFieldSlotsKey = "sluice.field_slots";

// The slot of a numeric or date field in a source index, and the kind its values were read as.
struct FieldSlot {
  uint32_t slot = 0;
  FieldKind kind = FieldKind::kDouble;
};
using FieldSlots = std::map<std::string, FieldSlot, std::less<>>;

// The stored form of FieldSlots (a JSON object {"price": [16, "LONG"], ...}) and back.
std::string EncodeFieldSlots(const FieldSlots& slots);
base::Result<FieldSlots> DecodeFieldSlots(std::string_view data);

// True for names of the form ^[a-z][a-z0-9_]*$ (field names are lower case; callers fold first).
bool IsFieldName(std::string_view name);

// The value as field terms compare it: lower case (Unicode simple case folding, so
// "@author==ÉMILE" finds "émile").
std::string FoldFieldValue(std::string_view value);

// The boolean term of `name` having the (already folded) value. Literal when it fits in a
// Xapian term, else a hash of name and value, as UniqueTerm does for long uris.
std::string FieldValueTerm(std::string_view name, std::string_view folded_value);
// The boolean term every item with at least one value of `name` carries.
std::string FieldPresenceTerm(std::string_view name);

// The fixed slot of a field every item has ("date", "size", "indexeddate" and their "sys"
// twins), as the result's raw.date etc. show it; nullopt for other names.
std::optional<uint32_t> BuiltinFieldSlot(std::string_view name);

}  // namespace sluice::index
