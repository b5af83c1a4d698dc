// Coveo privilege models ({owner, targetDomain, type, targetId}) and how Sluice's
// privilege names grant them. The same function answers /rest/privilege/evaluate
// and guards the Platform API handlers, so the two can never disagree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/state_store.h"

namespace sluice::platform {

// One requested privilege, as Coveo's PrivilegeModel spells it.
struct PrivilegeRequest {
  std::string owner = "PLATFORM";
  std::string target_domain;  // FIELD, SOURCE, API_KEY, ...
  std::string type;           // VIEW, CREATE or EDIT
  std::string target_id = "*";
};

// Whether `key` is granted `requested` (the mapping is in README.md): admin is granted
// everything; fields, push and search grant the FIELD and SOURCE views and field edits
// that Push clients ask for; nothing else is granted.
bool IsGranted(const store::ApiKey& key, const PrivilegeRequest& requested);

// The Sluice privileges that grant `requested`, admin last: for error messages.
std::vector<std::string_view> GrantingPrivileges(const PrivilegeRequest& requested);

// "CREATE on FIELD" / "EDIT on SOURCE 'id'", for messages.
std::string Describe(const PrivilegeRequest& requested);

}  // namespace sluice::platform
