#include "search/search_api.h"

#include <cmath>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "document/json_body.h"
#include "index/search.h"
#include "pipeline/applier.h"
#include "push/errors.h"
#include "search/json_fields.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

constexpr uint32_t kMaxNumberOfResults = 2000;

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

json::object ResultJson(const index::SearchHit& hit) {
  json::object raw = RawMetadata(hit);
  raw["systitle"] = hit.title;
  raw["sysuri"] = hit.uri;
  raw["uri"] = hit.uri;
  raw["clickableuri"] = hit.click_uri;
  raw["permanentid"] = hit.permanent_id;
  raw["urihash"] = hit.permanent_id.substr(0, 16);
  raw["source"] = hit.source_name;
  raw["syssource"] = hit.source_name;
  raw["sourceid"] = hit.source_id;  // the name may differ; the Content Browser links by id
  raw["sourcetype"] = "Push";
  raw["filetype"] = hit.file_type;
  raw["size"] = hit.size;
  raw["date"] = hit.date_ms;
  raw["indexeddate"] = hit.indexed_ms;
  raw["sysindexeddate"] = hit.indexed_ms;
  json::array highlights;
  for (auto [offset, length] : hit.title_highlights) {
    highlights.push_back(json::object{{"offset", offset}, {"length", length}});
  }
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
                      {"score", static_cast<int64_t>(hit.score * 1000)},
                      {"percentScore", hit.percent_score},
                      {"titleHighlights", std::move(highlights)},
                      {"excerptHighlights", json::array()},
                      {"childResults", json::array()},
                      {"totalNumberOfChildResults", 0},
                      {"raw", std::move(raw)}};
}

}  // namespace

SearchApi::SearchApi(store::StateStore& store, std::filesystem::path index_root)
    : store_(store), index_root_(std::move(index_root)), access_(store) {}

void SearchApi::Register(http::Router& router) {
  router.Add("POST", "/rest/search/v2", [this](http::Request& r) { return Search(r); });
  router.Add("GET", "/rest/search/v2", [this](http::Request& r) { return Search(r); });
}

http::Response SearchApi::Search(http::Request& request) {
  json::object params;
  if (!request.body.empty()) {
    auto parsed = document::ParseCaseInsensitiveJson(request.body);
    if (!parsed.ok() || !parsed->is_object()) {
      return push::CoveoError(
          400, "INVALID_JSON",
          parsed.ok() ? "the body must be a JSON object" : parsed.status().message());
    }
    params = std::move(parsed->as_object());
  }
  auto param = [&](std::string_view name) -> std::optional<std::string> {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (auto it = params.find(lower); it != params.end()) {
      if (it->value().is_string()) return std::string(it->value().as_string());
      return json::serialize(it->value());
    }
    return request.Query(name);
  };
  // A key belongs to one organization; organizationId may name it explicitly.
  auto access =
      access_.Check(request, param("organizationId").value_or(""), push::kPrivilegeSearch);
  if (!access.key) return access.error;
  const std::string& org = access.key->organization_id;

  index::SearchRequest query;
  query.q = param("q").value_or("");
  query.aq = param("aq").value_or("");
  query.cq = param("cq").value_or("");
  query.first_result = ParseCount(param("firstResult"), 0, 5000);
  query.number_of_results = ParseCount(param("numberOfResults"), 10, kMaxNumberOfResults);
  query.excerpt_length = ParseCount(param("excerptLength"), 200, 10000);
  query.sort = index::ParseSortCriteria(param("sortCriteria").value_or("relevancy"));

  auto sources = store_.ListSources(org);
  if (!sources.ok()) return push::FromStatus(sources.status());
  // A key scoped to some sources searches those only.
  const auto& scope = access.key->source_ids;
  std::vector<std::filesystem::path> dirs;
  for (const auto& s : *sources) {
    if (!scope.empty() && std::find(scope.begin(), scope.end(), s.id) == scope.end()) continue;
    dirs.push_back(pipeline::SourceIndexDir(index_root_, org, s.id));
  }
  base::SystemClock clock;
  int64_t started = clock.NowMs();
  auto found = index::Search(dirs, query);
  if (!found.ok()) return push::FromStatus(found.status());

  json::array results;
  for (const auto& hit : found->hits) results.push_back(ResultJson(hit));
  int64_t duration = clock.NowMs() - started;
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
                    {"groupByResults", json::array()},
                    {"facets", json::array()},
                    {"triggers", json::array()},
                    {"results", std::move(results)}};
  return http::Response::Json(200, json::serialize(body));
}

}  // namespace sluice::search
