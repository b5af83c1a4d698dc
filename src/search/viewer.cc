#include "search/viewer.h"

#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "index/permission_model.h"
#include "search/search_token.h"

namespace sluice::search {
namespace {

namespace json = boost::json;
using index::IdentityRef;

// Names, providers and types compare as the index compares them.
std::string Fold(std::string_view text) { return index::FoldIdentityName(text); }
std::string FoldType(std::string_view type) { return index::FoldIdentityType(type); }

// The store's spelling of a type, which the index reads in any spelling.
std::string CanonicalType(std::string_view type) {
  const std::string folded = FoldType(type);
  if (folded == "user") return "USER";
  if (folded == "group") return "GROUP";
  if (folded == "virtualgroup") return "VIRTUAL_GROUP";
  if (folded == "unknown") return "UNKNOWN";
  return std::string(type);
}

// Unit separators cannot occur in the parts, so keys cannot collide.
std::string NameKey(const IdentityRef& ref) { return FoldType(ref.type) + '\x1f' + Fold(ref.name); }
std::string FullKey(const IdentityRef& ref) { return NameKey(ref) + '\x1f' + Fold(ref.provider); }

// An empty provider on either side is any provider.
bool ProviderMatches(std::string_view a, std::string_view b) {
  return a.empty() || b.empty() || Fold(a) == Fold(b);
}

// A user of the Email Security Provider is that user in every provider (see viewer.h).
IdentityRef Normalize(IdentityRef ref) {
  ref.type = CanonicalType(ref.type);
  if (ref.type == "USER" && Fold(ref.provider) == Fold(kEmailSecurityProvider)) ref.provider = "";
  return ref;
}

// One stored identity with the relations its body_json declares.
struct Record {
  IdentityRef self;
  bool alias = false;
  bool disabled = false;
  std::vector<IdentityRef> members;      // in self's provider
  std::vector<IdentityRef> well_knowns;  // in self's provider
  std::vector<IdentityRef> mappings;     // provider as mapped, "" for any
};

// The identities under `key` in a canonical body; malformed entries are skipped (the push
// endpoints validated the body, so there are none unless the row was edited by hand).
std::vector<IdentityRef> IdentityList(const json::object& body, std::string_view key,
                                      std::string_view provider, bool own_provider) {
  std::vector<IdentityRef> out;
  const json::value* list = body.if_contains(key);
  if (list == nullptr || !list->is_array()) return out;
  for (const json::value& v : list->as_array()) {
    const json::object* o = v.if_object();
    if (o == nullptr) continue;
    const json::value* name = o->if_contains("name");
    const json::value* type = o->if_contains("type");
    if (name == nullptr || !name->is_string() || type == nullptr || !type->is_string()) continue;
    IdentityRef ref{std::string(name->as_string()), std::string(type->as_string()),
                    std::string(provider)};
    if (!own_provider) {
      const json::value* mapped = o->if_contains("provider");
      ref.provider = mapped != nullptr && mapped->is_string() ? std::string(mapped->as_string())
                                                              : std::string();
    }
    out.push_back(Normalize(std::move(ref)));
  }
  return out;
}

Record ParseRecord(const store::SecurityIdentity& row) {
  Record r;
  r.self = IdentityRef{row.name, CanonicalType(row.type), row.provider_id};
  r.alias = row.alias;
  r.disabled = row.disabled;
  boost::system::error_code ec;
  json::value body = json::parse(row.body_json, ec);
  if (ec || !body.is_object()) return r;
  const json::object& o = body.as_object();
  const std::string type = FoldType(row.type);
  if (type == "group" || type == "virtualgroup") {
    r.members = IdentityList(o, "members", row.provider_id, true);
  }
  r.well_knowns = IdentityList(o, "wellKnowns", row.provider_id, true);
  if (row.alias) r.mappings = IdentityList(o, "mappings", "", false);
  return r;
}

// The stored identities indexed by the relations an expansion follows.
class IdentityGraph {
 public:
  explicit IdentityGraph(const std::vector<store::SecurityIdentity>& stored) {
    records_.reserve(stored.size());
    for (const auto& row : stored) records_.push_back(ParseRecord(row));
    for (size_t i = 0; i < records_.size(); ++i) {
      const Record& r = records_[i];
      by_name_.emplace(NameKey(r.self), i);
      if (r.disabled) continue;  // grants nothing
      for (const IdentityRef& m : r.members) member_of_.emplace(NameKey(m), i);
      for (const IdentityRef& m : r.mappings) mapped_from_.emplace(NameKey(m), Edge{i, m.provider});
    }
  }

  base::Result<index::Viewer> Expand(const std::vector<IdentityRef>& users) const;

 private:
  struct Edge {
    size_t record;
    std::string provider;  // of the mapped identity; "" for any
  };

  // The stored records that `ref` names.
  template <typename F>
  void ForEachRecord(const IdentityRef& ref, F f) const {
    auto [begin, end] = by_name_.equal_range(NameKey(ref));
    for (auto it = begin; it != end; ++it) {
      const Record& r = records_[it->second];
      if (ProviderMatches(ref.provider, r.self.provider)) f(r);
    }
  }

  // Stored, and disabled wherever it is stored.
  bool OnlyDisabled(const IdentityRef& ref) const {
    bool stored = false;
    bool enabled = false;
    ForEachRecord(ref, [&](const Record& r) {
      stored = true;
      enabled |= !r.disabled;
    });
    return stored && !enabled;
  }

  std::vector<Record> records_;
  std::unordered_multimap<std::string, size_t> by_name_;    // an identity's records
  std::unordered_multimap<std::string, size_t> member_of_;  // a member's groups
  std::unordered_multimap<std::string, Edge> mapped_from_;  // a mapped identity's aliases
};

base::Result<index::Viewer> IdentityGraph::Expand(const std::vector<IdentityRef>& users) const {
  struct Pending {
    IdentityRef ref;
    int depth;
  };
  std::deque<Pending> queue;
  std::unordered_set<std::string> seen;
  base::Status failed;
  // Breadth first, so that the depth bound counts the shortest path to each identity.
  auto reach = [&](IdentityRef ref, int depth, bool vouched) {
    ref = Normalize(std::move(ref));
    IdentityRef any = ref;
    any.provider.clear();
    if (seen.contains(FullKey(any)) || seen.contains(FullKey(ref))) return;
    if (!vouched && OnlyDisabled(ref)) return;
    if (!failed.ok()) return;
    if (depth > kMaxExpansionDepth) {
      failed = base::ResourceExhausted(
          "Security identities are nested more than " + std::to_string(kMaxExpansionDepth) +
          " levels deep (reached " + CanonicalType(ref.type) + " '" + ref.name +
          "'); secured search refuses to guess which of them apply.");
      return;
    }
    if (seen.size() >= kMaxViewerIdentities) {
      failed = base::ResourceExhausted("The user holds more than " +
                                       std::to_string(kMaxViewerIdentities) +
                                       " security identities; secured search cannot evaluate "
                                       "permissions for so many.");
      return;
    }
    seen.insert(FullKey(ref));
    queue.push_back({std::move(ref), depth});
  };
  for (const IdentityRef& user : users) reach(user, 0, true);

  index::Viewer viewer;
  while (!queue.empty() && failed.ok()) {
    Pending next = std::move(queue.front());
    queue.pop_front();
    const IdentityRef& ref = next.ref;
    const int depth = next.depth + 1;
    ForEachRecord(ref, [&](const Record& r) {
      if (r.disabled) return;
      for (const IdentityRef& w : r.well_knowns) reach(w, depth, false);
      for (const IdentityRef& m : r.mappings) reach(m, depth, false);
    });
    auto [groups, groups_end] = member_of_.equal_range(NameKey(ref));
    for (auto it = groups; it != groups_end; ++it) {
      const Record& group = records_[it->second];
      if (ProviderMatches(ref.provider, group.self.provider)) reach(group.self, depth, false);
    }
    auto [aliases, aliases_end] = mapped_from_.equal_range(NameKey(ref));
    for (auto it = aliases; it != aliases_end; ++it) {
      if (ProviderMatches(ref.provider, it->second.provider)) {
        reach(records_[it->second.record].self, depth, false);
      }
    }
    viewer.identities.push_back(std::move(next.ref));
  }
  if (!failed.ok()) return failed;
  return viewer;
}

}  // namespace

base::Result<index::Viewer> ExpandIdentities(const std::vector<store::SecurityIdentity>& stored,
                                             const std::vector<IdentityRef>& users) {
  return IdentityGraph(stored).Expand(users);
}

base::Result<index::Viewer> ExpandViewer(store::StateStore& store,
                                         const std::string& organization_id,
                                         const std::vector<IdentityRef>& users) {
  // One read, so the expansion sees one consistent state even while identities are pushed.
  SLUICE_ASSIGN_OR_RETURN(
      std::vector<store::SecurityIdentity> stored,
      store.ListSecurityIdentities(organization_id, "", 0, kMaxStoredIdentities + 1));
  if (stored.size() > kMaxStoredIdentities) {
    return base::ResourceExhausted("Organization '" + organization_id + "' has more than " +
                                   std::to_string(kMaxStoredIdentities) +
                                   " security identities; secured search expands at most that "
                                   "many.");
  }
  return ExpandIdentities(stored, users);
}

}  // namespace sluice::search
