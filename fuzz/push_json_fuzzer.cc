// The single-item push body, as PUT .../documents?documentId= reads it: the bytes
// through ParseCaseInsensitiveJson (document/json_body.h), then
// ValidateDocumentBody (document/document_body.h) for a fixed documentId and a
// ?compressionType= picked from the input's hash (absent most of the time).
// Properties:
//   - every object key of a parsed body is lower case, and serialising and
//     parsing it again gives the same JSON (parse -> dump -> parse), doubles
//     within an ulp or so (Boost.JSON 1.81 reads numbers imprecisely);
//   - a valid body's canonical form (what is journaled) has a known
//     compressiontype, no orderingid, file_id exactly when it names a container,
//     and is a fixed point: serialised, parsed and validated again it is
//     accepted and unchanged.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "codec/compression.h"
#include "document/document_body.h"
#include "document/json_body.h"

namespace {

namespace json = boost::json;
using sluice::codec::Compression;

constexpr std::string_view kDocumentId = "https://example.com/doc";

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "push_json: property violated: %s\n", what);
  std::abort();
}

bool KeysAreLowerCase(const json::value& v) {
  if (v.is_array()) {
    for (const json::value& e : v.as_array()) {
      if (!KeysAreLowerCase(e)) return false;
    }
  }
  if (!v.is_object()) return true;
  for (const auto& [key, value] : v.as_object()) {
    for (char c : key) {
      if (c >= 'A' && c <= 'Z') return false;
    }
    if (!KeysAreLowerCase(value)) return false;
  }
  return true;
}

// Equal JSON, except that doubles may differ in their last bits: Boost.JSON 1.81
// parses numbers imprecisely, so a double written out and read back can move by
// an ulp or so.
bool NearlyEqual(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-15 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const json::array &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (!NearlyEqual(p[i], q[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const json::object &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (auto i = p.begin(), j = q.begin(); i != p.end(); ++i, ++j) {
      if (i->key() != j->key() || !NearlyEqual(i->value(), j->value())) return false;
    }
    return true;
  }
  return a == b;
}

std::optional<Compression> QueryCompression(std::string_view bytes) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : bytes) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  switch (hash % 16) {
    case 0:
      return Compression::kUncompressed;
    case 1:
      return Compression::kGzip;
    case 2:
      return Compression::kLzma;
    default:
      return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sluice::document::ParseCaseInsensitiveJson(text);
  if (!parsed.ok()) return 0;
  Check(KeysAreLowerCase(*parsed), "a parsed key is not lower case");
  auto reparsed = sluice::document::ParseCaseInsensitiveJson(json::serialize(*parsed));
  Check(reparsed.ok(), "a parsed body does not parse again once serialised");
  Check(NearlyEqual(*reparsed, *parsed), "parse -> dump -> parse changed the JSON");

  const std::optional<Compression> query = QueryCompression(text);
  auto body = sluice::document::ValidateDocumentBody(std::move(*parsed), kDocumentId, query);
  if (!body.ok()) return 0;
  const json::object& fields = body->fields;
  const json::value* compression = fields.if_contains("compressiontype");
  Check(compression != nullptr && compression->is_string() &&
            sluice::codec::ParseCompression(compression->as_string()).ok(),
        "the canonical body has no valid compressiontype");
  if (query) {
    Check(compression->as_string() == sluice::codec::CompressionName(*query),
          "?compressionType= did not win over the body");
  }
  Check(!fields.contains("orderingid"), "the canonical body keeps orderingid");
  Check(body->file_id.has_value() == fields.contains("compressedbinarydatafileid"),
        "file_id does not match compressedbinarydatafileid");

  const std::string journaled = json::serialize(fields);
  auto again = sluice::document::ParseCaseInsensitiveJson(journaled);
  Check(again.ok(), "the canonical body is not valid JSON");
  auto revalidated = sluice::document::ValidateDocumentBody(std::move(*again), kDocumentId, {});
  Check(revalidated.ok(), "the canonical body is refused when validated again");
  Check(NearlyEqual(revalidated->fields, fields), "validating the canonical body again changed it");
  return 0;
}
