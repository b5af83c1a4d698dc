// The item permission models of Push API §2.5, validated and reduced to one
// canonical shape, so secured search reads a single model.
//
// Canonical form (always the complete model): an array of permission levels
//   [{"name": "...", "permissionSets": [{"allowAnonymous": bool,
//       "allowedPermissions": [{"identity", "identityType", "securityProvider"?}],
//       "deniedPermissions":  [...]}]}]
// A simplified body (an array of sets) becomes one level named "Level 1".
#pragma once

#include <cstdint>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "base/status.h"

namespace sluice::document {

// Coveo rejects items with more permissions than this (asynchronously: the
// push is accepted and the item fails in the log).
inline constexpr uint64_t kMaxPermissionsPerItem = 5000;

struct Permissions {
  boost::json::array levels;  // canonical, as above
  uint64_t count = 0;         // identities named, allowed and denied, over every set
};

// Takes the value of a case-folded "permissions" key. Accepts sets or levels (told apart by
// a "permissionSets" key, as Coveo's clients do), a single object where an array is expected,
// the legacy "name"/"type" spellings of "identity"/"identityType", and identity types in any
// case ("GrOup", "VIRTUAL_GROUP"). InvalidArgument names the offending place otherwise.
base::Result<Permissions> NormalizePermissions(const boost::json::value& permissions);

}  // namespace sluice::document
