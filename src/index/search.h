// Full-text search over one or more source indexes, and single-item lookup.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "index/commit_gate.h"
#include "index/document.h"

namespace sluice::index {

// One sort criterion: "date" (also "size", "indexeddate") or a numeric or date field.
struct SortKey {
  std::string field;
  bool ascending = false;
};

// A facet (Coveo's facets[] and groupBy[]): the values a field takes over the matching items,
// each with how many items have it, and optionally a selection the items must match.
struct FacetRequest {
  enum class Type { kSpecific, kNumericRange, kDateRange };
  enum class Order { kCount, kAlphaAscending, kAlphaDescending };
  struct Range {
    double start = 0;
    double end = 0;
    bool end_inclusive = false;
    bool selected = false;
  };
  std::string id;     // echoed in the result; Coveo's facetId
  std::string field;  // lower case, without "@"
  Type type = Type::kSpecific;
  Order order = Order::kCount;
  uint32_t number_of_values = 8;
  // kSpecific: values whose items the results are limited to (any of them; case-insensitive),
  // and values whose items are left out.
  std::vector<std::string> selected;
  std::vector<std::string> excluded;
  // kSpecific: when not empty, only these values are counted (groupBy's allowedValues).
  std::vector<std::string> allowed_values;
  // Range facets: the ranges to count; selected ones also limit the results. Empty: up to
  // number_of_values equal ranges spanning the values found.
  std::vector<Range> ranges;
};

struct FacetValue {
  std::string value;          // kSpecific
  FacetRequest::Range range;  // range facets
  uint64_t count = 0;
  bool selected = false;
  bool excluded = false;
};

struct FacetResult {
  std::string id;
  std::string field;
  std::vector<FacetValue> values;
  bool more_values_available = false;
};

struct SearchRequest {
  // End-user query: words (all required), "quoted phrases", -excluded, a OR b, NOT a, (a OR b),
  // prefix*, title:word, and Coveo field expressions (see field_query.h): @f==v, @f=v, @f<>v,
  // @f==(a,b), @f>n, @f>=n, @f<n, @f<=n, @f==a..b and @f. A query that does not parse is read
  // as plain words.
  std::string q;
  // false: q is plain words, its operators and field expressions read as text.
  bool enable_query_syntax = true;
  // Coveo's advanced and constant queries, with the same syntax as q. Items must match every
  // one of q, aq and cq that is not blank (and lq's words, any of them); all blank returns every
  // item. Items matching dq are returned as well, whatever the others say.
  std::string aq;
  std::string cq;
  std::string lq;
  std::string dq;
  uint32_t first_result = 0;
  uint32_t number_of_results = 10;
  uint32_t excerpt_length = 200;  // bytes
  // Empty: by relevance, or newest first when the query has no words (only field expressions
  // or nothing). Keys on fields without a sortable value are ignored; items without a value
  // for a key come after those with one.
  std::vector<SortKey> sort;
  Viewer viewer;  // default: anonymous
  // What relative dates in field expressions count from ("today-7d"); 0: the current time.
  int64_t now_ms = 0;
  // Every facet counts the items that match the query and every other facet's selection; its
  // own selection narrows the results but not its own counts, so a user can select more.
  std::vector<FacetRequest> facets;
};

// Coveo's sortCriteria: "relevancy" (also "qre", "nosort": relevance), "date ascending",
// "datedescending", "@price ascending", several separated by commas. Case-insensitive. A
// criterion without a direction is descending for date, ascending for a field. Unknown
// criteria are skipped.
std::vector<SortKey> ParseSortCriteria(std::string_view criteria);

struct SearchResponse {
  uint64_t total_count = 0;  // all matching items, not just the returned page
  std::vector<SearchHit> hits;
  std::vector<FacetResult> facets;  // in the order of the request's facets
};

// Searches the given source indexes together. InvalidArgument, with a message that says where,
// when aq, cq, lq or dq (or a field expression in q) does not parse; q's other syntax errors
// read q as plain words, as an end user typed it. Opens each read-only for this call; directories
// that do not exist (or hold no index yet) are skipped. Thread-safe: any number of threads may
// search while a writer commits. A search that the commits of writers sharing `gate` keep
// overtaking holds them back for its last attempt (see CommitGate); without a gate it fails
// with kUnavailable after a few attempts.
base::Result<SearchResponse> Search(const std::vector<std::filesystem::path>& source_dirs,
                                    const SearchRequest& request, CommitGate* gate = nullptr);

// Query completion (Coveo's querySuggest): the last, partly typed word of `text` completed with
// the index's most frequent words that start with it, among those at least one item the viewer
// may see contains.
struct SuggestRequest {
  std::string text;
  uint32_t count = 5;
  Viewer viewer;
};

struct Suggestion {
  std::string expression;  // text with its last word completed
  std::string typed;       // the part of `expression` the user typed
  uint64_t frequency = 0;  // how many items hold the completed word
};

base::Result<std::vector<Suggestion>> Suggest(const std::vector<std::filesystem::path>& source_dirs,
                                              const SuggestRequest& request,
                                              CommitGate* gate = nullptr);

// The stored fields and text of the item with this uri, or nullopt when the source has none.
// Thread-safe like Search.
base::Result<std::optional<StoredItem>> GetItem(const std::filesystem::path& source_dir,
                                                std::string_view uri, CommitGate* gate = nullptr);

}  // namespace sluice::index
