#include "search/search_api.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "index/search.h"
#include "pipeline/applier.h"
#include "push/errors.h"
#include "search/json_fields.h"
#include "search/search_params.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

// An integer when the number is one (LONG, LONG_64 and DATE values, whole DOUBLEs), so that
// epoch-ms dates read as 1376092475000 rather than 1.376092475E12.
json::value NumberJson(double number) {
  constexpr double kInt64Bound = 9223372036854775808.0;  // 2^63
  if (number == std::trunc(number) && number >= -kInt64Bound && number < kInt64Bound) {
    return static_cast<int64_t>(number);
  }
  return number;
}

// Metadata as results show it: numeric and date fields as numbers, the rest as text.
json::object RawMetadata(const index::SearchHit& hit) {
  json::object out = MetadataObject(hit.metadata);
  for (const auto& [name, numbers] : hit.numeric_metadata) {
    if (numbers.size() == 1) {
      out[name] = NumberJson(numbers[0]);
    } else {
      json::array a;
      for (double number : numbers) a.push_back(NumberJson(number));
      out[name] = std::move(a);
    }
  }
  return out;
}

json::array HighlightsJson(const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
  json::array highlights;
  for (auto [offset, length] : spans) {
    highlights.push_back(json::object{{"offset", offset}, {"length", length}});
  }
  return highlights;
}

// `raw` cut to what fieldsToInclude / fieldsToExclude ask for (include wins, as in Coveo).
void SelectFields(const SearchParams& params, json::object& raw) {
  if (!params.fields_to_include.empty()) {
    json::object kept;
    for (const std::string& name : params.fields_to_include) {
      if (auto it = raw.find(name); it != raw.end()) kept[name] = it->value();
    }
    raw = std::move(kept);
    return;
  }
  for (const std::string& name : params.fields_to_exclude) raw.erase(name);
}

json::object ResultJson(const index::SearchHit& hit, const SearchParams& params) {
  json::object raw = RawMetadata(hit);
  raw["systitle"] = hit.title;
  raw["sysuri"] = hit.uri;
  raw["uri"] = hit.uri;
  raw["clickableuri"] = hit.click_uri;
  raw["permanentid"] = hit.permanent_id;
  raw["urihash"] = hit.permanent_id.substr(0, 16);
  raw["sysurihash"] = hit.permanent_id.substr(0, 16);
  raw["source"] = hit.source_name;
  raw["syssource"] = hit.source_name;
  raw["sourceid"] = hit.source_id;  // the name may differ; the Content Browser links by id
  raw["sourcetype"] = "Push";
  raw["filetype"] = hit.file_type;
  raw["size"] = hit.size;
  raw["date"] = hit.date_ms;
  raw["indexeddate"] = hit.indexed_ms;
  raw["sysindexeddate"] = hit.indexed_ms;
  SelectFields(params, raw);
  return json::object{{"title", hit.title},
                      {"uri", hit.uri},
                      {"printableUri", hit.uri},
                      {"clickUri", hit.click_uri.empty() ? hit.uri : hit.click_uri},
                      {"uniqueId", hit.source_id + "$" + hit.uri},
                      {"excerpt", hit.excerpt},
                      {"firstSentences", nullptr},
                      {"summary", nullptr},
                      {"flags", "HasHtmlVersion"},
                      {"hasHtmlVersion", true},
                      {"hasMobileHtmlVersion", false},
                      {"score", static_cast<int64_t>(hit.score * 1000)},
                      {"percentScore", hit.percent_score},
                      {"rankingInfo", nullptr},
                      {"rating", 3},
                      {"isTopResult", false},
                      {"isRecommendation", false},
                      {"isUserActionView", false},
                      {"searchUid", nullptr},
                      {"titleHighlights", HighlightsJson(hit.title_highlights)},
                      {"excerptHighlights", HighlightsJson(hit.excerpt_highlights)},
                      {"firstSentencesHighlights", json::array()},
                      {"printableUriHighlights", json::array()},
                      {"summaryHighlights", json::array()},
                      {"parentResult", nullptr},
                      {"childResults", json::array()},
                      {"totalNumberOfChildResults", 0},
                      {"absentTerms", json::array()},
                      {"raw", std::move(raw)}};
}

// A range bound as the facet's kind writes it: a Coveo date, or a number.
json::value RangeBoundJson(const index::FacetRequest& facet, double bound) {
  if (facet.type == index::FacetRequest::Type::kDateRange) {
    return json::value(FormatCoveoDate(static_cast<int64_t>(bound)));
  }
  return NumberJson(bound);
}

// One facets[] answer, as Coveo's FacetResponse.
json::object FacetJson(const index::FacetRequest& facet, const index::FacetResult& result) {
  json::array values;
  for (const index::FacetValue& value : result.values) {
    json::object out;
    if (facet.type == index::FacetRequest::Type::kSpecific) {
      out["value"] = value.value;
    } else {
      out["start"] = RangeBoundJson(facet, value.range.start);
      out["end"] = RangeBoundJson(facet, value.range.end);
      out["endInclusive"] = value.range.end_inclusive;
    }
    out["state"] = value.selected ? "selected" : value.excluded ? "excluded" : "idle";
    out["numberOfResults"] = value.count;
    values.push_back(std::move(out));
  }
  return json::object{{"facetId", result.id},
                      {"field", result.field},
                      {"moreValuesAvailable", result.more_values_available},
                      {"values", std::move(values)},
                      {"indexScore", 0}};
}

// One groupBy[] answer, as Coveo's GroupByResult.
json::object GroupByJson(const index::FacetRequest& group, const index::FacetResult& result) {
  json::array values;
  for (const index::FacetValue& value : result.values) {
    std::string text = value.value;
    if (group.type != index::FacetRequest::Type::kSpecific) {
      text = json::serialize(NumberJson(value.range.start)) + ".." +
             json::serialize(NumberJson(value.range.end));
    }
    values.push_back(json::object{{"value", text},
                                  {"lookupValue", text},
                                  {"numberOfResults", value.count},
                                  {"score", 0},
                                  {"valueType", "Standard"}});
  }
  return json::object{{"field", result.field},
                      {"values", std::move(values)},
                      {"globalComputedFieldResults", json::array()}};
}

http::Response AllowAnyOrigin(http::Response response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

// Search API errors: {"statusCode", "message", "type"}, which Coveo's clients read.
http::Response SearchError(int status, std::string_view type, std::string_view message) {
  return http::Response::Json(
      status,
      json::serialize(json::object{{"statusCode", status}, {"message", message}, {"type", type}}));
}

}  // namespace

SearchApi::SearchApi(store::StateStore& store, std::filesystem::path index_root,
                     index::CommitGate& commit_gate, const SearchTokenSigner& signer)
    : store_(store),
      index_root_(std::move(index_root)),
      commit_gate_(commit_gate),
      authenticator_(store, signer) {}

void SearchApi::Register(http::Router& router) {
  // Search pages call the Search API from their own origin, as they call Coveo's: answer the
  // browser's preflight and mark every answer readable cross-origin. Credentials travel in the
  // Authorization header, never in cookies, so "*" exposes nothing a page could not ask for.
  auto search = [this](http::Request& r) { return AllowAnyOrigin(Search(r)); };
  router.Add("POST", "/rest/search/v2", search);
  router.Add("GET", "/rest/search/v2", search);
  auto suggest = [this](http::Request& r) { return AllowAnyOrigin(QuerySuggest(r)); };
  router.Add("POST", "/rest/search/v2/querySuggest", suggest);
  router.Add("GET", "/rest/search/v2/querySuggest", suggest);
  for (const char* path : {"/rest/search/v2", "/rest/search/v2/querySuggest"}) {
    router.Add("OPTIONS", path,
               [](http::Request&) { return AllowAnyOrigin(http::Response::Json(204, "")); });
  }
}

std::variant<std::vector<std::filesystem::path>, http::Response> SearchApi::SourceDirs(
    const SearchCaller& who) const {
  auto sources = store_.ListSources(who.organization_id);
  if (!sources.ok()) return push::FromStatus(sources.status());
  // A key or token scoped to some sources searches those only.
  const auto& scope = who.source_ids;
  std::vector<std::filesystem::path> dirs;
  for (const auto& s : *sources) {
    if (!scope.empty() && std::find(scope.begin(), scope.end(), s.id) == scope.end()) continue;
    dirs.push_back(pipeline::SourceIndexDir(index_root_, who.organization_id, s.id));
  }
  return dirs;
}

http::Response SearchApi::QuerySuggest(http::Request& request) {
  auto read = ReadSuggestParams(request);
  if (!read.ok()) return SearchError(400, "InvalidParameter", read.status().message());
  auto caller = authenticator_.Authenticate(request, read->organization_id);
  if (auto* error = std::get_if<http::Response>(&caller)) return std::move(*error);
  const SearchCaller& who = std::get<SearchCaller>(caller);
  auto dirs = SourceDirs(who);
  if (auto* error = std::get_if<http::Response>(&dirs)) return std::move(*error);
  read->request.viewer = who.viewer;
  auto found = index::Suggest(std::get<std::vector<std::filesystem::path>>(dirs), read->request,
                              &commit_gate_);
  if (!found.ok()) return push::FromStatus(found.status());
  json::array completions;
  for (const index::Suggestion& suggestion : *found) {
    // Coveo marks what the user typed {so} and what it adds [like this].
    const std::string added = suggestion.expression.substr(suggestion.typed.size());
    completions.push_back(json::object{{"expression", suggestion.expression},
                                       {"score", suggestion.frequency},
                                       {"highlighted", "{" + suggestion.typed + "}[" + added + "]"},
                                       {"executableConfidence", 1.0}});
  }
  return http::Response::Json(200,
                              json::serialize(json::object{{"completions", std::move(completions)},
                                                           {"responseId", base::NewUuid()}}));
}

http::Response SearchApi::Search(http::Request& request) {
  auto read = ReadSearchParams(request);
  if (!read.ok()) return SearchError(400, "InvalidParameter", read.status().message());
  SearchParams& params = *read;
  auto caller = authenticator_.Authenticate(request, params.organization_id);
  if (auto* error = std::get_if<http::Response>(&caller)) return std::move(*error);
  const SearchCaller& who = std::get<SearchCaller>(caller);
  index::SearchRequest& query = params.request;
  query.viewer = who.viewer;
  if (!who.filter.empty()) {
    // A token's filter narrows every search made with it.
    query.cq = query.cq.empty() ? who.filter : "(" + query.cq + ") (" + who.filter + ")";
  }

  auto dirs = SourceDirs(who);
  if (auto* error = std::get_if<http::Response>(&dirs)) return std::move(*error);
  base::SystemClock clock;
  const int64_t started = clock.NowMs();
  auto found =
      index::Search(std::get<std::vector<std::filesystem::path>>(dirs), query, &commit_gate_);
  if (!found.ok()) {
    if (found.status().code() == base::StatusCode::kInvalidArgument) {
      return SearchError(400, "InvalidQueryExpression", found.status().message());
    }
    return push::FromStatus(found.status());
  }

  json::array results;
  for (const auto& hit : found->hits) results.push_back(ResultJson(hit, params));
  json::array facets;
  json::array groups;
  for (size_t i = 0; i < query.facets.size(); ++i) {
    if (i < params.facet_count) {
      facets.push_back(FacetJson(query.facets[i], found->facets[i]));
    } else {
      groups.push_back(GroupByJson(query.facets[i], found->facets[i]));
    }
  }
  const int64_t duration = clock.NowMs() - started;
  json::object body{{"totalCount", found->total_count},
                    {"totalCountFiltered", found->total_count},
                    {"duration", duration},
                    {"indexDuration", duration},
                    {"requestDuration", duration},
                    {"searchUid", base::NewUuid()},
                    {"pipeline", "default"},
                    {"apiVersion", 2},
                    {"termsToHighlight", json::object()},
                    {"phrasesToHighlight", json::object()},
                    {"queryCorrections", json::array()},
                    {"groupByResults", std::move(groups)},
                    {"facets", std::move(facets)},
                    {"triggers", json::array()},
                    {"results", std::move(results)}};
  return http::Response::Json(200, json::serialize(body));
}

}  // namespace sluice::search
