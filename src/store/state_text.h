// How both state stores write enums and lists as text in their tables. Internal to the module.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "store/state_store.h"

namespace sluice::store {

// "push,search": an API key's privileges in one column.
std::string JoinPrivileges(const std::vector<std::string>& privileges);
std::vector<std::string> SplitPrivileges(const std::string& joined);

// The inverse of OperationKindName; DataLoss for a name no version of Sluice wrote.
base::Result<OperationKind> ParseKind(const std::string& name);

// The inverse of ItemStateName.
ItemState ParseState(const std::string& name);

}  // namespace sluice::store
