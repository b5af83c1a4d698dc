// The shapes of what Sluice puts into a source index and what comes back out of it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::index {

// Metadata as the pipeline hands it over: lower-case names, each with its string values.
using Metadata = std::vector<std::pair<std::string, std::vector<std::string>>>;

// The type of a field in the organization's field catalog. Every metadata value is searchable
// as text; values of numeric and date fields also get a sortable number (dates in epoch ms).
// VECTOR fields are kString here: Sluice keeps their values as text.
enum class FieldKind { kString, kLong, kLong64, kDouble, kDate };

// The declared kinds of metadata names; a name that is absent is a kString field.
using FieldKinds = std::vector<std::pair<std::string, FieldKind>>;

// A security identity as an item's permissions or a search token names it.
struct IdentityRef {
  std::string name;
  std::string type;      // User, Group, VirtualGroup or Unknown, in any case or spelling
  std::string provider;  // empty: the identity of that name and type in any provider
};

// One permission set of an item (Push API §2.5): who it allows and denies.
struct PermissionSet {
  bool allow_anonymous = false;
  std::vector<IdentityRef> allowed;
  std::vector<IdentityRef> denied;
};

// One permission level: its sets, examined in the order the item gave its levels.
struct PermissionLevel {
  std::vector<PermissionSet> sets;
};

// Whom a search is for. Items without permissions are visible to everyone; an item with
// permissions is returned when its permission model (document/permissions.h) lets one of
// `identities` see it, or when it allows anonymous access.
struct Viewer {
  bool sees_everything = false;  // an API key that may view all content
  // The user and every identity it expands to (its groups, virtual groups, aliases, well-knowns).
  // Empty: an anonymous viewer.
  std::vector<IdentityRef> identities;
};

// One item as the pipeline hands it to IndexWriter::Put.
struct IndexDocument {
  std::string uri;           // unique within its source (Coveo documentId)
  std::string source_id;     // e.g. "local-default"
  std::string source_name;   // shown as raw.source
  std::string title;         // may be empty: the uri is then shown as the title
  std::string body;          // extracted text; may be tens of MB
  std::string file_type;     // e.g. "html"
  std::string click_uri;     // defaults to uri when empty
  std::string permanent_id;  // defaults to the SHA-256 hex of uri when empty
  uint64_t size = 0;         // bytes of the original item
  int64_t date_ms = 0;       // item date, epoch ms
  int64_t indexed_ms = 0;    // when Sluice indexed it, epoch ms
  uint64_t ordering_id = 0;
  Metadata metadata;
  FieldKinds field_kinds;  // from the catalog, for (at least) the names in `metadata`
  // The item's permission model; empty: everyone may see the item.
  std::vector<PermissionLevel> permissions;
};

// One item as a search result shows it.
struct SearchHit {
  std::string uri;
  std::string title;  // the uri when the item has no title
  std::string click_uri;
  std::string excerpt;  // plain UTF-8 text, no markup
  std::string source_id;
  std::string source_name;
  std::string file_type;
  std::string permanent_id;
  uint64_t size = 0;
  int64_t date_ms = 0;
  int64_t indexed_ms = 0;
  uint64_t ordering_id = 0;
  double score = 0;
  double percent_score = 0;
  Metadata metadata;
  // The metadata of numeric and date fields whose every value reads as a number of the field's
  // kind (dates in epoch ms), in the order of `metadata`: results show these as numbers.
  std::vector<std::pair<std::string, std::vector<double>>> numeric_metadata;
  // Offset and length, in UTF-16 code units, of each query word found in `title` / `excerpt`.
  std::vector<std::pair<uint32_t, uint32_t>> title_highlights;
  std::vector<std::pair<uint32_t, uint32_t>> excerpt_highlights;
};

// What the Content Browser shows for one item: its fields and the stored start of its text.
struct StoredItem {
  SearchHit fields;
  std::string body;             // at most the first 1 MiB of the extracted text, valid UTF-8
  bool body_truncated = false;  // true when the extracted text was longer than `body`
};

}  // namespace sluice::index
