#include "push/push_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/json/serialize.hpp>

#include "document/document_body.h"
#include "document/document_id.h"
#include "document/json_body.h"
#include "push/errors.h"
#include "push/params.h"

namespace sluice::push {
namespace {

namespace json = boost::json;

constexpr std::string_view kPushPrefixes[] = {"/push/v1", "/v1"};

// S3 answers a header mismatch with a bare signature error; naming the header
// that differs saves the user a long hunt. The code stays AccessDenied.
std::string RequiredHeaderHint(const http::Request& request) {
  std::string hint;
  for (auto [name, value] : kRequiredUploadHeaders) {
    auto sent = request.Header(name);
    if (!sent) {
      hint += " Missing required header '" + std::string(name) + ": " + std::string(value) + "'.";
    } else if (*sent != value) {
      hint += " Header '" + std::string(name) + "' must be exactly '" + std::string(value) +
              "' (got '" + std::string(*sent) + "').";
    }
  }
  return hint;
}

// An upload the server could not store: S3's 503 with Retry-After when the disk
// is full (the client may retry the same URI), 500 InternalError otherwise.
http::Response StorageError(const base::Status& why, std::string_view resource,
                            std::string_view request_id) {
  if (why.code() != base::StatusCode::kStorageFull) {
    return S3Error(500, "InternalError", why.message(), resource, request_id);
  }
  http::Response r = S3Error(503, "ServiceUnavailable",
                             "The server's disk is full, so the upload was not stored; retry "
                             "once space is freed: " +
                                 why.message(),
                             resource, request_id);
  r.headers.emplace_back("Retry-After", std::to_string(kStorageFullRetrySeconds));
  return r;
}

class UploadSink final : public http::BodySink {
 public:
  UploadSink(std::unique_ptr<blob::BlobWriter> writer, store::StateStore& store,
             const base::Clock& clock, std::string file_id, std::string resource,
             std::string request_id, uint64_t max_bytes)
      : writer_(std::move(writer)),
        store_(store),
        clock_(clock),
        file_id_(std::move(file_id)),
        resource_(std::move(resource)),
        request_id_(std::move(request_id)),
        max_bytes_(max_bytes) {}

  base::Status Write(std::string_view chunk) override {
    received_ += chunk.size();
    if (received_ > max_bytes_) {
      return base::ResourceExhausted("Your proposed upload exceeds the maximum allowed size of " +
                                     std::to_string(max_bytes_) + " bytes");
    }
    return writer_->Append(chunk);
  }

  http::Response Finish() override {
    auto info = writer_->Commit();
    if (!info.ok()) return Fail(info.status());
    base::Status s =
        store_.MarkFileUploaded(file_id_, clock_.NowMs(), info->size, info->sha256_hex);
    if (!s.ok()) return Fail(s);
    http::Response r;
    r.content_type = "application/xml";
    r.headers.emplace_back(std::string(kEncryptionHeader), std::string(kEncryptionAlgorithm));
    r.headers.emplace_back("ETag", "\"" + info->sha256_hex.substr(0, 32) + "\"");
    return r;
  }

  http::Response Fail(const base::Status& why) override {
    writer_.reset();  // discards the partial blob
    if (why.code() == base::StatusCode::kResourceExhausted && received_ > max_bytes_) {
      return S3Error(413, "EntityTooLarge", why.message(), resource_, request_id_);
    }
    return StorageError(why, resource_, request_id_);
  }

 private:
  std::unique_ptr<blob::BlobWriter> writer_;
  store::StateStore& store_;
  const base::Clock& clock_;
  std::string file_id_;
  std::string resource_;
  std::string request_id_;
  uint64_t max_bytes_;
  uint64_t received_ = 0;
};

}  // namespace

PushApi::PushApi(store::StateStore& store, store::Journal& journal, blob::BlobStore& blobs,
                 const base::Clock& clock, PushOptions options)
    : store_(store),
      journal_(journal),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)),
      access_(store),
      ordering_(clock),
      containers_(store, blobs, clock, options_.containers),
      throttle_(store, clock, options_.throttle),
      identities_(store, blobs, clock, ordering_, containers_, options_.max_container_bytes),
      streams_(store, journal, clock, ordering_, containers_) {}

void PushApi::Register(http::Router& router) {
  auto guarded = [&](http::Handler handler) { return throttle_.Guard(std::move(handler)); };
  for (std::string_view prefix : kPushPrefixes) {
    std::string org = std::string(prefix) + "/organizations/{org}";
    std::string docs = org + "/sources/{source}/documents";
    router.Add("PUT", docs, guarded([this](http::Request& r) { return PutDocument(r); }));
    router.Add("DELETE", docs, guarded([this](http::Request& r) { return DeleteDocument(r); }));
    router.Add("PUT", docs + "/batch", guarded([this](http::Request& r) { return PutBatch(r); }));
    router.Add("DELETE", docs + "/olderthan",
               guarded([this](http::Request& r) { return DeleteOlderThan(r); }));
    router.Add("POST", org + "/sources/{source}/status",
               guarded([this](http::Request& r) { return SetStatus(r); }));
    router.Add("POST", org + "/files",
               guarded([this](http::Request& r) { return CreateFileContainer(r); }));
  }
  identities_.Register(router, throttle_);
  streams_.Register(router, throttle_);
  router.AddStreaming("*", kUploadRoute, [this](http::Request& r) { return StartUpload(r); });
}

std::optional<http::Response> PushApi::CheckSource(const http::Request& request) {
  auto source = ResolveSource(access_, store_, request, kPrivilegePush);
  if (auto* error = std::get_if<http::Response>(&source)) return *error;
  return std::nullopt;
}

http::Response PushApi::Journal(store::Operation op, const http::Request& request) {
  op.organization_id = request.path_params.at("org");
  op.source_id = request.path_params.at("source");
  op.received_ms = clock_.NowMs();
  op.request_id = request.request_id;
  std::vector<store::Operation> ops = {std::move(op)};
  base::Status s = journal_.Append(ops);
  if (!s.ok()) return FromStatus(s.WithContext("journal the operation"));
  return http::Response::Json(202, "{}");
}

std::variant<PushApi::ItemTarget, http::Response> PushApi::ParseItemTarget(
    const http::Request& request) {
  auto document_id = request.Query("documentId");
  if (!document_id || document_id->empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'documentId' is missing.");
  }
  if (base::Status s = document::ValidateDocumentId(*document_id); !s.ok()) {
    return CoveoError(412, "INVALID_PARAMETER",
                      "Parameter 'documentId' is invalid: " + s.message());
  }
  auto ordering_id = ParseOrderingId(request);
  if (!ordering_id.ok()) {
    return CoveoError(412, "INVALID_PARAMETER", ordering_id.status().message());
  }
  return ItemTarget{std::move(*document_id), ordering_id->value_or(ordering_.Next())};
}

http::Response PushApi::PutDocument(http::Request& request) {
  if (auto error = CheckSource(request)) return *error;
  if (!IsJsonContentType(request.Header("Content-Type"))) {
    return CoveoError(415, "UNSUPPORTED_MEDIA_TYPE",
                      "Content-Type must be application/json (got '" +
                          std::string(*request.Header("Content-Type")) + "').");
  }
  auto target = ParseItemTarget(request);
  if (auto* error = std::get_if<http::Response>(&target)) return *error;
  auto& [document_id, ordering_id] = std::get<ItemTarget>(target);
  std::optional<codec::Compression> query_compression;
  if (auto raw = request.Query("compressionType")) {
    auto parsed = codec::ParseCompression(*raw);
    if (!parsed.ok()) return CoveoError(412, "INVALID_PARAMETER", parsed.status().message());
    query_compression = *parsed;
  }
  if (request.body.empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'documentBody' is missing.");
  }
  auto parsed = document::ParseCaseInsensitiveJson(request.body);
  if (!parsed.ok()) return CoveoError(400, "INVALID_JSON", parsed.status().message());
  auto body = document::ValidateDocumentBody(std::move(*parsed), document_id, query_compression);
  if (!body.ok() && body.status().code() == base::StatusCode::kResourceExhausted) {
    return RejectItem(request, document_id, body.status().message());
  }
  if (!body.ok()) return CoveoError(400, "INVALID_JSON", body.status().message());

  if (body->file_id) {
    if (auto error = containers_.CheckUsable(*body->file_id, request.path_params.at("org"))) {
      return *error;
    }
  }
  store::Operation op;
  op.kind = store::OperationKind::kAddOrUpdate;
  op.document_id = document_id;
  op.ordering_id = ordering_id;
  op.payload = json::serialize(body->fields);
  return Journal(std::move(op), request);
}

http::Response PushApi::RejectItem(const http::Request& request, const std::string& document_id,
                                   const std::string& why) {
  std::vector<store::LogEntry> logs = {store::LogEntry{
      0, clock_.NowMs(), request.path_params.at("org"), request.path_params.at("source"),
      document_id, "ADD", "CONSUMING", "REJECTED", why, request.request_id}};
  base::Status s = store_.AppendLogs(logs);
  if (!s.ok()) return FromStatus(s.WithContext("log the rejected item"));
  return http::Response::Json(202, "{}");
}

http::Response PushApi::PutBatch(http::Request& request) {
  if (auto error = CheckSource(request)) return *error;
  auto file_id = request.Query("fileId");
  if (!file_id || file_id->empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'fileId' is missing.");
  }
  auto ordering_id = ParseOrderingId(request);
  if (!ordering_id.ok()) {
    return CoveoError(412, "INVALID_PARAMETER", ordering_id.status().message());
  }
  if (auto error = containers_.CheckUsable(*file_id, request.path_params.at("org"))) return *error;
  // The body is ignored, as Coveo does (clients send "{}", "" or nothing).
  store::Operation op;
  op.kind = store::OperationKind::kBatch;
  op.ordering_id = ordering_id->value_or(ordering_.Next());
  op.payload = json::serialize(json::object{{"compressedbinarydatafileid", *file_id}});
  return Journal(std::move(op), request);
}

http::Response PushApi::DeleteDocument(http::Request& request) {
  if (auto error = CheckSource(request)) return *error;
  auto target = ParseItemTarget(request);
  if (auto* error = std::get_if<http::Response>(&target)) return *error;
  auto& [document_id, ordering_id] = std::get<ItemTarget>(target);
  bool children = false;
  if (auto raw = request.Query("deleteChildren")) {
    if (*raw != "true" && *raw != "false") {
      return CoveoError(412, "INVALID_PARAMETER",
                        "Parameter 'deleteChildren' must be true or false (got '" + *raw + "').");
    }
    children = *raw == "true";
  }
  store::Operation op;
  op.kind = children ? store::OperationKind::kDeleteWithChildren : store::OperationKind::kDelete;
  op.document_id = document_id;
  op.ordering_id = ordering_id;
  op.payload = "{}";
  return Journal(std::move(op), request);
}

http::Response PushApi::DeleteOlderThan(http::Request& request) {
  if (auto error = CheckSource(request)) return *error;
  auto ordering_id = RequiredOrderingId(request);
  if (auto* error = std::get_if<http::Response>(&ordering_id)) return *error;
  auto queue_delay_minutes = ParseQueueDelayMinutes(request);
  if (!queue_delay_minutes.ok()) {
    return CoveoError(412, "INVALID_PARAMETER", queue_delay_minutes.status().message());
  }
  store::Operation op;
  op.kind = store::OperationKind::kDeleteOlderThan;
  op.document_id = "";
  op.ordering_id = std::get<uint64_t>(ordering_id);
  op.payload = json::serialize(json::object{{"queuedelayms", *queue_delay_minutes * 60000}});
  return Journal(std::move(op), request);
}

http::Response PushApi::SetStatus(http::Request& request) {
  if (auto error = CheckSource(request)) return *error;
  // One legacy page spells the parameter sourceType.
  auto raw = request.Query("statusType");
  if (!raw) raw = request.Query("sourceType");
  if (!raw) return CoveoError(412, "MISSING_PARAMETER", "Parameter 'statusType' is missing.");
  std::string status = *raw;
  std::transform(status.begin(), status.end(), status.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (status != "REBUILD" && status != "REFRESH" && status != "INCREMENTAL" && status != "IDLE") {
    return CoveoError(
        412, "INVALID_PARAMETER",
        "Parameter 'statusType' must be REBUILD, REFRESH, INCREMENTAL or IDLE (got '" + *raw +
            "').");
  }
  base::Status s = store_.SetSourceStatus(request.path_params.at("org"),
                                          request.path_params.at("source"), status, clock_.NowMs());
  if (!s.ok()) return FromStatus(s);
  return http::Response::Json(201, "{}");
}

http::Response PushApi::CreateFileContainer(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, kPrivilegePush);
  if (!access.key) return access.error;

  auto issued = containers_.Issue(org);
  if (!issued.ok()) return FromStatus(issued.status());
  return http::Response::Json(201, json::serialize(*issued));
}

std::variant<http::Response, std::unique_ptr<http::BodySink>> PushApi::StartUpload(
    http::Request& request) {
  const std::string resource = request.path;
  auto denied = [&](std::string_view message) {
    return S3Error(403, "AccessDenied", message, resource, request.request_id);
  };
  auth::VerifyInput verify;
  verify.method = request.method;
  verify.host = std::string(request.Header("Host").value_or(""));
  verify.target = request.target;
  verify.headers = request.headers;
  verify.now_epoch_seconds = clock_.NowMs() / 1000;
  base::Status s = auth::VerifyPresigned(containers_.options().upload_credentials, verify);
  if (!s.ok()) return denied(s.message() + RequiredHeaderHint(request));

  const std::string& file_id = request.path_params.at("file");
  auto container = store_.GetFileContainer(file_id);
  if (!container.ok()) {
    return S3Error(500, "InternalError", container.status().message(), resource,
                   request.request_id);
  }
  if (!*container || (*container)->organization_id != request.path_params.at("org")) {
    return denied("Access Denied");
  }
  if ((*container)->consumed_ms) return denied("The file container was already used");
  if (auto length = request.Header("Content-Length")) {
    uint64_t n = 0;
    std::from_chars(length->data(), length->data() + length->size(), n);
    if (n > options_.max_container_bytes) {
      return S3Error(413, "EntityTooLarge",
                     "Your proposed upload exceeds the maximum allowed size of " +
                         std::to_string(options_.max_container_bytes) + " bytes",
                     resource, request.request_id);
    }
  }
  auto writer = blobs_.Create(store::ContainerBlobKey(file_id));
  if (!writer.ok()) return StorageError(writer.status(), resource, request.request_id);
  return std::make_unique<UploadSink>(std::move(*writer), store_, clock_, file_id, resource,
                                      request.request_id, options_.max_container_bytes);
}

}  // namespace sluice::push
