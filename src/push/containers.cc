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

  auth::PresignInput presign;
  presign.method = "PUT";
  presign.host = UrlHost(options_.public_url);
  presign.path = "/blobstore/" + organization_id + "/" + container.file_id;
  json::object required_headers;
  for (auto [name, value] : kRequiredUploadHeaders) {
    presign.headers.emplace_back(name, value);  // PresignTarget lower-cases the names it signs
    required_headers[name] = value;
  }
  presign.expires_seconds = options_.ttl_seconds;
  presign.now_epoch_seconds = container.created_ms / 1000;
  auto target = auth::PresignTarget(options_.upload_credentials, presign);
  if (!target.ok()) return target.status().WithContext("sign the upload URI");
  SLUICE_RETURN_IF_ERROR(store_.CreateFileContainer(container));

  return json::object{{"uploadUri", UrlOrigin(options_.public_url) + *target},
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

}  // namespace sluice::push
