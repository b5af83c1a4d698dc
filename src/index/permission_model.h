// Secured search: an item's permission model in the compact form its index slot holds, and the
// decision whether a viewer may see it (Push API §2.5's evaluation rules). Pure functions; no
// Xapian here, so the rules are tested on their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "index/document.h"

namespace sluice::index {

// How identities compare: names and providers ASCII-case-insensitively, types also ignoring "_"
// ("VIRTUAL_GROUP", "VirtualGroup" and "virtualgroup" are one type).
std::string FoldIdentityName(std::string_view name);
std::string FoldIdentityType(std::string_view type);

// The slot value for `levels`; "" for an item without permissions (public).
std::string EncodePermissions(const std::vector<PermissionLevel>& levels);
// Back from EncodePermissions; nullopt when `encoded` is not its output.
std::optional<std::vector<PermissionLevel>> DecodePermissions(std::string_view encoded);

// Decides for one viewer. Identities compare with names case-insensitive, types ignoring case
// and "_" (VIRTUAL_GROUP is VirtualGroup), and a missing provider on either side matching any.
class PermissionEvaluator {
 public:
  explicit PermissionEvaluator(const Viewer& viewer);

  // Whether the viewer may see an item with these levels. Levels are examined in order: a level
  // that denies the viewer in any of its sets denies; one whose every set allows the viewer
  // (named in allowedPermissions, or the set allows anonymous) allows; any other level says
  // nothing and the next one decides. When no level decides, the item stays hidden.
  bool MaySee(const std::vector<PermissionLevel>& levels) const;

  // MaySee of an encoded model; "" is public. An undecodable model is hidden.
  bool MaySeeEncoded(std::string_view encoded) const;

 private:
  bool Names(const std::vector<IdentityRef>& identities) const;

  bool sees_everything_;
  std::unordered_set<std::string> with_provider_;     // type, provider and name
  std::unordered_set<std::string> any_provider_;      // type and name of every identity
  std::unordered_set<std::string> provider_missing_;  // type and name of those without provider
};

}  // namespace sluice::index
