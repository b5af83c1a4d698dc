// The security identity table of the SQLite state store. The store owns the
// connections and their locks; these functions run inside its transactions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/sqlite.h"
#include "store/state_store.h"

namespace sluice::store {

inline constexpr std::string_view kIdentitySchema = R"sql(
CREATE TABLE IF NOT EXISTS security_identities(
  org TEXT NOT NULL, provider TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  alias INTEGER NOT NULL, body TEXT NOT NULL, ordering_key INTEGER NOT NULL,
  disabled INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  PRIMARY KEY(org, provider, name, type));
)sql";

base::Result<uint64_t> UpsertIdentities(Connection& conn,
                                        const std::vector<SecurityIdentity>& changes);
base::Result<uint64_t> DisableIdentitiesOlderThan(Connection& conn, const std::string& org,
                                                  const std::string& provider, uint64_t ordering_id,
                                                  int64_t now_ms);
base::Result<std::vector<SecurityIdentity>> SelectIdentities(Connection& conn,
                                                             const std::string& org,
                                                             const std::string& provider,
                                                             uint32_t offset, uint32_t limit);

}  // namespace sluice::store
