#include "store/sqlite_identities.h"

namespace sluice::store {

base::Result<uint64_t> UpsertIdentities(Connection& conn,
                                        const std::vector<SecurityIdentity>& changes) {
  uint64_t applied = 0;
  for (const SecurityIdentity& id : changes) {
    // The WHERE on the upsert keeps a newer stored version (orderingId semantics, §3.4).
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO security_identities(org, provider, name, type, alias, body, "
                     "ordering_key, disabled, updated_ms) VALUES(?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT(org, provider, name, type) DO UPDATE SET alias = excluded.alias, "
                     "body = CASE WHEN excluded.disabled THEN body ELSE excluded.body END, "
                     "ordering_key = excluded.ordering_key, disabled = excluded.disabled, "
                     "updated_ms = excluded.updated_ms "
                     "WHERE excluded.ordering_key >= security_identities.ordering_key"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, id.organization_id)
                               .Bind(2, id.provider_id)
                               .Bind(3, id.name)
                               .Bind(4, id.type)
                               .Bind(5, int64_t{id.alias})
                               .Bind(6, id.body_json)
                               .Bind(7, OrderingKey(id.ordering_id))
                               .Bind(8, int64_t{id.disabled})
                               .Bind(9, id.updated_ms)
                               .Run());
    applied += static_cast<uint64_t>(conn.Changes());
  }
  return applied;
}

base::Result<uint64_t> DisableIdentitiesOlderThan(Connection& conn, const std::string& org,
                                                  const std::string& provider, uint64_t ordering_id,
                                                  int64_t now_ms) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("UPDATE security_identities SET disabled = 1, updated_ms = ? WHERE org = ? AND "
                   "provider = ? AND disabled = 0 AND ordering_key < ?"));
  SLUICE_RETURN_IF_ERROR(
      st.Bind(1, now_ms).Bind(2, org).Bind(3, provider).Bind(4, OrderingKey(ordering_id)).Run());
  return static_cast<uint64_t>(conn.Changes());
}

base::Result<std::vector<SecurityIdentity>> SelectIdentities(Connection& conn,
                                                             const std::string& org,
                                                             const std::string& provider,
                                                             uint32_t offset, uint32_t limit) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("SELECT org, provider, name, type, alias, body, ordering_key, disabled, "
                   "updated_ms FROM security_identities WHERE org = ?1 AND (?2 = '' OR provider = "
                   "?2) ORDER BY provider, name, type LIMIT ?3 OFFSET ?4"));
  st.Bind(1, org).Bind(2, provider).Bind(3, int64_t{limit}).Bind(4, int64_t{offset});
  std::vector<SecurityIdentity> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    SecurityIdentity id;
    id.organization_id = st.Text(0);
    id.provider_id = st.Text(1);
    id.name = st.Text(2);
    id.type = st.Text(3);
    id.alias = st.Int(4) != 0;
    id.body_json = st.Text(5);
    id.ordering_id = OrderingIdFromKey(st.Int(6));
    id.disabled = st.Int(7) != 0;
    id.updated_ms = st.Int(8);
    out.push_back(std::move(id));
  }
}

}  // namespace sluice::store
