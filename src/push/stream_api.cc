#include "push/stream_api.h"

#include <charconv>

#include <boost/json/serialize.hpp>

#include "base/random.h"
#include "push/errors.h"
#include "push/params.h"

namespace sluice::push {
namespace {

namespace json = boost::json;

constexpr std::string_view kPushPrefixes[] = {"/push/v1", "/v1"};
constexpr std::string_view kSourcePaths[] = {"/sources/{source}/stream",
                                             "/data-collections/{source}/stream"};

json::object OrderingBody(uint64_t ordering_id, const http::Request& request) {
  return json::object{{"orderingId", ordering_id}, {"requestId", request.request_id}};
}

}  // namespace

StreamApi::StreamApi(store::StateStore& store, store::Journal& journal, const base::Clock& clock,
                     OrderingClock& ordering, Containers& containers)
    : store_(store),
      journal_(journal),
      clock_(clock),
      access_(store),
      ordering_(ordering),
      containers_(containers) {}

void StreamApi::Register(http::Router& router, Throttle& throttle) {
  auto guarded = [&](http::Handler handler) { return throttle.Guard(std::move(handler)); };
  for (std::string_view prefix : kPushPrefixes) {
    for (std::string_view path : kSourcePaths) {
      std::string base = std::string(prefix) + "/organizations/{org}" + std::string(path);
      router.Add("POST", base + "/open", guarded([this](http::Request& r) { return Open(r); }));
      router.Add("PUT", base + "/update",
                 guarded([this](http::Request& r) { return Update(r, false); }));
      router.Add("PUT", base + "/merge",
                 guarded([this](http::Request& r) { return Update(r, true); }));
      router.Add("POST", base + "/deleteolderthan/{ms}",
                 guarded([this](http::Request& r) { return DeleteOlderThan(r); }));
      router.Add("POST", base + "/{stream}/chunk",
                 guarded([this](http::Request& r) { return Chunk(r); }));
      router.Add("POST", base + "/{stream}/close",
                 guarded([this](http::Request& r) { return Close(r); }));
    }
  }
}

std::optional<http::Response> StreamApi::CheckCatalogSource(const http::Request& request) {
  auto source = ResolveSource(access_, store_, request, kPrivilegePush);
  if (auto* error = std::get_if<http::Response>(&source)) return *error;
  const auto& s = std::get<store::Source>(source);
  if (s.type != "CATALOG") {
    return CoveoError(412, "INVALID_PARAMETER",
                      "Source '" + s.id + "' is a " + s.type +
                          " source; the Stream API serves CATALOG sources (create one with "
                          "sourceType CATALOG, or use /documents on this one).");
  }
  return std::nullopt;
}

std::variant<store::Stream, http::Response> StreamApi::OpenStream(const http::Request& request) {
  if (auto error = CheckCatalogSource(request)) return *error;
  const std::string& id = request.path_params.at("stream");
  auto stream = store_.GetStream(id);
  if (!stream.ok()) return FromStatus(stream.status());
  if (!*stream || (*stream)->organization_id != request.path_params.at("org") ||
      (*stream)->source_id != request.path_params.at("source")) {
    return CoveoError(404, "STREAM_NOT_FOUND",
                      "Stream '" + id + "' does not exist for source '" +
                          request.path_params.at("source") + "'.");
  }
  if ((*stream)->closed_ms) {
    return CoveoError(412, "INVALID_PARAMETER", "Stream '" + id + "' is closed; open a new one.");
  }
  return std::move(**stream);
}

http::Response StreamApi::Open(http::Request& request) {
  if (auto error = CheckCatalogSource(request)) return *error;
  store::Stream stream{base::NewUuid(),
                       request.path_params.at("org"),
                       request.path_params.at("source"),
                       ordering_.Next(),
                       clock_.NowMs(),
                       {}};
  base::Status s = store_.CreateStream(stream);
  if (!s.ok()) return FromStatus(s);
  auto chunk = containers_.Issue(stream.organization_id);
  if (!chunk.ok()) return FromStatus(chunk.status());
  s = store_.AddStreamChunk(stream.id, std::string((*chunk)["fileId"].as_string()));
  if (!s.ok()) return FromStatus(s);
  (*chunk)["streamId"] = stream.id;
  return http::Response::Json(201, json::serialize(*chunk));
}

http::Response StreamApi::Chunk(http::Request& request) {
  auto stream = OpenStream(request);
  if (auto* error = std::get_if<http::Response>(&stream)) return *error;
  const auto& s = std::get<store::Stream>(stream);
  auto chunk = containers_.Issue(s.organization_id);
  if (!chunk.ok()) return FromStatus(chunk.status());
  base::Status added = store_.AddStreamChunk(s.id, std::string((*chunk)["fileId"].as_string()));
  if (!added.ok()) return FromStatus(added);
  return http::Response::Json(200, json::serialize(*chunk));
}

store::Operation StreamApi::NewOperation(store::OperationKind kind, uint64_t ordering_id,
                                         const http::Request& request) const {
  store::Operation op;
  op.organization_id = request.path_params.at("org");
  op.source_id = request.path_params.at("source");
  op.kind = kind;
  op.ordering_id = ordering_id;
  op.payload = "{}";
  op.received_ms = clock_.NowMs();
  op.request_id = request.request_id;
  return op;
}

http::Response StreamApi::Close(http::Request& request) {
  auto stream = OpenStream(request);
  if (auto* error = std::get_if<http::Response>(&stream)) return *error;
  const auto& s = std::get<store::Stream>(stream);
  auto chunks = store_.StreamChunks(s.id);
  if (!chunks.ok()) return FromStatus(chunks.status());
  std::vector<store::Operation> ops;
  for (const std::string& file_id : *chunks) {
    auto container = store_.GetFileContainer(file_id);
    if (!container.ok()) return FromStatus(container.status());
    if (!*container) continue;
    auto uploaded = containers_.IsUploaded(**container);
    if (!uploaded.ok()) return FromStatus(uploaded.status());
    if (!*uploaded) continue;  // handed out, never filled
    store::Operation batch = NewOperation(store::OperationKind::kBatch, s.ordering_id, request);
    batch.payload = json::serialize(json::object{{"compressedbinarydatafileid", file_id}});
    ops.push_back(std::move(batch));
  }
  store::Operation cleanup =
      NewOperation(store::OperationKind::kDeleteOlderThan, s.ordering_id, request);
  cleanup.payload = json::serialize(json::object{{"queuedelayms", 0}});
  ops.push_back(std::move(cleanup));
  base::Status closed = store_.CloseStream(s.id, clock_.NowMs(), ops);
  if (closed.code() == base::StatusCode::kFailedPrecondition) {
    return CoveoError(412, "INVALID_PARAMETER", closed.message());
  }
  if (!closed.ok()) return FromStatus(closed);
  journal_.NotifyAppended(ops.size());
  return http::Response::Json(200, json::serialize(OrderingBody(s.ordering_id, request)));
}

http::Response StreamApi::Update(http::Request& request, bool merge) {
  if (auto error = CheckCatalogSource(request)) return *error;
  auto file_id = request.Query("fileId");
  if (!file_id || file_id->empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'fileId' is missing.");
  }
  if (auto error = containers_.CheckUsable(*file_id, request.path_params.at("org"))) {
    return *error;
  }
  store::Operation batch = NewOperation(store::OperationKind::kBatch, ordering_.Next(), request);
  json::object payload{{"compressedbinarydatafileid", *file_id}};
  if (merge) payload["merge"] = true;
  batch.payload = json::serialize(payload);
  return Accept({std::move(batch)}, 202, request);
}

http::Response StreamApi::DeleteOlderThan(http::Request& request) {
  if (auto error = CheckCatalogSource(request)) return *error;
  const std::string& raw = request.path_params.at("ms");
  uint64_t epoch_ms = 0;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), epoch_ms);
  if (ec != std::errc() || ptr != raw.data() + raw.size()) {
    return CoveoError(412, "INVALID_PARAMETER",
                      "'" + raw + "' is not a number of milliseconds since the epoch.");
  }
  auto queue_delay = ParseQueueDelayMinutes(request);
  if (!queue_delay.ok())
    return CoveoError(412, "INVALID_PARAMETER", queue_delay.status().message());
  store::Operation op = NewOperation(store::OperationKind::kDeleteOlderThan, epoch_ms, request);
  op.payload = json::serialize(json::object{{"queuedelayms", *queue_delay * 60000}});
  return Accept({std::move(op)}, 201, request);
}

http::Response StreamApi::Accept(std::vector<store::Operation> ops, int status,
                                 const http::Request& request) {
  uint64_t ordering_id = ops.front().ordering_id;
  base::Status s = journal_.Append(ops);
  if (!s.ok()) return FromStatus(s.WithContext("journal the operation"));
  return http::Response::Json(status, json::serialize(OrderingBody(ordering_id, request)));
}

}  // namespace sluice::push
