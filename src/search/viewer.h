// Identity expansion for secured search: from the users a search token names to every security
// identity they hold in the organization (Push API §5), which index::Viewer carries to the index.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "index/search.h"
#include "store/state_store.h"

namespace sluice::search {

// Bounds on the work of one expansion. Going past one is an error, never a shorter list: an
// identity left out could be one that an item denies, and the search would show that item.
// The organization's identities are read for every expansion; past this many, a search would
// spend more time reading them than searching.
inline constexpr size_t kMaxStoredIdentities = 100'000;
// More identities than any real user holds (Coveo limits an item to 5,000 permissions); each
// one is a lookup for every item the index evaluates.
inline constexpr size_t kMaxViewerIdentities = 10'000;
// Groups nested deeper than this are a loop of generated groups, not a directory; cycles
// themselves are harmless (each identity is visited once).
inline constexpr int kMaxExpansionDepth = 32;

// Every identity `users` hold, from these stored identities (ListSecurityIdentities' rows):
//  - each user itself (even when its stored record is disabled: the token vouches for it);
//  - each GROUP or VIRTUAL_GROUP whose members include an identity held, transitively; members
//    name identities of the group's own provider;
//  - the wellKnowns (granted identities) of each identity held, in its provider;
//  - aliases (identities pushed to /mappings): an alias and the identities it maps to are one
//    person in several providers (Coveo, "About the Email Security Provider"), so holding one
//    holds the others, in both directions; a mapping without a provider maps to that name in
//    any provider, as Coveo reads it when a provider cascades to a single other one;
//  - a USER of the Email Security Provider is that user in every provider: Coveo's push
//    providers cascade to it by default, which is how a search token for an email address
//    sees items secured by the user of that name in a source's provider. Sluice knows no
//    cascade configuration, so it applies the default to all providers (provider "" below).
// Disabled (deleted) identities grant nothing: their members, wellKnowns and mappings are
// ignored and an identity reached only through others is dropped when its every record is
// disabled. Names compare case-insensitively; types ignoring case and "_".
// ResourceExhausted when a bound above is passed.
base::Result<index::Viewer> ExpandIdentities(const std::vector<store::SecurityIdentity>& stored,
                                             const std::vector<index::IdentityRef>& users);

// ExpandIdentities over the organization's identities in `store`.
base::Result<index::Viewer> ExpandViewer(store::StateStore& store,
                                         const std::string& organization_id,
                                         const std::vector<index::IdentityRef>& users);

}  // namespace sluice::search
