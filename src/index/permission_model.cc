#include "index/permission_model.h"

#include <cstdint>

#include "base/ascii.h"

namespace sluice::index {
namespace {

// The encoding is a sequence of records, each a tag byte and, for identities, three
// length-prefixed strings: 'L' starts a level, 'S' / 'P' a set (P: allows anonymous), 'A' an
// allowed identity and 'D' a denied one of the current set.
constexpr char kLevel = 'L';
constexpr char kSet = 'S';
constexpr char kPublicSet = 'P';
constexpr char kAllowed = 'A';
constexpr char kDenied = 'D';

void AppendString(std::string& out, std::string_view text) {
  uint32_t size = static_cast<uint32_t>(text.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  out.append(text);
}

bool ReadString(std::string_view& in, std::string& out) {
  if (in.size() < 4) return false;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(4);
  if (in.size() < size) return false;
  out.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

void AppendIdentity(std::string& out, char tag, const IdentityRef& identity) {
  out.push_back(tag);
  AppendString(out, identity.name);
  AppendString(out, identity.type);
  AppendString(out, identity.provider);
}

// Unit separators cannot occur in a typed identity name, so keys cannot collide.
std::string Key(std::string_view type, std::string_view name) {
  return FoldIdentityType(type) + '\x1f' + FoldIdentityName(name);
}
std::string Key(std::string_view type, std::string_view provider, std::string_view name) {
  return FoldIdentityType(type) + '\x1f' + FoldIdentityName(provider) + '\x1f' +
         FoldIdentityName(name);
}

}  // namespace

std::string FoldIdentityName(std::string_view name) { return base::AsciiLower(name); }

std::string FoldIdentityType(std::string_view type) {
  std::string folded;
  for (char c : FoldIdentityName(type)) {
    if (c != '_') folded.push_back(c);
  }
  return folded;
}

std::string EncodePermissions(const std::vector<PermissionLevel>& levels) {
  std::string out;
  for (const PermissionLevel& level : levels) {
    out.push_back(kLevel);
    for (const PermissionSet& set : level.sets) {
      out.push_back(set.allow_anonymous ? kPublicSet : kSet);
      for (const IdentityRef& identity : set.allowed) AppendIdentity(out, kAllowed, identity);
      for (const IdentityRef& identity : set.denied) AppendIdentity(out, kDenied, identity);
    }
  }
  return out;
}

std::optional<std::vector<PermissionLevel>> DecodePermissions(std::string_view encoded) {
  std::vector<PermissionLevel> levels;
  while (!encoded.empty()) {
    const char tag = encoded.front();
    encoded.remove_prefix(1);
    if (tag == kLevel) {
      levels.emplace_back();
      continue;
    }
    if (levels.empty()) return std::nullopt;
    std::vector<PermissionSet>& sets = levels.back().sets;
    if (tag == kSet || tag == kPublicSet) {
      PermissionSet set;
      set.allow_anonymous = tag == kPublicSet;
      sets.push_back(std::move(set));
      continue;
    }
    if ((tag != kAllowed && tag != kDenied) || sets.empty()) return std::nullopt;
    IdentityRef identity;
    if (!ReadString(encoded, identity.name) || !ReadString(encoded, identity.type) ||
        !ReadString(encoded, identity.provider)) {
      return std::nullopt;
    }
    (tag == kAllowed ? sets.back().allowed : sets.back().denied).push_back(std::move(identity));
  }
  return levels;
}

PermissionEvaluator::PermissionEvaluator(const Viewer& viewer)
    : sees_everything_(viewer.sees_everything) {
  for (const IdentityRef& identity : viewer.identities) {
    any_provider_.insert(Key(identity.type, identity.name));
    if (identity.provider.empty()) {
      provider_missing_.insert(Key(identity.type, identity.name));
    } else {
      with_provider_.insert(Key(identity.type, identity.provider, identity.name));
    }
  }
}

bool PermissionEvaluator::Names(const std::vector<IdentityRef>& identities) const {
  for (const IdentityRef& identity : identities) {
    if (identity.provider.empty()) {
      if (any_provider_.contains(Key(identity.type, identity.name))) return true;
    } else if (with_provider_.contains(Key(identity.type, identity.provider, identity.name)) ||
               provider_missing_.contains(Key(identity.type, identity.name))) {
      return true;
    }
  }
  return false;
}

bool PermissionEvaluator::MaySee(const std::vector<PermissionLevel>& levels) const {
  if (sees_everything_ || levels.empty()) return true;
  for (const PermissionLevel& level : levels) {
    bool denied = false;
    bool allowed_by_every_set = !level.sets.empty();
    for (const PermissionSet& set : level.sets) {
      denied |= Names(set.denied);
      allowed_by_every_set &= set.allow_anonymous || Names(set.allowed);
    }
    if (denied) return false;
    if (allowed_by_every_set) return true;
  }
  return false;
}

bool PermissionEvaluator::MaySeeEncoded(std::string_view encoded) const {
  if (sees_everything_ || encoded.empty()) return true;
  std::optional<std::vector<PermissionLevel>> levels = DecodePermissions(encoded);
  return levels && MaySee(*levels);
}

}  // namespace sluice::index
