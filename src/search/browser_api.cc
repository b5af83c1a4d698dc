#include "search/browser_api.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/clock.h"
#include "index/search.h"
#include "pipeline/applier.h"
#include "push/errors.h"
#include "search/json_fields.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

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

BrowserApi::BrowserApi(store::StateStore& store, std::filesystem::path index_root)
    : store_(store), index_root_(std::move(index_root)), access_(store) {}

void BrowserApi::Register(http::Router& router) {
  std::string org = "/api/v1/organizations/{org}";
  router.Add("GET", org + "/sources", [this](http::Request& r) { return ListSources(r); });
  router.Add("GET", org + "/sources/{source}/items",
             [this](http::Request& r) { return ListItems(r); });
  router.Add("GET", org + "/sources/{source}/items/detail",
             [this](http::Request& r) { return ItemDetail(r); });
  router.Add("GET", org + "/logs", [this](http::Request& r) { return Logs(r); });
}

http::Response BrowserApi::ListSources(http::Request& request) {
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

std::optional<http::Response> BrowserApi::CheckSource(const http::Request& request) {
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

http::Response BrowserApi::ListItems(http::Request& request) {
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

http::Response BrowserApi::ItemDetail(http::Request& request) {
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

http::Response BrowserApi::Logs(http::Request& request) {
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
