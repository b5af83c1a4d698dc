#include "push/push_api.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <boost/json/serialize.hpp>

#include "base/random.h"
#include "document/document_body.h"
#include "document/json_body.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

namespace json = boost::json;

constexpr std::string_view kPushPrefixes[] = {"/push/v1", "/v1"};
constexpr std::string_view kEncryptionHeader = "x-amz-server-side-encryption";

// Host and port of a URL such as "http://127.0.0.1:8080" (what clients send as Host).
std::string UrlHost(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

std::string UrlOrigin(std::string_view url) {
  size_t start = url.find("://");
  size_t end = url.find('/', start == std::string_view::npos ? 0 : start + 3);
  return std::string(url.substr(0, end));
}

bool IsJsonContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return true;  // absent: judge by the body
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v.size() == 16 && ::strncasecmp(v.data(), "application/json", 16) == 0;
}

base::Result<std::optional<uint64_t>> ParseOrderingId(const http::Request& request) {
  auto raw = request.Query("orderingId");
  if (!raw) return std::optional<uint64_t>();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (raw->empty() || ec != std::errc() || ptr != raw->data() + raw->size()) {
    return base::InvalidArgument(
        "Parameter 'orderingId' must be an unsigned 64-bit integer (got '" + *raw + "').");
  }
  return std::optional<uint64_t>(value);
}

// S3 answers a header mismatch with a bare signature error; naming the header
// that differs saves the user a long hunt. The code stays AccessDenied.
std::string RequiredHeaderHint(const http::Request& request) {
  constexpr std::pair<std::string_view, std::string_view> kRequired[] = {
      {kEncryptionHeader, "AES256"}, {"Content-Type", "application/octet-stream"}};
  std::string hint;
  for (auto [name, value] : kRequired) {
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
    r.headers.emplace_back(std::string(kEncryptionHeader), "AES256");
    r.headers.emplace_back("ETag", "\"" + info->sha256_hex.substr(0, 32) + "\"");
    return r;
  }

  http::Response Fail(const base::Status& why) override {
    writer_.reset();  // discards the partial blob
    if (why.code() == base::StatusCode::kResourceExhausted && received_ > max_bytes_) {
      return S3Error(413, "EntityTooLarge", why.message(), resource_, request_id_);
    }
    return S3Error(500, "InternalError", why.message(), resource_, request_id_);
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

uint64_t OrderingClock::Next() {
  auto now = static_cast<uint64_t>(clock_.NowMs());
  uint64_t last = last_.load();
  for (;;) {
    uint64_t next = std::max(now, last + 1);
    if (last_.compare_exchange_weak(last, next)) return next;
  }
}

PushApi::PushApi(store::StateStore& store, store::Journal& journal, blob::BlobStore& blobs,
                 const base::Clock& clock, PushOptions options)
    : store_(store),
      journal_(journal),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)),
      access_(store),
      ordering_(clock) {}

void PushApi::Register(http::Router& router) {
  for (std::string_view prefix : kPushPrefixes) {
    std::string org = std::string(prefix) + "/organizations/{org}";
    std::string docs = org + "/sources/{source}/documents";
    router.Add("PUT", docs, [this](http::Request& r) { return PutDocument(r); });
    router.Add("DELETE", docs, [this](http::Request& r) { return DeleteDocument(r); });
    router.Add("PUT", docs + "/batch", [this](http::Request& r) { return PutBatch(r); });
    router.Add("DELETE", docs + "/olderthan",
               [this](http::Request& r) { return DeleteOlderThan(r); });
    router.Add("POST", org + "/sources/{source}/status",
               [this](http::Request& r) { return SetStatus(r); });
    router.Add("POST", org + "/files", [this](http::Request& r) { return CreateFileContainer(r); });
  }
  router.AddStreaming("*", "/blobstore/{org}/{file}",
                      [this](http::Request& r) { return StartUpload(r); });
}

std::optional<http::Response> PushApi::CheckSource(const http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, kPrivilegePush);
  if (!access.key) return access.error;
  const std::string& source_id = request.path_params.at("source");
  auto source = store_.GetSource(org, source_id);
  if (!source.ok()) return FromStatus(source.status());
  if (!source->has_value()) {
    return CoveoError(412, "SOURCE_DOES_NOT_EXIST",
                      "Source '" + source_id + "' does not exist in organization '" + org + "'.");
  }
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
  if (!body.ok()) return CoveoError(400, "INVALID_JSON", body.status().message());

  if (body->file_id) {
    if (auto error = CheckContainer(*body->file_id, request)) return *error;
  }
  store::Operation op;
  op.kind = store::OperationKind::kAddOrUpdate;
  op.document_id = document_id;
  op.ordering_id = ordering_id;
  op.payload = json::serialize(body->fields);
  return Journal(std::move(op), request);
}

std::optional<http::Response> PushApi::CheckContainer(const std::string& id,
                                                      const http::Request& request) {
  auto container = store_.GetFileContainer(id);
  if (!container.ok()) return FromStatus(container.status());
  const auto& c = *container;
  if (!c || c->organization_id != request.path_params.at("org")) {
    return CoveoError(412, "INVALID_PARAMETER", "File container '" + id + "' does not exist.");
  }
  if (!c->uploaded_ms) {
    return CoveoError(
        412, "INVALID_PARAMETER",
        "File container '" + id + "' has no content yet: PUT the bytes to its uploadUri first.");
  }
  if (c->consumed_ms) {
    return CoveoError(412, "INVALID_PARAMETER",
                      "File container '" + id + "' was already used; create a new one.");
  }
  if (c->expires_ms < clock_.NowMs()) {
    return CoveoError(412, "INVALID_PARAMETER",
                      "File container '" + id + "' expired; create a new one.");
  }
  return std::nullopt;
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
  if (auto error = CheckContainer(*file_id, request)) return *error;
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
  auto ordering_id = ParseOrderingId(request);
  if (!ordering_id.ok()) {
    return CoveoError(412, "INVALID_PARAMETER", ordering_id.status().message());
  }
  if (!*ordering_id) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'orderingId' is missing.");
  }
  int64_t queue_delay_minutes = 15;  // Coveo's default grace period
  if (auto raw = request.Query("queueDelay")) {
    auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), queue_delay_minutes);
    if (raw->empty() || ec != std::errc() || ptr != raw->data() + raw->size() ||
        queue_delay_minutes < 0 || queue_delay_minutes > 7 * 24 * 60) {
      return CoveoError(
          412, "INVALID_PARAMETER",
          "Parameter 'queueDelay' must be a number of minutes within 0..10080 (got '" + *raw +
              "').");
    }
  }
  store::Operation op;
  op.kind = store::OperationKind::kDeleteOlderThan;
  op.document_id = "";
  op.ordering_id = **ordering_id;
  op.payload = json::serialize(json::object{{"queuedelayms", queue_delay_minutes * 60000}});
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

  store::FileContainer container;
  container.file_id = base::NewUuid();
  container.organization_id = org;
  container.created_ms = clock_.NowMs();
  container.expires_ms = container.created_ms + options_.container_ttl_seconds * 1000;

  auth::PresignInput presign;
  presign.method = "PUT";
  presign.host = UrlHost(options_.public_url);
  presign.path = "/blobstore/" + org + "/" + container.file_id;
  presign.headers = {{std::string(kEncryptionHeader), "AES256"},
                     {"content-type", "application/octet-stream"}};
  presign.expires_seconds = options_.container_ttl_seconds;
  presign.now_epoch_seconds = container.created_ms / 1000;
  auto target = auth::PresignTarget(options_.upload_credentials, presign);
  if (!target.ok()) return FromStatus(target.status().WithContext("sign the upload URI"));
  base::Status s = store_.CreateFileContainer(container);
  if (!s.ok()) return FromStatus(s);

  json::object body;
  body["uploadUri"] = UrlOrigin(options_.public_url) + *target;
  body["fileId"] = container.file_id;
  body["requiredHeaders"] = {{kEncryptionHeader, "AES256"},
                             {"Content-Type", "application/octet-stream"}};
  return http::Response::Json(201, json::serialize(body));
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
  base::Status s = auth::VerifyPresigned(options_.upload_credentials, verify);
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
  if (!writer.ok()) {
    return S3Error(500, "InternalError", writer.status().message(), resource, request.request_id);
  }
  return std::make_unique<UploadSink>(std::move(*writer), store_, clock_, file_id, resource,
                                      request.request_id, options_.max_container_bytes);
}

}  // namespace sluice::push
