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

struct SearchRequest {
  // End-user query: words (all required), "quoted phrases", -excluded, a OR b, prefix*,
  // title:word. Empty returns every item. A query that does not parse is read as plain words.
  std::string q;
  uint32_t first_result = 0;
  uint32_t number_of_results = 10;
  uint32_t excerpt_length = 200;  // bytes
  // Newest first instead of by relevance; an empty query is always sorted by date.
  bool sort_by_date = false;
};

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
