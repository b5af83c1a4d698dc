#include "index/field_schema.h"

#include <boost/json.hpp>
#include <xapian.h>

#include "index/digest.h"
#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

namespace json = boost::json;

// Field terms start with "XF" and an upper-case letter that says what follows; field names are
// lower case, so none of these can be mistaken for another, nor for a word term (lower case),
// a title term ("S"), a uri term ("Q", "XHQ") or a child-of term ("XC", "XHC").
constexpr std::string_view kValuePrefix = "XFV";           // + name + ":" + folded value
constexpr std::string_view kHashedValuePrefix = "XFW";     // + SHA-256 hex of name ":" value
constexpr std::string_view kPresencePrefix = "XFP";        // + name
constexpr std::string_view kHashedPresencePrefix = "XFQ";  // + SHA-256 hex of name

std::string_view KindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kString:
      return "STRING";
    case FieldKind::kLong:
      return "LONG";
    case FieldKind::kLong64:
      return "LONG_64";
    case FieldKind::kDouble:
      return "DOUBLE";
    case FieldKind::kDate:
      return "DATE";
  }
  return "STRING";
}

FieldKind KindFromName(std::string_view name) {
  for (FieldKind kind :
       {FieldKind::kLong, FieldKind::kLong64, FieldKind::kDouble, FieldKind::kDate}) {
    if (KindName(kind) == name) return kind;
  }
  return FieldKind::kString;
}

}  // namespace

std::string EncodeFieldSlots(const FieldSlots& slots) {
  json::object object;
  for (const auto& [name, slot] : slots) {
    object[name] = json::array{slot.slot, KindName(slot.kind)};
  }
  return json::serialize(object);
}

base::Result<FieldSlots> DecodeFieldSlots(std::string_view data) {
  FieldSlots slots;
  if (data.empty()) return slots;  // an index that has no numeric field yet
  boost::system::error_code ec;
  json::value value = json::parse(data, ec);
  const json::object* object = ec ? nullptr : value.if_object();
  if (object == nullptr) {
    return base::DataLoss("index metadata " + std::string(kFieldSlotsKey) +
                          " is not a JSON object; rebuild the index with `sluice reindex`");
  }
  for (const auto& [name, entry] : *object) {
    const json::array* pair = entry.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_int64() ||
        (*pair)[0].get_int64() < kFirstFieldSlot || !(*pair)[1].is_string()) {
      return base::DataLoss("index metadata " + std::string(kFieldSlotsKey) + ": the entry of \"" +
                            std::string(name) + "\" is not [slot, kind]");
    }
    slots[std::string(name)] = FieldSlot{static_cast<uint32_t>((*pair)[0].get_int64()),
                                         KindFromName((*pair)[1].get_string())};
  }
  return slots;
}

bool IsFieldName(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string FoldFieldValue(std::string_view value) {
  std::string folded;
  folded.reserve(value.size());
  for (Xapian::Utf8Iterator it(value.data(), value.size()), end; it != end; ++it) {
    Xapian::Unicode::append_utf8(folded, Xapian::Unicode::tolower(*it));
  }
  return folded;
}

std::string FieldValueTerm(std::string_view name, std::string_view folded_value) {
  if (kValuePrefix.size() + name.size() + 1 + folded_value.size() <= kMaxTermBytes) {
    return std::string(kValuePrefix) + std::string(name) + ":" + std::string(folded_value);
  }
  return std::string(kHashedValuePrefix) +
         Sha256Hex(std::string(name) + ":" + std::string(folded_value));
}

std::string FieldPresenceTerm(std::string_view name) {
  if (kPresencePrefix.size() + name.size() <= kMaxTermBytes) {
    return std::string(kPresencePrefix) + std::string(name);
  }
  return std::string(kHashedPresencePrefix) + Sha256Hex(name);
}

std::optional<uint32_t> BuiltinFieldSlot(std::string_view name) {
  if (name == "date" || name == "sysdate") return kDateSlot;
  if (name == "size" || name == "syssize") return kSizeSlot;
  if (name == "indexeddate" || name == "sysindexeddate") return kIndexedDateSlot;
  return std::nullopt;
}

}  // namespace sluice::index
