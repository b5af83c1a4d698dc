#include "push/containers.h"

#include "base/random.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

namespace json = boost::json;

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

}  // namespace

base::Result<json::object> Containers::Issue(const std::string& organization_id) {
  store::FileContainer container;
  container.file_id = base::NewUuid();
  container.organization_id = organization_id;
  container.created_ms = clock_.NowMs();
  container.expires_ms = container.created_ms + options_.ttl_seconds * 1000;

  json::object required_headers;
  auth::HeaderList headers;
  for (auto [name, value] : kRequiredUploadHeaders) {
    headers.emplace_back(name, value);  // the signers lower-case the names they sign
    required_headers[name] = value;
  }
  std::string upload_uri;
  if (options_.object_store_presigner) {
    SLUICE_ASSIGN_OR_RETURN(upload_uri, options_.object_store_presigner(
                                            store::ContainerBlobKey(container.file_id), headers,
                                            options_.ttl_seconds, container.created_ms / 1000));
  } else {
    auth::PresignInput presign;
    presign.method = "PUT";
    presign.host = UrlHost(options_.public_url);
    presign.path = "/blobstore/" + organization_id + "/" + container.file_id;
    presign.headers = std::move(headers);
    presign.expires_seconds = options_.ttl_seconds;
    presign.now_epoch_seconds = container.created_ms / 1000;
    auto target = auth::PresignTarget(options_.upload_credentials, presign);
    if (!target.ok()) return target.status().WithContext("sign the upload URI");
    upload_uri = UrlOrigin(options_.public_url) + *target;
  }
  SLUICE_RETURN_IF_ERROR(store_.CreateFileContainer(container));

  return json::object{{"uploadUri", std::move(upload_uri)},
                      {"fileId", container.file_id},
                      {"requiredHeaders", std::move(required_headers)}};
}

std::optional<http::Response> Containers::CheckUsable(const std::string& id,
                                                      const std::string& organization_id) {
  auto container = store_.GetFileContainer(id);
  if (!container.ok()) return FromStatus(container.status());
  const auto& c = *container;
  if (!c || c->organization_id != organization_id) {
    return CoveoError(412, "INVALID_PARAMETER", "File container '" + id + "' does not exist.");
  }
  auto uploaded = IsUploaded(*c);
  if (!uploaded.ok()) return FromStatus(uploaded.status());
  if (!*uploaded) {
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

base::Result<bool> Containers::IsUploaded(const store::FileContainer& container) {
  if (container.uploaded_ms) return true;
  if (!options_.object_store_presigner) return false;
  auto size = blobs_.Stat(store::ContainerBlobKey(container.file_id));
  if (size.status().code() == base::StatusCode::kNotFound) return false;
  if (!size.ok()) return size.status().WithContext("look up file container " + container.file_id);
  // Remembered, so that the next call (and a stream's close) need not ask the store again.
  SLUICE_RETURN_IF_ERROR(store_.MarkFileUploaded(container.file_id, clock_.NowMs(), *size, ""));
  return true;
}

}  // namespace sluice::push
