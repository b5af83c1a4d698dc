#include "push/identity_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "codec/decompressor.h"
#include "document/json_body.h"
#include "push/errors.h"
#include "push/identity_body.h"
#include "push/params.h"

namespace sluice::push {
namespace {

namespace json = boost::json;

constexpr std::string_view kPushPrefixes[] = {"/push/v1", "/v1"};
constexpr uint32_t kMaxPerPage = 1000;

json::object IdentityJson(const store::SecurityIdentity& id) {
  json::error_code ec;
  json::value body = json::parse(id.body_json, ec);
  json::object out{{"identity", {{"name", id.name}, {"type", id.type}}},
                   {"provider", id.provider_id},
                   {"kind", id.alias ? "ALIAS" : "IDENTITY"},
                   {"state", id.disabled ? "DISABLED" : "UP_TO_DATE"},
                   {"orderingId", std::to_string(id.ordering_id)},
                   {"lastUpdateDate", id.updated_ms}};
  if (!ec && body.is_object()) {
    for (auto& [key, value] : body.as_object()) {
      if (key == "additionalInfo") {
        out["identity"].as_object()["additionalInfo"] = value;
      } else {
        out[key] = value;
      }
    }
  }
  return out;
}

}  // namespace

IdentityApi::IdentityApi(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
                         OrderingClock& ordering, Containers& containers, uint64_t max_batch_bytes)
    : store_(store),
      blobs_(blobs),
      clock_(clock),
      access_(store),
      ordering_(ordering),
      containers_(containers),
      max_batch_bytes_(max_batch_bytes) {}

void IdentityApi::Register(http::Router& router, Throttle& throttle) {
  auto guarded = [&](http::Handler handler) { return throttle.Guard(std::move(handler)); };
  for (std::string_view prefix : kPushPrefixes) {
    std::string base = std::string(prefix) + "/organizations/{org}/providers/{provider}";
    router.Add("PUT", base + "/permissions",
               guarded([this](http::Request& r) { return PutIdentity(r); }));
    router.Add("DELETE", base + "/permissions",
               guarded([this](http::Request& r) { return DeleteIdentity(r); }));
    router.Add("PUT", base + "/mappings",
               guarded([this](http::Request& r) { return PutMapping(r); }));
    router.Add("PUT", base + "/permissions/batch",
               guarded([this](http::Request& r) { return PutBatch(r); }));
    router.Add("DELETE", base + "/permissions/olderthan",
               guarded([this](http::Request& r) { return DeleteOlderThan(r); }));
  }
  router.Add("POST", "/rest/organizations/{org}/securitycache/entities/list",
             [this](http::Request& r) { return List(r); });
}

std::optional<http::Response> IdentityApi::Check(const http::Request& request,
                                                 uint64_t& ordering_id) {
  auto access = access_.Check(request, request.path_params.at("org"), kPrivilegePush);
  if (!access.key) return access.error;
  auto given = ParseOrderingId(request);
  if (!given.ok()) return CoveoError(412, "INVALID_PARAMETER", given.status().message());
  ordering_id = given->value_or(ordering_.Next());
  return std::nullopt;
}

http::Response IdentityApi::Apply(http::Request& request, IdentityBodyKind kind) {
  uint64_t ordering_id = 0;
  if (auto error = Check(request, ordering_id)) return *error;
  if (!IsJsonContentType(request.Header("Content-Type"))) {
    return CoveoError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json.");
  }
  if (request.body.empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "The security identity body is missing.");
  }
  auto parsed = document::ParseCaseInsensitiveJson(request.body);
  if (!parsed.ok()) return CoveoError(400, "INVALID_JSON", parsed.status().message());
  auto identity = ParseIdentityBody(*parsed, kind);
  if (!identity.ok()) return CoveoError(400, "INVALID_JSON", identity.status().message());
  identity->organization_id = request.path_params.at("org");
  identity->provider_id = request.path_params.at("provider");
  identity->ordering_id = ordering_id;
  identity->updated_ms = clock_.NowMs();
  auto applied = store_.PutSecurityIdentities({*identity});
  if (!applied.ok()) return FromStatus(applied.status());
  return http::Response::Json(202, "{}");
}

http::Response IdentityApi::PutIdentity(http::Request& request) {
  return Apply(request, IdentityBodyKind::kMembers);
}

http::Response IdentityApi::PutMapping(http::Request& request) {
  return Apply(request, IdentityBodyKind::kMapped);
}

http::Response IdentityApi::DeleteIdentity(http::Request& request) {
  return Apply(request, IdentityBodyKind::kDeleted);
}

base::Result<std::string> IdentityApi::ReadContainer(const std::string& file_id) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, blobs_.Open(store::ContainerBlobKey(file_id)));
  std::string out;
  auto read = [&](char* buffer, size_t size) { return reader->Read(buffer, size); };
  auto collect = [&](std::string_view chunk) {
    out.append(chunk);
    return base::Status::Ok();
  };
  SLUICE_RETURN_IF_ERROR(codec::DecompressSniffed(read, max_batch_bytes_, collect).status());
  return out;
}

http::Response IdentityApi::PutBatch(http::Request& request) {
  uint64_t ordering_id = 0;
  if (auto error = Check(request, ordering_id)) return *error;
  auto file_id = request.Query("fileId");
  if (!file_id || file_id->empty()) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'fileId' is missing.");
  }
  const std::string& org = request.path_params.at("org");
  if (auto error = containers_.CheckUsable(*file_id, org)) return *error;
  auto text = ReadContainer(*file_id);
  if (!text.ok()) {
    if (text.status().code() == base::StatusCode::kInvalidArgument ||
        text.status().code() == base::StatusCode::kResourceExhausted) {
      return CoveoError(400, "INVALID_JSON",
                        "The batch file cannot be read: " + text.status().message());
    }
    return FromStatus(text.status());
  }
  auto parsed = document::ParseCaseInsensitiveJson(*text);
  if (!parsed.ok()) return CoveoError(400, "INVALID_JSON", parsed.status().message());
  auto identities = ParseIdentityBatch(*parsed);
  if (!identities.ok()) return CoveoError(400, "INVALID_JSON", identities.status().message());
  int64_t now = clock_.NowMs();
  for (auto& identity : *identities) {
    identity.organization_id = org;
    identity.provider_id = request.path_params.at("provider");
    identity.ordering_id = ordering_id;
    identity.updated_ms = now;
  }
  auto applied = store_.PutSecurityIdentities(*identities);
  if (!applied.ok()) return FromStatus(applied.status());
  store::AppliedBatch used;
  used.consumed_file_ids.push_back(*file_id);
  base::Status s = store_.CommitApplied(used, now);
  if (!s.ok()) return FromStatus(s.WithContext("mark the file container used"));
  (void)blobs_.Remove(store::ContainerBlobKey(*file_id));  // an orphan blob is only space
  return http::Response::Json(202, "{}");
}

http::Response IdentityApi::DeleteOlderThan(http::Request& request) {
  auto access = access_.Check(request, request.path_params.at("org"), kPrivilegePush);
  if (!access.key) return access.error;
  auto ordering_id = RequiredOrderingId(request);
  if (auto* error = std::get_if<http::Response>(&ordering_id)) return *error;
  auto queue_delay = ParseQueueDelayMinutes(request);
  if (!queue_delay.ok())
    return CoveoError(412, "INVALID_PARAMETER", queue_delay.status().message());
  auto disabled = store_.DisableSecurityIdentitiesOlderThan(
      request.path_params.at("org"), request.path_params.at("provider"),
      std::get<uint64_t>(ordering_id), clock_.NowMs());
  if (!disabled.ok()) return FromStatus(disabled.status());
  return http::Response::Json(202, "{}");
}

http::Response IdentityApi::List(http::Request& request) {
  const std::string& org = request.path_params.at("org");
  auto access = access_.Check(request, org, kPrivilegePush);
  if (!access.key) return access.error;
  std::string provider;
  if (!request.body.empty()) {
    auto filter = document::ParseCaseInsensitiveJson(request.body);
    if (!filter.ok() || !filter->is_object()) {
      return CoveoError(400, "INVALID_JSON", "The filter must be a JSON object.");
    }
    const json::value* ids = filter->as_object().if_contains("providerids");
    if (ids != nullptr && ids->is_array() && ids->as_array().size() == 1 &&
        ids->as_array()[0].is_string()) {
      provider = std::string(ids->as_array()[0].as_string());
    } else if (ids != nullptr && !ids->is_null() && !(ids->is_array() && ids->as_array().empty())) {
      return CoveoError(412, "INVALID_PARAMETER", "'providerIds' must list one provider at most.");
    }
  }
  auto paging = ParsePage(request, 100, kMaxPerPage);
  if (!paging.ok()) return CoveoError(412, "INVALID_PARAMETER", paging.status().message());
  const auto [page, per_page] = *paging;
  const uint64_t offset = uint64_t{page} * per_page;
  if (offset > UINT32_MAX)
    return CoveoError(412, "INVALID_PARAMETER", "Parameter 'page' is too large.");
  auto found =
      store_.ListSecurityIdentities(org, provider, static_cast<uint32_t>(offset), per_page + 1);
  if (!found.ok()) return FromStatus(found.status());
  json::array items;
  for (size_t i = 0; i < found->size() && i < per_page; ++i)
    items.push_back(IdentityJson((*found)[i]));
  bool more = found->size() > per_page;
  json::object body{
      {"items", std::move(items)}, {"page", page}, {"perPage", per_page}, {"hasMore", more}};
  return http::Response::Json(200, json::serialize(body));
}

}  // namespace sluice::push
