#include "search/search_caller.h"

#include <algorithm>

#include "push/errors.h"
#include "search/viewer.h"

namespace sluice::search {

SearchAuthenticator::SearchAuthenticator(store::StateStore& store, const SearchTokenSigner& signer,
                                         const base::Clock& clock)
    : store_(store), signer_(signer), clock_(clock), access_(store) {}

SearchAuthenticator::SearchAuthenticator(store::StateStore& store, const SearchTokenSigner& signer)
    : store_(store), signer_(signer), clock_(system_clock_), access_(store) {}

std::variant<SearchCaller, http::Response> SearchAuthenticator::Authenticate(
    const http::Request& request, std::string_view organization_id) const {
  std::optional<std::string> credential = push::BearerToken(request, /*allow_query=*/true);
  if (credential && LooksLikeSearchToken(*credential))
    return FromToken(*credential, organization_id);

  auto outcome = access_.Check(request, organization_id, push::kPrivilegeSearch);
  if (!outcome.key) return outcome.error;
  SearchCaller caller;
  caller.organization_id = outcome.key->organization_id;
  caller.source_ids = outcome.key->source_ids;
  // Any other key has no identity: it sees what allows anonymous access.
  caller.viewer.sees_everything = push::HasPrivilege(*outcome.key, push::kPrivilegeViewAllContent);
  return caller;
}

std::variant<SearchCaller, http::Response> SearchAuthenticator::FromToken(
    std::string_view token, std::string_view organization_id) const {
  base::Result<SearchToken> verified = signer_.Verify(token, clock_.NowMs(), organization_id);
  if (!verified.ok()) {
    const base::Status& why = verified.status();
    switch (why.code()) {
      case base::StatusCode::kUnauthenticated:
        return push::CoveoError(401, "INVALID_TOKEN", why.message());
      case base::StatusCode::kFailedPrecondition:
        return push::CoveoError(419, "EXPIRED_TOKEN", why.message());
      case base::StatusCode::kPermissionDenied: {
        auto exists = store_.OrganizationExists(std::string(organization_id));
        if (exists.ok() && !*exists) {
          return push::CoveoError(
              404, "ORGANIZATION_NOT_FOUND",
              "Organization '" + std::string(organization_id) + "' does not exist.");
        }
        return push::CoveoError(403, "ACCESS_DENIED", why.message());
      }
      default:
        return push::FromStatus(why);
    }
  }
  const SearchToken& claims = *verified;
  // A token lives no longer than the key that issued it, nor than that key's right to issue.
  auto keys = store_.ListApiKeys(claims.organization_id);
  if (!keys.ok()) return push::FromStatus(keys.status());
  auto issuer = std::find_if(keys->begin(), keys->end(),
                             [&](const store::ApiKey& k) { return k.id == claims.api_key_id; });
  if (issuer == keys->end() || !push::HasPrivilege(*issuer, push::kPrivilegeImpersonate)) {
    return push::CoveoError(401, "INVALID_TOKEN",
                            "The API key that issued this search token was deleted or may no "
                            "longer impersonate; ask for a new token.");
  }
  base::Result<index::Viewer> viewer =
      ExpandViewer(store_, claims.organization_id, claims.user_ids);
  if (!viewer.ok()) {
    if (viewer.status().code() == base::StatusCode::kResourceExhausted) {
      return push::CoveoError(500, "SECURITY_IDENTITY_LIMIT", viewer.status().message());
    }
    return push::FromStatus(viewer.status());
  }
  SearchCaller caller;
  caller.organization_id = claims.organization_id;
  caller.source_ids = claims.source_ids;
  caller.viewer = std::move(*viewer);
  caller.filter = claims.filter;
  return caller;
}

}  // namespace sluice::search
