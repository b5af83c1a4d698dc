#include "search/search_api.h"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "base/random.h"
#include "document/json_body.h"
#include "index/search.h"
#include "pipeline/applier.h"
#include "push/errors.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

constexpr uint32_t kMaxNumberOfResults = 2000;

uint32_t ParseCount(const std::optional<std::string>& raw, uint32_t fallback, uint32_t max) {
  if (!raw) return fallback;
  uint32_t v = fallback;
  std::from_chars(raw->data(), raw->data() + raw->size(), v);
  return std::min(v, max);
}

json::object MetadataObject(const index::Metadata& metadata) {
  json::object out;
  for (const auto& [name, values] : metadata) {
    if (values.size() == 1) {
      out[name] = values[0];
    } else {
      json::array a;
      for (const auto& v : values) a.emplace_back(v);
      out[name] = std::move(a);
    }
  }
  return out;
}

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

json::object ItemJson(const store::Item& item) {
  return json::object{{"uri", item.uri},
                      {"title", item.title.empty() ? item.uri : item.title},
                      {"fileType", item.file_type},
                      {"size", item.size},
                      {"indexedDate", item.indexed_ms},
                      {"state", store::ItemStateName(item.state)},
                      {"reason", item.reason},
                      {"orderingId", std::to_string(item.ordering_id)}};
}

}  // namespace

SearchApi::SearchApi(store::StateStore& store, std::filesystem::path index_root)
    : store_(store), index_root_(std::move(index_root)), access_(store) {}

void SearchApi::Register(http::Router& router) {
  router.Add("POST", "/rest/search/v2", [this](http::Request& r) { return Search(r); });
  router.Add("GET", "/rest/search/v2", [this](http::Request& r) { return Search(r); });
  std::string org = "/api/v1/organizations/{org}";
  router.Add("GET", org + "/sources", [this](http::Request& r) { return ListSources(r); });
  router.Add("GET", org + "/sources/{source}/items",
             [this](http::Request& r) { return ListItems(r); });
  router.Add("GET", org + "/sources/{source}/items/detail",
             [this](http::Request& r) { return ItemDetail(r); });
  router.Add("GET", org + "/logs", [this](http::Request& r) { return Logs(r); });
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

http::Response SearchApi::ListSources(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  auto sources = store_.ListSources(org);
  if (!sources.ok()) return push::FromStatus(sources.status());
  json::array out;
  for (const auto& s : *sources) {
    auto counts = store_.CountItems(org, s.id);
    if (!counts.ok()) return push::FromStatus(counts.status());
    out.push_back(json::object{{"id", s.id},
                               {"name", s.name},
                               {"type", s.type},
                               {"status", s.status},
                               {"itemCount", counts->indexed},
                               {"failedCount", counts->failed}});
  }
  return http::Response::Json(200, json::serialize(json::object{{"sources", std::move(out)}}));
}

std::optional<http::Response> SearchApi::CheckSource(const http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  const std::string& source = request.path_params.at("source");
  auto found = store_.GetSource(org, source);
  if (!found.ok()) return push::FromStatus(found.status());
  if (!*found) {
    return push::CoveoError(
        404, "SOURCE_DOES_NOT_EXIST",
        "Source '" + source + "' does not exist in organization '" + org + "'.");
  }
  return std::nullopt;
}

http::Response SearchApi::ListItems(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  const std::string& source = request.path_params.at("source");
  if (auto error = CheckSource(request)) return *error;
  uint32_t offset = ParseCount(request.Query("offset"), 0, UINT32_MAX);
  uint32_t limit = ParseCount(request.Query("limit"), 50, 1000);
  auto items = store_.ListItems(org, source, offset, limit);
  auto counts = store_.CountItems(org, source);
  if (!items.ok()) return push::FromStatus(items.status());
  if (!counts.ok()) return push::FromStatus(counts.status());
  json::array out;
  for (const auto& item : *items) out.push_back(ItemJson(item));
  return http::Response::Json(
      200, json::serialize(json::object{{"totalCount", counts->indexed + counts->failed},
                                        {"items", std::move(out)}}));
}

http::Response SearchApi::ItemDetail(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  const std::string& source = request.path_params.at("source");
  if (auto error = CheckSource(request)) return *error;
  auto uri = request.Query("uri");
  if (!uri) return push::CoveoError(412, "MISSING_PARAMETER", "Parameter 'uri' is missing.");
  auto item = store_.GetItem(org, source, *uri);
  if (!item.ok()) return push::FromStatus(item.status());
  if (!*item || (*item)->state == store::ItemState::kDeleted) {
    return push::CoveoError(404, "ITEM_NOT_FOUND",
                            "No item '" + *uri + "' in source '" + source + "'.");
  }
  json::object out = ItemJson(**item);
  out["fields"] = json::object();
  out["text"] = "";
  out["textTruncated"] = false;
  auto stored = index::GetItem(pipeline::SourceIndexDir(index_root_, org, source), *uri);
  if (stored.ok() && *stored) {
    json::object fields = MetadataObject((*stored)->fields.metadata);
    fields["title"] = (*stored)->fields.title;
    fields["filetype"] = (*stored)->fields.file_type;
    fields["size"] = (*stored)->fields.size;
    fields["date"] = (*stored)->fields.date_ms;
    fields["indexeddate"] = (*stored)->fields.indexed_ms;
    fields["permanentid"] = (*stored)->fields.permanent_id;
    fields["clickableuri"] = (*stored)->fields.click_uri;
    out["fields"] = std::move(fields);
    out["text"] = (*stored)->body;
    out["textTruncated"] = (*stored)->body_truncated;
  }
  return http::Response::Json(200, json::serialize(out));
}

http::Response SearchApi::Logs(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  store::LogQuery query;
  query.organization_id = org;
  if (auto source = request.Query("source")) query.sources.include.push_back(*source);
  query.document_id = request.Query("documentId");
  query.offset = ParseCount(request.Query("offset"), 0, UINT32_MAX);
  query.limit = ParseCount(request.Query("limit"), 100, 1000);
  auto logs = store_.QueryLogs(query);
  if (!logs.ok()) return push::FromStatus(logs.status());
  json::array out;
  for (const auto& l : *logs) {
    out.push_back(json::object{{"datetime", base::FormatIso8601Ms(l.datetime_ms)},
                               {"documentId", l.document_id},
                               {"sourceId", l.source_id},
                               {"operation", l.operation},
                               {"task", l.task},
                               {"result", l.result},
                               {"reason", l.reason},
                               {"requestId", l.request_id}});
  }
  return http::Response::Json(200, json::serialize(json::object{{"entries", std::move(out)}}));
}

}  // namespace sluice::search
