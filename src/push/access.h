// Who is calling: resolves the Bearer API key and checks its privileges.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/message.h"
#include "store/state_store.h"

namespace sluice::push {

inline constexpr std::string_view kPrivilegeAdmin = "admin";  // implies every other
inline constexpr std::string_view kPrivilegePush = "push";
inline constexpr std::string_view kPrivilegeSearch = "search";
inline constexpr std::string_view kPrivilegeFields = "fields";  // view, create and edit fields
// Issue search tokens (POST /rest/search/v2/token) that impersonate security identities.
inline constexpr std::string_view kPrivilegeImpersonate = "impersonate";
// Search every item regardless of its permissions.
inline constexpr std::string_view kPrivilegeViewAllContent = "viewallcontent";

// Whether the key holds `privilege`, directly or through admin.
bool HasPrivilege(const store::ApiKey& key, std::string_view privilege);

// The credential of "Authorization: Bearer <value>" (the scheme in any case); "" when the
// header is present but not a Bearer one; otherwise, when `allow_query`, ?access_token=.
// nullopt when the request names no credential at all.
std::optional<std::string> BearerToken(const http::Request& request, bool allow_query);

class Access {
 public:
  explicit Access(store::StateStore& store) : store_(store) {}

  // The caller's key when it is valid for `organization_id` and holds
  // `privilege`; otherwise the Coveo error to send (401, 403, 404).
  // An empty `organization_id` means the key's own organization.
  // Search also accepts the key as ?access_token= (as Coveo's Search API does).
  // A key scoped to some sources is refused (403) on routes whose {source} is another.
  struct Outcome {
    std::optional<store::ApiKey> key;
    http::Response error;
  };
  Outcome Check(const http::Request& request, std::string_view organization_id,
                std::string_view privilege) const;

  // Check without the privilege test, for callers that decide privileges themselves.
  Outcome Authenticate(const http::Request& request, std::string_view organization_id,
                       bool allow_query_token = false) const;

 private:
  store::StateStore& store_;
};

// The source a ".../sources/{source}/..." call names, once the caller's key holds `privilege`
// for it; otherwise the error to send (401, 403, 404, 412 SOURCE_DOES_NOT_EXIST).
std::variant<store::Source, http::Response> ResolveSource(const Access& access,
                                                          store::StateStore& store,
                                                          const http::Request& request,
                                                          std::string_view privilege);

}  // namespace sluice::push
