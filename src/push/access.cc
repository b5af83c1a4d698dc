#include "push/access.h"

#include <algorithm>

#include "auth/api_key.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

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

}  // namespace

Access::Outcome Access::Check(const http::Request& request, std::string_view organization_id,
                              std::string_view privilege) const {
  auto token = BearerToken(request, privilege == kPrivilegeSearch);
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
  bool allowed = std::any_of(k.privileges.begin(), k.privileges.end(),
                             [&](const auto& p) { return p == kPrivilegeAdmin || p == privilege; });
  if (!allowed) {
    return {std::nullopt, CoveoError(403, "ACCESS_DENIED",
                                     "The API key lacks the '" + std::string(privilege) +
                                         "' privilege required for this call.")};
  }
  return {std::move(*key), {}};
}

}  // namespace sluice::push
