// The bodies of the security identity endpoints (Push API §5), validated and
// reduced to store::SecurityIdentity. Keys are already case-folded.
#pragma once

#include <vector>

#include <boost/json/value.hpp>

#include "base/status.h"
#include "store/state_store.h"

namespace sluice::push {

enum class IdentityBodyKind {
  kMembers,  // IdentityBody: {identity, members, wellKnowns}        (PUT permissions)
  kMapped,   // MappedIdentityBody: {identity, mappings, wellKnowns} (PUT mappings)
  kDeleted,  // BaseIdentityBody {identity}, or a bare Identity       (DELETE permissions)
};

// Fills name, type, alias, disabled and body_json; the caller sets organization, provider,
// orderingId and time. InvalidArgument names the offending key, prefixed by `where`.
base::Result<store::SecurityIdentity> ParseIdentityBody(const boost::json::value& body,
                                                        IdentityBodyKind kind,
                                                        const std::string& where = "body");

// A batch file: {"members": [IdentityBody], "mappings": [MappedIdentityBody],
// "deleted": [BaseIdentityBody]}. All entries or an error naming the first bad one.
base::Result<std::vector<store::SecurityIdentity>> ParseIdentityBatch(
    const boost::json::value& batch);

}  // namespace sluice::push
