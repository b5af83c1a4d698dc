#include "search/logs_api.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "document/json_body.h"
#include "push/errors.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

constexpr uint32_t kDefaultPerPage = 100;
constexpr uint32_t kMaxPerPage = 1000;

constexpr std::string_view kOperations[] = {"ADD",    "ADD_BY_REFERENCE",    "BATCH_FILE",
                                            "DELETE", "DELETE_AND_CHILDREN", "DELETE_OLDER_THAN",
                                            "UPDATE"};
constexpr std::string_view kResults[] = {"COMPLETED", "ERROR", "REJECTED", "SKIPPED", "WARNING"};
constexpr std::string_view kTasks[] = {
    "CONSUMING", "CONSUMING_BATCH", "CRAWLING",    "STREAMING_EXTENSION",
    "EXTENSION", "INDEXING",        "MAPPING",     "PROCESSING",
    "STREAMING", "STREAMING_BATCH", "PREINDEXING", "VALIDATION"};

// A request the caller must fix: the error to answer with.
struct BadRequest {
  std::string message;
};

template <size_t N>
std::optional<BadRequest> CheckValues(std::string_view name, const std::vector<std::string>& values,
                                      const std::string_view (&allowed)[N]) {
  for (const auto& v : values) {
    if (std::find(std::begin(allowed), std::end(allowed), v) != std::end(allowed)) continue;
    std::string list;
    for (auto a : allowed) {
      if (!list.empty()) list += ", ";
      list += a;
    }
    std::string message = "'" + v + "' is not a valid value of '";
    message.append(name).append("'; use one of ").append(list).append(".");
    return BadRequest{std::move(message)};
  }
  return std::nullopt;
}

// Values given as repeated parameters, comma-separated lists, or both.
std::vector<std::string> ListParameter(const http::Request& request, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& raw : request.QueryAll(name)) {
    size_t start = 0;
    while (start <= raw.size()) {
      size_t comma = raw.find(',', start);
      if (comma == std::string::npos) comma = raw.size();
      if (comma > start) out.push_back(raw.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

std::optional<BadRequest> ReadTimeRange(const http::Request& request, store::LogQuery& query) {
  for (auto [name, target] : {std::pair{"from", &query.from_ms}, std::pair{"to", &query.to_ms}}) {
    auto raw = request.Query(name);
    if (!raw) continue;
    *target = base::ParseIso8601Ms(*raw);
    if (!*target) {
      return BadRequest{"Parameter '" + std::string(name) + "' must be a W3C date-time such as " +
                        "2026-11-26T21:29:24.123Z (got '" + *raw + "')."};
    }
  }
  return std::nullopt;
}

std::optional<BadRequest> ReadPaging(const http::Request& request, store::LogQuery& query) {
  uint32_t page = 0;
  uint32_t per_page = kDefaultPerPage;
  for (auto [name, target] : {std::pair{"page", &page}, std::pair{"perPage", &per_page}}) {
    auto raw = request.Query(name);
    if (!raw) continue;
    auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), *target);
    if (raw->empty() || ec != std::errc() || ptr != raw->data() + raw->size()) {
      return BadRequest{"Parameter '" + std::string(name) +
                        "' must be a non-negative integer (got '" + *raw + "')."};
    }
  }
  if (per_page < 1 || per_page > kMaxPerPage) {
    return BadRequest{"Parameter 'perPage' must be within 1.." + std::to_string(kMaxPerPage) + "."};
  }
  query.limit = per_page;
  query.offset = page * per_page;
  return std::nullopt;
}

std::optional<BadRequest> ReadDocumentId(const http::Request& request, store::LogQuery& query) {
  query.document_id = request.Query("documentId");
  auto matching = request.Query("documentIdMatching").value_or("EXACT");
  if (matching == "EXACT") {
    query.document_id_matching = store::DocumentIdMatching::kExact;
  } else if (matching == "PARTIAL") {
    query.document_id_matching = store::DocumentIdMatching::kPartial;
  } else if (matching == "WILDCARD") {
    query.document_id_matching = store::DocumentIdMatching::kWildcard;
  } else {
    return BadRequest{"Parameter 'documentIdMatching' must be EXACT, PARTIAL or WILDCARD (got '" +
                      matching + "')."};
  }
  return std::nullopt;
}

std::optional<BadRequest> CheckFilters(const store::LogQuery& q) {
  for (const auto* filter : {&q.operations.include, &q.operations.exclude}) {
    if (auto bad = CheckValues("operations", *filter, kOperations)) return bad;
  }
  for (const auto* filter : {&q.results.include, &q.results.exclude}) {
    if (auto bad = CheckValues("results", *filter, kResults)) return bad;
  }
  for (const auto* filter : {&q.tasks.include, &q.tasks.exclude}) {
    if (auto bad = CheckValues("tasks", *filter, kTasks)) return bad;
  }
  return std::nullopt;
}

// An array of strings from the (case-folded) body, or a BadRequest.
std::optional<BadRequest> BodyList(const json::object& body, std::string_view key,
                                   std::vector<std::string>& out) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_array()) return BadRequest{"'" + std::string(key) + "' must be an array"};
  for (const auto& v : it->value().as_array()) {
    if (!v.is_string()) return BadRequest{"'" + std::string(key) + "' must hold strings"};
    out.emplace_back(v.as_string());
  }
  return std::nullopt;
}

json::object EntryJson(const store::LogEntry& e) {
  char guid[40];
  std::snprintf(guid, sizeof guid, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(e.id));
  json::object meta;
  if (!e.reason.empty()) meta["reason"] = e.reason;
  return json::object{{"datetime", base::FormatIso8601Ms(e.datetime_ms)},
                      {"guid", guid},
                      {"id", e.document_id},
                      {"meta", std::move(meta)},
                      {"operation", e.operation},
                      {"organizationId", e.organization_id},
                      {"requestId", e.request_id},
                      {"resourceId", e.source_id},
                      {"result", e.result},
                      {"sourceId", e.source_id},
                      {"task", e.task}};
}

}  // namespace

void LogsApi::Register(http::Router& router) {
  router.Add("GET", "/logs/v1/organizations/{org}", [this](http::Request& r) { return Get(r); });
  router.Add("POST", "/logs/v1/organizations/{org}", [this](http::Request& r) { return Post(r); });
}

http::Response LogsApi::Get(http::Request& request) {
  store::LogQuery query;
  query.sources.include = ListParameter(request, "sourceId");
  query.operations.include = ListParameter(request, "operations");
  query.results.include = ListParameter(request, "results");
  query.tasks.include = ListParameter(request, "tasks");
  return Answer(request, std::move(query));
}

http::Response LogsApi::Post(http::Request& request) {
  store::LogQuery query;
  if (!request.body.empty()) {
    auto parsed = document::ParseCaseInsensitiveJson(request.body);
    if (!parsed.ok()) return push::CoveoError(400, "INVALID_JSON", parsed.status().message());
    if (!parsed->is_object()) {
      return push::CoveoError(400, "INVALID_JSON", "the body must be a JSON object of filters");
    }
    const json::object& body = parsed->as_object();
    const std::pair<std::string_view, std::vector<std::string>*> lists[] = {
        {"sourcesids", &query.sources.include},    {"excludesourceids", &query.sources.exclude},
        {"operations", &query.operations.include}, {"excludeoperations", &query.operations.exclude},
        {"results", &query.results.include},       {"excluderesults", &query.results.exclude},
        {"tasks", &query.tasks.include},           {"excludetasks", &query.tasks.exclude}};
    for (auto [key, target] : lists) {
      if (auto bad = BodyList(body, key, *target)) {
        return push::CoveoError(400, "INVALID_JSON", bad->message);
      }
    }
  }
  return Answer(request, std::move(query));
}

http::Response LogsApi::Answer(const http::Request& request, store::LogQuery query) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, push::kPrivilegeSearch);
  if (!access.key) return access.error;
  query.organization_id = org;
  for (auto* read : {&ReadTimeRange, &ReadPaging, &ReadDocumentId}) {
    if (auto bad = read(request, query)) {
      return push::CoveoError(412, "INVALID_PARAMETER", bad->message);
    }
  }
  if (auto bad = CheckFilters(query))
    return push::CoveoError(412, "INVALID_PARAMETER", bad->message);
  // One more than a page tells whether another page exists.
  ++query.limit;
  auto logs = store_.QueryLogs(query);
  if (!logs.ok()) return push::FromStatus(logs.status());
  bool has_next = logs->size() == query.limit;
  if (has_next) logs->pop_back();
  json::array entries;
  for (const auto& e : *logs) entries.push_back(EntryJson(e));
  return http::Response::Json(
      200, json::serialize(json::object{{"documentLogEntries", std::move(entries)},
                                        {"hasNextPage", has_next}}));
}

}  // namespace sluice::search
