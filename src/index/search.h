// Full-text search over one or more source indexes, and single-item lookup.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "index/document.h"

namespace sluice::index {

// One sort criterion: "date" (also "size", "indexeddate") or a numeric or date field.
struct SortKey {
  std::string field;
  bool ascending = false;
};

// A security identity as an item's permissions or a search token names it.
struct IdentityRef {
  std::string name;
  std::string type;      // User, Group, VirtualGroup or Unknown, in any case or spelling
  std::string provider;  // empty: the identity of that name and type in any provider
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

struct SearchRequest {
  // End-user query: words (all required), "quoted phrases", -excluded, a OR b, NOT a, (a OR b),
  // prefix*, title:word, and Coveo field expressions (see field_query.h): @f==v, @f=v, @f<>v,
  // @f==(a,b), @f>n, @f>=n, @f<n, @f<=n, @f==a..b and @f. A query that does not parse is read
  // as plain words.
  std::string q;
  // Coveo's advanced and constant queries, with the same syntax as q. Items must match every
  // one of q, aq and cq that is not blank; all blank returns every item.
  std::string aq;
  std::string cq;
  uint32_t first_result = 0;
  uint32_t number_of_results = 10;
  uint32_t excerpt_length = 200;  // bytes
  // Empty: by relevance, or newest first when the query has no words (only field expressions
  // or nothing). Keys on fields without a sortable value are ignored; items without a value
  // for a key come after those with one.
  std::vector<SortKey> sort;
  Viewer viewer;  // default: anonymous
};

// Coveo's sortCriteria: "relevancy" (also "qre", "nosort": relevance), "date ascending",
// "datedescending", "@price ascending", several separated by commas. Case-insensitive. A
// criterion without a direction is descending for date, ascending for a field. Unknown
// criteria are skipped.
std::vector<SortKey> ParseSortCriteria(std::string_view criteria);

struct SearchResponse {
  uint64_t total_count = 0;  // all matching items, not just the returned page
  std::vector<SearchHit> hits;
};

// Searches the given source indexes together. Opens each read-only for this call; directories
// that do not exist (or hold no index yet) are skipped. Thread-safe: any number of threads may
// search while a writer commits.
base::Result<SearchResponse> Search(const std::vector<std::filesystem::path>& source_dirs,
                                    const SearchRequest& request);

// The stored fields and text of the item with this uri, or nullopt when the source has none.
// Thread-safe like Search.
base::Result<std::optional<StoredItem>> GetItem(const std::filesystem::path& source_dir,
                                                std::string_view uri);

}  // namespace sluice::index
