#include "push/access.h"

#include <algorithm>

#include "auth/api_key.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

// 'a', 'b'
std::string JoinQuoted(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += "'" + v + "'";
  }
  return out;
}

}  // namespace

std::optional<std::string> BearerToken(const http::Request& request, bool allow_query) {
  if (auto h = request.Header("Authorization")) {
    std::string_view v = *h;
    constexpr std::string_view kBearer = "Bearer ";
    if (v.size() > kBearer.size() &&
        std::equal(kBearer.begin(), kBearer.end(), v.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return std::string(v.substr(kBearer.size()));
    }
    return std::string();  // present but not a Bearer token
  }
  if (allow_query) return request.Query("access_token");
  return std::nullopt;
}

bool HasPrivilege(const store::ApiKey& key, std::string_view privilege) {
  return std::any_of(key.privileges.begin(), key.privileges.end(),
                     [&](const auto& p) { return p == kPrivilegeAdmin || p == privilege; });
}

Access::Outcome Access::Authenticate(const http::Request& request, std::string_view organization_id,
                                     bool allow_query_token) const {
  auto token = BearerToken(request, allow_query_token);
  if (!token) {
    return {std::nullopt,
            CoveoError(401, "UNAUTHORIZED", "Missing 'Authorization: Bearer <API key>' header.")};
  }
  auto key = store_.FindApiKeyByHash(auth::HashApiKey(*token));
  if (!key.ok()) return {std::nullopt, FromStatus(key.status())};
  if (!key->has_value()) {
    return {std::nullopt, CoveoError(401, "INVALID_TOKEN", "Token is invalid.")};
  }
  const store::ApiKey& k = **key;
  if (!organization_id.empty() && k.organization_id != organization_id) {
    auto exists = store_.OrganizationExists(std::string(organization_id));
    if (exists.ok() && !*exists) {
      return {std::nullopt,
              CoveoError(404, "ORGANIZATION_NOT_FOUND",
                         "Organization '" + std::string(organization_id) + "' does not exist.")};
    }
    return {std::nullopt, CoveoError(403, "ACCESS_DENIED",
                                     "The API key does not grant access to organization '" +
                                         std::string(organization_id) + "'.")};
  }
  if (auto source = request.path_params.find("source");
      source != request.path_params.end() && !k.source_ids.empty() &&
      std::find(k.source_ids.begin(), k.source_ids.end(), source->second) == k.source_ids.end()) {
    return {std::nullopt,
            CoveoError(403, "ACCESS_DENIED",
                       "The API key is limited to sources " + JoinQuoted(k.source_ids) +
                           " and may not act on source '" + source->second + "'.")};
  }
  return {std::move(*key), {}};
}

Access::Outcome Access::Check(const http::Request& request, std::string_view organization_id,
                              std::string_view privilege) const {
  Outcome outcome = Authenticate(request, organization_id, privilege == kPrivilegeSearch);
  if (outcome.key && !HasPrivilege(*outcome.key, privilege)) {
    return {std::nullopt, CoveoError(403, "ACCESS_DENIED",
                                     "The API key lacks the '" + std::string(privilege) +
                                         "' privilege required for this call.")};
  }
  return outcome;
}

std::variant<store::Source, http::Response> ResolveSource(const Access& access,
                                                          store::StateStore& store,
                                                          const http::Request& request,
                                                          std::string_view privilege) {
  const std::string& org = request.path_params.at("org");
  auto outcome = access.Check(request, org, privilege);
  if (!outcome.key) return outcome.error;
  const std::string& source_id = request.path_params.at("source");
  auto source = store.GetSource(org, source_id);
  if (!source.ok()) return FromStatus(source.status());
  if (!source->has_value()) {
    return CoveoError(412, "SOURCE_DOES_NOT_EXIST",
                      "Source '" + source_id + "' does not exist in organization '" + org + "'.");
  }
  return std::move(**source);
}

}  // namespace sluice::push
