#include "store/state_text.h"

#include <sstream>

namespace sluice::store {

std::string JoinPrivileges(const std::vector<std::string>& privileges) {
  std::string out;
  for (const auto& p : privileges) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

std::vector<std::string> SplitPrivileges(const std::string& joined) {
  std::vector<std::string> out;
  std::stringstream ss(joined);
  for (std::string p; std::getline(ss, p, ',');) {
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

base::Result<OperationKind> ParseKind(const std::string& name) {
  for (auto k :
       {OperationKind::kAddOrUpdate, OperationKind::kDelete, OperationKind::kDeleteWithChildren,
        OperationKind::kDeleteOlderThan, OperationKind::kBatch, OperationKind::kMerge}) {
    if (OperationKindName(k) == name) return k;
  }
  return base::DataLoss("unknown operation kind in journal: " + name);
}

ItemState ParseState(const std::string& name) {
  if (name == ItemStateName(ItemState::kFailed)) return ItemState::kFailed;
  if (name == ItemStateName(ItemState::kDeleted)) return ItemState::kDeleted;
  return ItemState::kIndexed;
}

std::string_view OperationKindName(OperationKind kind) {
  switch (kind) {
    case OperationKind::kAddOrUpdate:
      return "ADD_OR_UPDATE";
    case OperationKind::kDelete:
      return "DELETE";
    case OperationKind::kDeleteWithChildren:
      return "DELETE_WITH_CHILDREN";
    case OperationKind::kDeleteOlderThan:
      return "DELETE_OLDER_THAN";
    case OperationKind::kBatch:
      return "BATCH";
    case OperationKind::kMerge:
      return "MERGE";
  }
  return "UNKNOWN";
}

std::string_view ItemStateName(ItemState state) {
  switch (state) {
    case ItemState::kIndexed:
      return "INDEXED";
    case ItemState::kFailed:
      return "FAILED";
    case ItemState::kDeleted:
      return "DELETED";
  }
  return "UNKNOWN";
}

std::string ContainerBlobKey(std::string_view file_id) {
  return "containers/" + std::string(file_id);
}

int64_t OrderingKey(uint64_t ordering_id) {
  return static_cast<int64_t>(ordering_id ^ (uint64_t{1} << 63));
}

uint64_t OrderingIdFromKey(int64_t key) { return static_cast<uint64_t>(key) ^ (uint64_t{1} << 63); }

}  // namespace sluice::store
