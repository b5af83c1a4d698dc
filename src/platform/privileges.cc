#include "platform/privileges.h"

#include "push/access.h"

namespace sluice::platform {
namespace {

// A Coveo privilege that a Sluice privilege other than admin grants.
struct Grant {
  std::string_view owner;
  std::string_view domain;
  std::string_view type;
  std::string_view privilege;
};

// Pushing itself is governed by the push privilege and the key's source scope (push::Access),
// not by SOURCE EDIT, which Sluice keeps for admin keys like every privilege not listed here.
constexpr Grant kGrants[] = {
    {"PLATFORM", "FIELD", "VIEW", push::kPrivilegeFields},
    {"PLATFORM", "FIELD", "VIEW", push::kPrivilegePush},  // the Node client checks it first
    {"PLATFORM", "FIELD", "CREATE", push::kPrivilegeFields},
    {"PLATFORM", "FIELD", "EDIT", push::kPrivilegeFields},
    {"PLATFORM", "SOURCE", "VIEW", push::kPrivilegePush},
    {"PLATFORM", "SOURCE", "VIEW", push::kPrivilegeSearch},
    // The Search API's own privileges, as its OpenAPI description names them.
    {"SEARCH_API", "IMPERSONATE_SEARCH_API", "ENABLE", push::kPrivilegeImpersonate},
    {"SEARCH_API", "VIEW_ALL_CONTENT", "ENABLE", push::kPrivilegeViewAllContent},
};

bool Matches(const Grant& grant, const PrivilegeRequest& requested) {
  return grant.owner == requested.owner && grant.domain == requested.target_domain &&
         grant.type == requested.type;
}

}  // namespace

bool IsGranted(const store::ApiKey& key, const PrivilegeRequest& requested) {
  if (push::HasPrivilege(key, push::kPrivilegeAdmin)) return true;
  for (const Grant& grant : kGrants) {
    if (Matches(grant, requested) && push::HasPrivilege(key, grant.privilege)) return true;
  }
  return false;
}

std::vector<std::string_view> GrantingPrivileges(const PrivilegeRequest& requested) {
  std::vector<std::string_view> out;
  for (const Grant& grant : kGrants) {
    if (Matches(grant, requested)) out.push_back(grant.privilege);
  }
  out.push_back(push::kPrivilegeAdmin);
  return out;
}

std::string Describe(const PrivilegeRequest& requested) {
  std::string out = requested.type + " on " + requested.target_domain;
  if (requested.target_id != "*") out += " '" + requested.target_id + "'";
  if (requested.owner != "PLATFORM") out += " (owner " + requested.owner + ")";
  return out;
}

}  // namespace sluice::platform
