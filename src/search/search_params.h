// The parameters of a Search API v2 request, read from a JSON body, a form-encoded body or the
// query string (Coveo's clients use all three), into an index::SearchRequest.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "http/message.h"
#include "index/search.h"

namespace sluice::search {

// Coveo's maximum page size.
inline constexpr uint32_t kMaxNumberOfResults = 2000;
// Coveo's default index limit on firstResult.
inline constexpr uint32_t kMaxFirstResult = 5000;

struct SearchParams {
  index::SearchRequest request;
  std::string organization_id;  // "" when not given
  // What `raw` shows: only these fields when not empty, else all but `fields_to_exclude`.
  std::vector<std::string> fields_to_include;
  std::vector<std::string> fields_to_exclude;
  // request.facets[i] for i < facet_count are facets[]; the rest are groupBy[] entries.
  size_t facet_count = 0;
};

// Unknown parameters are ignored. InvalidArgument, naming the parameter, for a body that is not
// JSON or form data, and for facets[] / groupBy[] entries that are not what Coveo documents.
base::Result<SearchParams> ReadSearchParams(const http::Request& request);

struct SuggestParams {
  index::SuggestRequest request;  // viewer left for the caller to set
  std::string organization_id;
};

// querySuggest's parameters: q, count (default 5, at most 100), organizationId; from the same
// places as a search's.
base::Result<SuggestParams> ReadSuggestParams(const http::Request& request);

// A Coveo date as facets speak it, "2026/11/27@13:05:00" (UTC), from epoch ms.
std::string FormatCoveoDate(int64_t epoch_ms);

}  // namespace sluice::search
