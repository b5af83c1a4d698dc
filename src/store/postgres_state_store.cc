// PostgreSQL implementation of StateStore, for several Sluice nodes sharing one state. It
// behaves as the SQLite store does, call for call; the differences are where the state lives
// and what that implies: a pool of connections instead of one writer and one reader, schema
// versions instead of columns added on open, a journal lock so that sequence numbers become
// visible in order, and a field catalog version kept in a row that every node can read.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "base/random.h"
#include "store/postgres.h"
#include "store/state_store.h"
#include "store/state_text.h"

namespace sluice::store {
namespace {

using pg::Param;
using pg::Rows;
using pg::Session;

// Connections per store: enough for the pipeline, the Push API and browsing to overlap.
// A cluster node pins one for its apply lock while the workers, the index projector, the
// journal and request handlers use the rest.
constexpr size_t kPoolSize = 8;

// Keys of pg_advisory_xact_lock, shared by every node on the database ("SLUICEMG", "SLUICEJN").
constexpr int64_t kMigrationLock = 0x534c554943454d47;
constexpr int64_t kJournalLock = 0x534c554943454a4e;
// "SLUICEAP": held (session-level) by the one node applying a batch; "SLUICEIX": taken by each
// commit that adds index changes, so their seqs become visible in order, as the journal's do.
constexpr int64_t kApplyLock = 0x534c554943454150;
constexpr int64_t kIndexChangeLock = 0x534c554943454958;

// How long FieldCatalogVersion trusts the counter it last read; see FieldCatalogVersion().
constexpr auto kFieldVersionMaxAge = std::chrono::seconds(1);

// The schema, one step per version; a database holds versions 1..N in schema_migrations.
// Never edit a released step: add one. Text compared or ordered by the store is COLLATE "C"
// (byte order, as SQLite compares), whatever the database's locale.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE organizations(
  id TEXT COLLATE "C" PRIMARY KEY, created_ms BIGINT NOT NULL);
CREATE TABLE sources(
  org TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL,
  type TEXT NOT NULL, created_ms BIGINT NOT NULL, visibility TEXT NOT NULL DEFAULT 'SECURED',
  PRIMARY KEY(org, id));
CREATE TABLE source_activities(
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL, status TEXT NOT NULL, started_ms BIGINT NOT NULL,
  ended_ms BIGINT);
CREATE INDEX source_activities_open ON source_activities(org, source) WHERE ended_ms IS NULL;
CREATE TABLE api_keys(
  id TEXT COLLATE "C" PRIMARY KEY, org TEXT COLLATE "C" NOT NULL,
  key_hash TEXT COLLATE "C" NOT NULL UNIQUE, privileges TEXT NOT NULL,
  created_ms BIGINT NOT NULL, display_name TEXT NOT NULL DEFAULT '');
CREATE INDEX api_keys_by_org ON api_keys(org, created_ms, id);
CREATE TABLE api_key_sources(
  key_id TEXT COLLATE "C" NOT NULL, source TEXT COLLATE "C" NOT NULL, PRIMARY KEY(key_id, source));
CREATE TABLE fields(
  org TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, type TEXT NOT NULL,
  facet BOOLEAN NOT NULL, multi_value_facet BOOLEAN NOT NULL, sort BOOLEAN NOT NULL,
  include_in_query BOOLEAN NOT NULL, include_in_results BOOLEAN NOT NULL,
  merge_with_lexicon BOOLEAN NOT NULL, description TEXT NOT NULL, label TEXT NOT NULL,
  options TEXT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
  PRIMARY KEY(org, name));
CREATE TABLE field_catalog(
  only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK(only_row), version BIGINT NOT NULL);
INSERT INTO field_catalog(version) VALUES(0);
CREATE TABLE file_containers(
  file_id TEXT COLLATE "C" PRIMARY KEY, org TEXT COLLATE "C" NOT NULL, created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL, uploaded_ms BIGINT, size BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '', consumed_ms BIGINT);
CREATE TABLE journal(
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL, kind TEXT NOT NULL, document_id TEXT NOT NULL,
  ordering_key BIGINT NOT NULL, payload TEXT NOT NULL, received_ms BIGINT NOT NULL,
  request_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, done_ms BIGINT);
CREATE INDEX journal_pending ON journal(seq) WHERE done_ms IS NULL;
CREATE TABLE items(
  org TEXT COLLATE "C" NOT NULL, source TEXT COLLATE "C" NOT NULL, uri TEXT COLLATE "C" NOT NULL,
  ordering_key BIGINT NOT NULL, state TEXT NOT NULL, title TEXT NOT NULL,
  file_type TEXT NOT NULL, size BIGINT NOT NULL, indexed_ms BIGINT NOT NULL,
  reason TEXT NOT NULL, op_seq BIGINT NOT NULL DEFAULT 0, PRIMARY KEY(org, source, uri));
CREATE INDEX items_by_time ON items(org, source, indexed_ms);
CREATE TABLE item_logs(
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, datetime_ms BIGINT NOT NULL,
  org TEXT COLLATE "C" NOT NULL, source TEXT COLLATE "C" NOT NULL,
  document_id TEXT COLLATE "C" NOT NULL, operation TEXT COLLATE "C" NOT NULL,
  task TEXT COLLATE "C" NOT NULL, result TEXT COLLATE "C" NOT NULL, reason TEXT NOT NULL,
  request_id TEXT NOT NULL);
CREATE INDEX item_logs_by_doc ON item_logs(org, source, document_id);
CREATE TABLE streams(
  id TEXT COLLATE "C" PRIMARY KEY, org TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL, ordering_key BIGINT NOT NULL, opened_ms BIGINT NOT NULL,
  closed_ms BIGINT);
CREATE TABLE stream_chunks(
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id TEXT COLLATE "C" NOT NULL,
  file_id TEXT NOT NULL);
CREATE INDEX stream_chunks_by_stream ON stream_chunks(stream_id, id);
CREATE TABLE security_identities(
  org TEXT COLLATE "C" NOT NULL, provider TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL, type TEXT COLLATE "C" NOT NULL, alias BOOLEAN NOT NULL,
  body TEXT NOT NULL, ordering_key BIGINT NOT NULL, disabled BOOLEAN NOT NULL,
  updated_ms BIGINT NOT NULL, PRIMARY KEY(org, provider, name, type));
)sql",
    // Several nodes: claims on journal entries, the nodes' heartbeats, the index changes every
    // node projects into its own index, and the secrets all nodes share.
    R"sql(
ALTER TABLE journal ADD COLUMN claimed_by TEXT COLLATE "C";
ALTER TABLE journal ADD COLUMN expanded BIGINT NOT NULL DEFAULT 0;
CREATE TABLE nodes(node_id TEXT COLLATE "C" PRIMARY KEY, heartbeat_ms BIGINT NOT NULL);
CREATE TABLE index_changes(
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL, kind SMALLINT NOT NULL, uri TEXT NOT NULL,
  encoded BYTEA NOT NULL);
CREATE TABLE shared_secrets(name TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// Brings the database to kSchemaVersion, in one transaction. Nodes starting together queue on
// the lock (taken before anything else: even CREATE TABLE IF NOT EXISTS races without it), and
// each finds the steps the first one applied.
base::Status Migrate(pg::Pool& pool) {
  return pool.Transact([](Session& txn) -> base::Status {
    SLUICE_RETURN_IF_ERROR(txn.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}).status());
    SLUICE_RETURN_IF_ERROR(
        txn.Script("CREATE TABLE IF NOT EXISTS schema_migrations("
                   "version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"));
    SLUICE_ASSIGN_OR_RETURN(Rows current,
                            txn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    const int64_t version = current.Int(0, 0);
    if (version > kSchemaVersion) {
      return base::FailedPrecondition(
          "the PostgreSQL database has schema version " + std::to_string(version) +
          ", newer than the " + std::to_string(kSchemaVersion) +
          " this Sluice knows: a newer Sluice upgraded it; run that version (or a later one), or "
          "point this one at another database");
    }
    for (int64_t step = version + 1; step <= kSchemaVersion; ++step) {
      SLUICE_RETURN_IF_ERROR(txn.Script(kMigrations[step - 1])
                                 .WithContext("apply schema migration " + std::to_string(step)));
      SLUICE_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO schema_migrations(version, applied_at) VALUES($1, now())", {step})
              .status());
    }
    return base::Status::Ok();
  });
}

constexpr std::string_view kOpenActivity =
    "coalesce((SELECT status FROM source_activities a WHERE a.org = sources.org AND "
    "a.source = sources.id AND a.ended_ms IS NULL ORDER BY started_ms DESC, id DESC LIMIT 1), "
    "'IDLE')";

std::string SelectSources(std::string_view where) {
  return "SELECT org, id, name, type, created_ms, visibility, " + std::string(kOpenActivity) +
         " FROM sources " + std::string(where);
}

Source ReadSource(const Rows& r, size_t i) {
  return Source{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                r.Int(i, 4),  r.Text(i, 6), r.Text(i, 5)};
}

constexpr std::string_view kApiKeyColumns =
    "id, org, key_hash, privileges, created_ms, display_name";

ApiKey ReadApiKey(const Rows& r, size_t i) {
  ApiKey key{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), SplitPrivileges(r.Text(i, 3)), r.Int(i, 4)};
  key.display_name = r.Text(i, 5);
  return key;
}

base::Status ReadKeyScope(Session& txn, ApiKey& key) {
  SLUICE_ASSIGN_OR_RETURN(
      Rows r,
      txn.Exec("SELECT source FROM api_key_sources WHERE key_id = $1 ORDER BY source", {key.id}));
  for (size_t i = 0; i < r.size(); ++i) key.source_ids.push_back(r.Text(i, 0));
  return base::Status::Ok();
}

constexpr std::string_view kFieldColumns =
    "org, name, type, facet, multi_value_facet, sort, include_in_query, include_in_results, "
    "merge_with_lexicon, description, label, options, created_ms, updated_ms";

Field ReadField(const Rows& r, size_t i) {
  Field f;
  f.organization_id = r.Text(i, 0);
  f.name = r.Text(i, 1);
  f.type = r.Text(i, 2);
  f.facet = r.Bool(i, 3);
  f.multi_value_facet = r.Bool(i, 4);
  f.sort = r.Bool(i, 5);
  f.include_in_query = r.Bool(i, 6);
  f.include_in_results = r.Bool(i, 7);
  f.merge_with_lexicon = r.Bool(i, 8);
  f.description = r.Text(i, 9);
  f.label = r.Text(i, 10);
  f.options_json = r.Text(i, 11);
  f.created_ms = r.Int(i, 12);
  f.updated_ms = r.Int(i, 13);
  return f;
}

// $1..$12: every column of kFieldColumns but created_ms and updated_ms.
std::vector<Param> FieldParams(const Field& f) {
  return {f.organization_id,
          f.name,
          f.type,
          f.facet,
          f.multi_value_facet,
          f.sort,
          f.include_in_query,
          f.include_in_results,
          f.merge_with_lexicon,
          f.description,
          f.label,
          f.options_json};
}

// Lower- or upper-case hex (what encode(..., 'hex') returns) back to bytes.
base::Result<std::string> HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return base::DataLoss("hex text of odd length from the database");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0)
      return base::DataLoss("hex text with a non-hex digit from the database");
    out[i] = static_cast<char>(high * 16 + low);
  }
  return out;
}

constexpr std::string_view kOperationColumns =
    "seq, org, source, kind, document_id, ordering_key, payload, received_ms, request_id, "
    "attempts, expanded";

base::Result<Operation> ReadOperation(const Rows& r, size_t i) {
  Operation op;
  op.seq = r.Int(i, 0);
  op.organization_id = r.Text(i, 1);
  op.source_id = r.Text(i, 2);
  SLUICE_ASSIGN_OR_RETURN(op.kind, ParseKind(r.Text(i, 3)));
  op.document_id = r.Text(i, 4);
  op.ordering_id = OrderingIdFromKey(r.Int(i, 5));
  op.payload = r.Text(i, 6);
  op.received_ms = r.Int(i, 7);
  op.request_id = r.Text(i, 8);
  op.attempts = static_cast<int>(r.Int(i, 9));
  op.expanded = static_cast<uint64_t>(r.Int(i, 10));
  return op;
}

base::Result<std::vector<Operation>> ReadOperations(const Rows& r) {
  std::vector<Operation> out;
  for (size_t i = 0; i < r.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(Operation op, ReadOperation(r, i));
    out.push_back(std::move(op));
  }
  return out;
}

constexpr std::string_view kItemColumns =
    "org, source, uri, ordering_key, state, title, file_type, size, indexed_ms, reason, op_seq";

std::vector<Item> ReadItems(const Rows& r) {
  std::vector<Item> out;
  for (size_t i = 0; i < r.size(); ++i) {
    Item item;
    item.organization_id = r.Text(i, 0);
    item.source_id = r.Text(i, 1);
    item.uri = r.Text(i, 2);
    item.ordering_id = OrderingIdFromKey(r.Int(i, 3));
    item.state = ParseState(r.Text(i, 4));
    item.title = r.Text(i, 5);
    item.file_type = r.Text(i, 6);
    item.size = static_cast<uint64_t>(r.Int(i, 7));
    item.indexed_ms = r.Int(i, 8);
    item.reason = r.Text(i, 9);
    item.op_seq = r.Int(i, 10);
    out.push_back(std::move(item));
  }
  return out;
}

base::Status InsertLogs(Session& txn, const std::vector<LogEntry>& logs) {
  for (const auto& l : logs) {
    SLUICE_RETURN_IF_ERROR(
        txn.Exec("INSERT INTO item_logs(datetime_ms, org, source, document_id, operation, task, "
                 "result, reason, request_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 {l.datetime_ms, l.organization_id, l.source_id, l.document_id, l.operation, l.task,
                  l.result, l.reason, l.request_id})
            .status());
  }
  return base::Status::Ok();
}

// A log query as SQL with its parameters, in order.
struct LogSql {
  std::string text;
  std::vector<Param> params;

  std::string Next(Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
  }
};

void AddLogFilter(LogSql& sql, std::string_view column, const LogFilter& filter) {
  auto in_list = [&](const std::vector<std::string>& values, std::string_view op) {
    if (values.empty()) return;
    sql.text += " AND " + std::string(column) + " " + std::string(op) + " (";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) sql.text += ", ";
      sql.text += sql.Next(values[i]);
    }
    sql.text += ")";
  };
  in_list(filter.include, "IN");
  in_list(filter.exclude, "NOT IN");
}

// '*' matches any run of characters; every other character only itself (LIKE's own wildcards
// and its escape character are escaped).
std::string WildcardToLike(std::string_view pattern) {
  std::string like;
  for (char c : pattern) {
    if (c == '*') {
      like += '%';
      continue;
    }
    if (c == '%' || c == '_' || c == '\\') like += '\\';
    like += c;
  }
  return like;
}

LogSql BuildLogSql(const LogQuery& q) {
  LogSql sql;
  sql.text =
      "SELECT id, datetime_ms, org, source, document_id, operation, task, result, reason, "
      "request_id FROM item_logs WHERE org = " +
      sql.Next(q.organization_id);
  AddLogFilter(sql, "source", q.sources);
  AddLogFilter(sql, "operation", q.operations);
  AddLogFilter(sql, "result", q.results);
  AddLogFilter(sql, "task", q.tasks);
  if (q.document_id) {
    switch (q.document_id_matching) {
      case DocumentIdMatching::kExact:
        sql.text += " AND document_id = " + sql.Next(*q.document_id);
        break;
      case DocumentIdMatching::kPartial:
        sql.text += " AND strpos(document_id, " + sql.Next(*q.document_id) + ") > 0";
        break;
      case DocumentIdMatching::kWildcard:
        sql.text += " AND document_id LIKE " + sql.Next(WildcardToLike(*q.document_id));
        break;
    }
  }
  if (q.from_ms) sql.text += " AND datetime_ms >= " + sql.Next(*q.from_ms);
  if (q.to_ms) sql.text += " AND datetime_ms <= " + sql.Next(*q.to_ms);
  sql.text += " ORDER BY id DESC LIMIT " + sql.Next(q.limit);
  sql.text += " OFFSET " + sql.Next(q.offset);
  return sql;
}

class PostgresStateStore final : public StateStore {
 public:
  PostgresStateStore(std::unique_ptr<pg::Pool> pool, uint64_t field_version)
      : pool_(std::move(pool)),
        field_version_(field_version),
        field_version_read_(std::chrono::steady_clock::now().time_since_epoch().count()) {}

  base::Status BackupTo(const std::filesystem::path& /*file*/) override {
    // base::StatusCode has no "unimplemented"; FailedPrecondition says the request cannot work
    // in this setup, whatever the caller retries.
    return base::FailedPrecondition(
        "this Sluice keeps its state in " + pool_->endpoint().Describe() +
        "; back that database up with pg_dump (Sluice's backup covers the embedded SQLite "
        "store only)");
  }

  base::Status EnsureOrganization(const std::string& id, int64_t now_ms) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn
          .Exec("INSERT INTO organizations(id, created_ms) VALUES($1, $2) ON CONFLICT DO NOTHING",
                {id, now_ms})
          .status();
    });
  }

  base::Result<bool> OrganizationExists(const std::string& id) override {
    return pool_->AutocommitValue<bool>([&](Session& txn) -> base::Result<bool> {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT 1 FROM organizations WHERE id = $1", {id}));
      return !r.empty();
    });
  }

  base::Status CreateSource(const Source& s) override {
    return pool_->Autocommit([&](Session& txn) -> base::Status {
      SLUICE_ASSIGN_OR_RETURN(
          Rows r, txn.Exec("INSERT INTO sources(org, id, name, type, created_ms, visibility) "
                           "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                           {s.organization_id, s.id, s.name, s.type, s.created_ms, s.visibility}));
      if (r.affected() == 0) return base::AlreadyExists("source " + s.id + " already exists");
      return base::Status::Ok();
    });
  }

  base::Result<std::optional<Source>> GetSource(const std::string& org,
                                                const std::string& id) override {
    return pool_->AutocommitValue<std::optional<Source>>(
        [&](Session& txn) -> base::Result<std::optional<Source>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r,
                                  txn.Exec(SelectSources("WHERE org = $1 AND id = $2"), {org, id}));
          if (r.empty()) return std::optional<Source>();
          return std::optional<Source>(ReadSource(r, 0));
        });
  }

  base::Result<std::vector<Source>> ListSources(const std::string& org) override {
    return pool_->AutocommitValue<std::vector<Source>>(
        [&](Session& txn) -> base::Result<std::vector<Source>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r,
                                  txn.Exec(SelectSources("WHERE org = $1 ORDER BY name"), {org}));
          std::vector<Source> out;
          for (size_t i = 0; i < r.size(); ++i) out.push_back(ReadSource(r, i));
          return out;
        });
  }

  base::Status DeleteSource(const std::string& org, const std::string& id) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_ASSIGN_OR_RETURN(
          Rows r, txn.Exec("DELETE FROM sources WHERE org = $1 AND id = $2", {org, id}));
      if (r.affected() == 0) {
        return base::NotFound("source '" + id + "' does not exist in organization '" + org + "'");
      }
      return txn.Exec("DELETE FROM source_activities WHERE org = $1 AND source = $2", {org, id})
          .status();
    });
  }

  base::Status SetSourceStatus(const std::string& org, const std::string& source,
                               const std::string& status, int64_t now_ms) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_RETURN_IF_ERROR(txn.Exec("UPDATE source_activities SET ended_ms = $1 WHERE org = $2 "
                                      "AND source = $3 AND ended_ms IS NULL",
                                      {now_ms, org, source})
                                 .status());
      if (status == "IDLE") return base::Status::Ok();
      return txn
          .Exec(
              "INSERT INTO source_activities(org, source, status, started_ms) "
              "VALUES($1, $2, $3, $4)",
              {org, source, status, now_ms})
          .status();
    });
  }

  base::Status PutApiKey(const ApiKey& k) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_RETURN_IF_ERROR(txn.Exec("INSERT INTO api_keys(" + std::string(kApiKeyColumns) +
                                          ") VALUES($1, $2, $3, $4, $5, $6)",
                                      {k.id, k.organization_id, k.key_hash,
                                       JoinPrivileges(k.privileges), k.created_ms, k.display_name})
                                 .status());
      for (const std::string& source : k.source_ids) {
        SLUICE_RETURN_IF_ERROR(txn.Exec("INSERT INTO api_key_sources(key_id, source) "
                                        "VALUES($1, $2) ON CONFLICT DO NOTHING",
                                        {k.id, source})
                                   .status());
      }
      return base::Status::Ok();
    });
  }

  base::Result<std::optional<ApiKey>> FindApiKeyByHash(const std::string& key_hash) override {
    return pool_->AutocommitValue<std::optional<ApiKey>>(
        [&](Session& txn) -> base::Result<std::optional<ApiKey>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT " + std::string(kApiKeyColumns) +
                                                       " FROM api_keys WHERE key_hash = $1",
                                                   {key_hash}));
          if (r.empty()) return std::optional<ApiKey>();
          ApiKey key = ReadApiKey(r, 0);
          SLUICE_RETURN_IF_ERROR(ReadKeyScope(txn, key));
          return std::optional<ApiKey>(std::move(key));
        });
  }

  base::Result<uint64_t> CountApiKeys() override {
    return pool_->AutocommitValue<uint64_t>([&](Session& txn) -> base::Result<uint64_t> {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT count(*) FROM api_keys"));
      return static_cast<uint64_t>(r.Int(0, 0));
    });
  }

  base::Result<std::vector<ApiKey>> ListApiKeys(const std::string& org) override {
    return pool_->AutocommitValue<std::vector<ApiKey>>(
        [&](Session& txn) -> base::Result<std::vector<ApiKey>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT " + std::string(kApiKeyColumns) +
                                                       " FROM api_keys WHERE org = $1 ORDER BY "
                                                       "created_ms, id",
                                                   {org}));
          std::vector<ApiKey> out;
          for (size_t i = 0; i < r.size(); ++i) out.push_back(ReadApiKey(r, i));
          for (ApiKey& key : out) SLUICE_RETURN_IF_ERROR(ReadKeyScope(txn, key));
          return out;
        });
  }

  base::Status DeleteApiKey(const std::string& org, const std::string& id) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_ASSIGN_OR_RETURN(
          Rows r, txn.Exec("DELETE FROM api_keys WHERE org = $1 AND id = $2", {org, id}));
      if (r.affected() == 0) {
        return base::NotFound("API key '" + id + "' does not exist in organization '" + org + "'");
      }
      return txn.Exec("DELETE FROM api_key_sources WHERE key_id = $1", {id}).status();
    });
  }

  base::Status CreateFields(const std::vector<Field>& fields) override {
    return WriteFields([&](Session& txn) -> base::Status {
      for (const Field& f : fields) {
        std::vector<Param> params = FieldParams(f);
        params.emplace_back(f.created_ms);
        params.emplace_back(f.updated_ms);
        SLUICE_ASSIGN_OR_RETURN(
            Rows r, txn.Exec("INSERT INTO fields(" + std::string(kFieldColumns) +
                                 ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                                 "$13, $14) ON CONFLICT DO NOTHING",
                             params));
        if (r.affected() == 0) return base::AlreadyExists("field '" + f.name + "' already exists");
      }
      return base::Status::Ok();
    });
  }

  base::Status UpdateFields(const std::vector<Field>& fields) override {
    return WriteFields([&](Session& txn) -> base::Status {
      for (const Field& f : fields) {
        std::vector<Param> params = FieldParams(f);
        params.emplace_back(f.updated_ms);
        // created_ms is kept from the first version of the field.
        SLUICE_ASSIGN_OR_RETURN(
            Rows r,
            txn.Exec("UPDATE fields SET type = $3, facet = $4, multi_value_facet = $5, "
                     "sort = $6, include_in_query = $7, include_in_results = $8, "
                     "merge_with_lexicon = $9, description = $10, label = $11, options = $12, "
                     "updated_ms = $13 WHERE org = $1 AND name = $2",
                     params));
        if (r.affected() == 0) return base::NotFound("field '" + f.name + "' does not exist");
      }
      return base::Status::Ok();
    });
  }

  base::Status DeleteFields(const std::string& org,
                            const std::vector<std::string>& names) override {
    return WriteFields([&](Session& txn) -> base::Status {
      for (const std::string& name : names) {
        SLUICE_ASSIGN_OR_RETURN(
            Rows r, txn.Exec("DELETE FROM fields WHERE org = $1 AND name = $2", {org, name}));
        if (r.affected() == 0) return base::NotFound("field '" + name + "' does not exist");
      }
      return base::Status::Ok();
    });
  }

  base::Result<std::optional<Field>> GetField(const std::string& org,
                                              const std::string& name) override {
    return pool_->AutocommitValue<std::optional<Field>>(
        [&](Session& txn) -> base::Result<std::optional<Field>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT " + std::string(kFieldColumns) +
                                                       " FROM fields WHERE org = $1 AND name = $2",
                                                   {org, name}));
          if (r.empty()) return std::optional<Field>();
          return std::optional<Field>(ReadField(r, 0));
        });
  }

  base::Result<std::vector<Field>> ListFields(const std::string& org) override {
    return pool_->AutocommitValue<std::vector<Field>>(
        [&](Session& txn) -> base::Result<std::vector<Field>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT " + std::string(kFieldColumns) +
                                                       " FROM fields WHERE org = $1 ORDER BY name",
                                                   {org}));
          std::vector<Field> out;
          for (size_t i = 0; i < r.size(); ++i) out.push_back(ReadField(r, i));
          return out;
        });
  }

  // Other nodes change fields too, so the version is the counter row that every field write
  // increments in its transaction. The pipeline asks for it once per item, so it is not read
  // each time: this store's own writes update the copy at once, and the row is read again when
  // the copy is older than kFieldVersionMaxAge. Another node's change is seen within about a
  // second. When the row cannot be read (no free connection, server away), the copy stands.
  uint64_t FieldCatalogVersion() const override {
    const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    const int64_t max_age =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(kFieldVersionMaxAge)
            .count();
    if (now - field_version_read_.load() < max_age) return field_version_.load();
    std::unique_lock refresh(field_version_mu_, std::try_to_lock);
    if (!refresh.owns_lock()) return field_version_.load();  // another thread is reading it
    // Tried once per period even when it fails, so that a server away does not cost a connect
    // attempt per call.
    field_version_read_.store(now);
    (void)pool_->TryAutocommit([&](Session& txn) -> base::Status {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT version FROM field_catalog"));
      if (!r.empty()) KeepFieldVersion(static_cast<uint64_t>(r.Int(0, 0)));
      return base::Status::Ok();
    });
    return field_version_.load();
  }

  base::Status CreateFileContainer(const FileContainer& c) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn
          .Exec(
              "INSERT INTO file_containers(file_id, org, created_ms, expires_ms) "
              "VALUES($1, $2, $3, $4)",
              {c.file_id, c.organization_id, c.created_ms, c.expires_ms})
          .status();
    });
  }

  base::Result<std::optional<FileContainer>> GetFileContainer(const std::string& id) override {
    return pool_->AutocommitValue<std::optional<FileContainer>>(
        [&](Session& txn) -> base::Result<std::optional<FileContainer>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("SELECT file_id, org, created_ms, expires_ms, uploaded_ms, size, "
                               "sha256, consumed_ms FROM file_containers WHERE file_id = $1",
                               {id}));
          if (r.empty()) return std::optional<FileContainer>();
          FileContainer c;
          c.file_id = r.Text(0, 0);
          c.organization_id = r.Text(0, 1);
          c.created_ms = r.Int(0, 2);
          c.expires_ms = r.Int(0, 3);
          if (!r.IsNull(0, 4)) c.uploaded_ms = r.Int(0, 4);
          c.size = static_cast<uint64_t>(r.Int(0, 5));
          c.sha256_hex = r.Text(0, 6);
          if (!r.IsNull(0, 7)) c.consumed_ms = r.Int(0, 7);
          return std::optional<FileContainer>(std::move(c));
        });
  }

  base::Status MarkFileUploaded(const std::string& id, int64_t now_ms, uint64_t size,
                                const std::string& sha256_hex) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn
          .Exec(
              "UPDATE file_containers SET uploaded_ms = $1, size = $2, sha256 = $3 "
              "WHERE file_id = $4",
              {now_ms, static_cast<int64_t>(size), sha256_hex, id})
          .status();
    });
  }

  base::Result<uint64_t> PutSecurityIdentities(
      const std::vector<SecurityIdentity>& changes) override {
    return pool_->TransactValue<uint64_t>([&](Session& txn) -> base::Result<uint64_t> {
      uint64_t applied = 0;
      for (const SecurityIdentity& id : changes) {
        // The WHERE on the upsert keeps a newer stored version (orderingId semantics, §3.4).
        SLUICE_ASSIGN_OR_RETURN(
            Rows r,
            txn.Exec("INSERT INTO security_identities AS s(org, provider, name, type, alias, "
                     "body, ordering_key, disabled, updated_ms) "
                     "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                     "ON CONFLICT(org, provider, name, type) DO UPDATE SET alias = excluded.alias, "
                     "body = CASE WHEN excluded.disabled THEN s.body ELSE excluded.body END, "
                     "ordering_key = excluded.ordering_key, disabled = excluded.disabled, "
                     "updated_ms = excluded.updated_ms "
                     "WHERE excluded.ordering_key >= s.ordering_key",
                     {id.organization_id, id.provider_id, id.name, id.type, id.alias, id.body_json,
                      OrderingKey(id.ordering_id), id.disabled, id.updated_ms}));
        applied += r.affected();
      }
      return applied;
    });
  }

  base::Result<uint64_t> DisableSecurityIdentitiesOlderThan(const std::string& org,
                                                            const std::string& provider,
                                                            uint64_t ordering_id,
                                                            int64_t now_ms) override {
    return pool_->AutocommitValue<uint64_t>([&](Session& txn) -> base::Result<uint64_t> {
      SLUICE_ASSIGN_OR_RETURN(
          Rows r, txn.Exec("UPDATE security_identities SET disabled = TRUE, updated_ms = $1 "
                           "WHERE org = $2 AND provider = $3 AND NOT disabled AND "
                           "ordering_key < $4",
                           {now_ms, org, provider, OrderingKey(ordering_id)}));
      return r.affected();
    });
  }

  base::Result<std::vector<SecurityIdentity>> ListSecurityIdentities(const std::string& org,
                                                                     const std::string& provider,
                                                                     uint32_t offset,
                                                                     uint32_t limit) override {
    return pool_->AutocommitValue<std::vector<SecurityIdentity>>(
        [&](Session& txn) -> base::Result<std::vector<SecurityIdentity>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r,
              txn.Exec("SELECT org, provider, name, type, alias, body, ordering_key, disabled, "
                       "updated_ms FROM security_identities WHERE org = $1 AND ($2 = '' OR "
                       "provider = $2) ORDER BY provider, name, type LIMIT $3 OFFSET $4",
                       {org, provider, limit, offset}));
          std::vector<SecurityIdentity> out;
          for (size_t i = 0; i < r.size(); ++i) {
            SecurityIdentity id;
            id.organization_id = r.Text(i, 0);
            id.provider_id = r.Text(i, 1);
            id.name = r.Text(i, 2);
            id.type = r.Text(i, 3);
            id.alias = r.Bool(i, 4);
            id.body_json = r.Text(i, 5);
            id.ordering_id = OrderingIdFromKey(r.Int(i, 6));
            id.disabled = r.Bool(i, 7);
            id.updated_ms = r.Int(i, 8);
            out.push_back(std::move(id));
          }
          return out;
        });
  }

  base::Status CreateStream(const Stream& s) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn
          .Exec(
              "INSERT INTO streams(id, org, source, ordering_key, opened_ms) "
              "VALUES($1, $2, $3, $4, $5)",
              {s.id, s.organization_id, s.source_id, OrderingKey(s.ordering_id), s.opened_ms})
          .status();
    });
  }

  base::Result<std::optional<Stream>> GetStream(const std::string& id) override {
    return pool_->AutocommitValue<std::optional<Stream>>(
        [&](Session& txn) -> base::Result<std::optional<Stream>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r,
                                  txn.Exec("SELECT id, org, source, ordering_key, opened_ms, "
                                           "closed_ms FROM streams WHERE id = $1",
                                           {id}));
          if (r.empty()) return std::optional<Stream>();
          Stream s{r.Text(0, 0), r.Text(0, 1),
                   r.Text(0, 2), OrderingIdFromKey(r.Int(0, 3)),
                   r.Int(0, 4),  {}};
          if (!r.IsNull(0, 5)) s.closed_ms = r.Int(0, 5);
          return std::optional<Stream>(std::move(s));
        });
  }

  // Chunks are ordered by an identity column rather than a per-stream counter, so that two
  // nodes handing out chunks of one stream at once never collide.
  base::Status AddStreamChunk(const std::string& stream_id, const std::string& file_id) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn
          .Exec("INSERT INTO stream_chunks(stream_id, file_id) VALUES($1, $2)",
                {stream_id, file_id})
          .status();
    });
  }

  base::Result<std::vector<std::string>> StreamChunks(const std::string& stream_id) override {
    return pool_->AutocommitValue<std::vector<std::string>>(
        [&](Session& txn) -> base::Result<std::vector<std::string>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("SELECT file_id FROM stream_chunks WHERE stream_id = $1 ORDER BY id",
                               {stream_id}));
          std::vector<std::string> out;
          for (size_t i = 0; i < r.size(); ++i) out.push_back(r.Text(i, 0));
          return out;
        });
  }

  base::Status CloseStream(const std::string& stream_id, int64_t now_ms,
                           std::vector<Operation>& ops) override {
    std::vector<Operation> numbered = ops;
    base::Status closed = pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("UPDATE streams SET closed_ms = $1 WHERE id = $2 "
                                               "AND closed_ms IS NULL",
                                               {now_ms, stream_id}));
      if (r.affected() == 0) {
        return base::FailedPrecondition("stream '" + stream_id + "' is already closed");
      }
      return InsertOperations(txn, numbered);
    });
    if (closed.ok()) ops = std::move(numbered);
    return closed;
  }

  base::Status AppendOperations(std::vector<Operation>& ops) override {
    std::vector<Operation> numbered = ops;
    base::Status appended =
        pool_->Transact([&](Session& txn) { return InsertOperations(txn, numbered); });
    if (appended.ok()) ops = std::move(numbered);
    return appended;
  }

  base::Status AppendBatchItems(int64_t batch_seq, uint64_t expanded,
                                std::vector<Operation>& ops) override {
    std::vector<Operation> numbered = ops;
    base::Status appended = pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_RETURN_IF_ERROR(InsertOperations(txn, numbered));
      return txn
          .Exec("UPDATE journal SET expanded = $1 WHERE seq = $2",
                {static_cast<int64_t>(expanded), batch_seq})
          .status();
    });
    if (appended.ok()) ops = std::move(numbered);
    return appended;
  }

  base::Result<std::vector<Operation>> PendingOperations(int64_t after_seq,
                                                         uint32_t limit) override {
    return pool_->AutocommitValue<std::vector<Operation>>(
        [&](Session& txn) -> base::Result<std::vector<Operation>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("SELECT " + std::string(kOperationColumns) +
                                   " FROM journal WHERE done_ms IS NULL AND seq > $1 ORDER BY seq "
                                   "LIMIT $2",
                               {after_seq, limit}));
          return ReadOperations(r);
        });
  }

  base::Status RecordAttempt(int64_t seq) override {
    return pool_->Autocommit([&](Session& txn) {
      return txn.Exec("UPDATE journal SET attempts = attempts + 1 WHERE seq = $1", {seq}).status();
    });
  }

  base::Result<std::optional<Operation>> GetOperation(int64_t seq) override {
    return pool_->AutocommitValue<std::optional<Operation>>(
        [&](Session& txn) -> base::Result<std::optional<Operation>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT " + std::string(kOperationColumns) +
                                                       " FROM journal WHERE seq = $1",
                                                   {seq}));
          if (r.empty()) return std::optional<Operation>();
          SLUICE_ASSIGN_OR_RETURN(Operation op, ReadOperation(r, 0));
          return std::optional<Operation>(std::move(op));
        });
  }

  base::Result<uint64_t> PendingCount() override {
    return pool_->AutocommitValue<uint64_t>([&](Session& txn) -> base::Result<uint64_t> {
      SLUICE_ASSIGN_OR_RETURN(Rows r,
                              txn.Exec("SELECT count(*) FROM journal WHERE done_ms IS NULL"));
      return static_cast<uint64_t>(r.Int(0, 0));
    });
  }

  base::Result<int64_t> OldestPendingReceivedMs() override {
    return pool_->AutocommitValue<int64_t>([&](Session& txn) -> base::Result<int64_t> {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT received_ms FROM journal WHERE done_ms IS "
                                               "NULL ORDER BY seq LIMIT 1"));
      return r.empty() ? int64_t{0} : r.Int(0, 0);
    });
  }

  base::Result<std::optional<Item>> GetItem(const std::string& org, const std::string& source,
                                            const std::string& uri) override {
    return pool_->AutocommitValue<std::optional<Item>>(
        [&](Session& txn) -> base::Result<std::optional<Item>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("SELECT " + std::string(kItemColumns) +
                                   " FROM items WHERE org = $1 AND source = $2 AND uri = $3",
                               {org, source, uri}));
          std::vector<Item> items = ReadItems(r);
          if (items.empty()) return std::optional<Item>();
          return std::optional<Item>(std::move(items.front()));
        });
  }

  base::Result<std::vector<Item>> ItemsWithPrefix(const std::string& org, const std::string& source,
                                                  const std::string& uri) override {
    // A range of the primary key, [uri, uri + "0"): it holds uri and every uri + "/..." ('0'
    // follows '/' in byte order, which COLLATE "C" keeps), read through the index; what else it
    // holds (uri + "-2", uri + ".html") is filtered out below. No LIKE: URIs may contain % and _.
    SLUICE_ASSIGN_OR_RETURN(
        std::vector<Item> range,
        pool_->AutocommitValue<std::vector<Item>>(
            [&](Session& txn) -> base::Result<std::vector<Item>> {
              SLUICE_ASSIGN_OR_RETURN(
                  Rows r,
                  txn.Exec("SELECT " + std::string(kItemColumns) +
                               " FROM items WHERE org = $1 AND source = $2 AND uri >= $3 AND "
                               "uri < $4 AND state != 'DELETED' ORDER BY uri",
                           {org, source, uri, uri + "0"}));
              return ReadItems(r);
            }));
    std::vector<Item> items;
    for (Item& item : range) {
      if (item.uri.size() == uri.size() || item.uri[uri.size()] == '/') {
        items.push_back(std::move(item));
      }
    }
    return items;
  }

  base::Result<std::vector<Item>> ItemsOlderThan(const std::string& org, const std::string& source,
                                                 uint64_t ordering_id) override {
    return SelectItems(
        "WHERE org = $1 AND source = $2 AND state != 'DELETED' AND ordering_key < $3 ORDER BY uri",
        {org, source, OrderingKey(ordering_id)});
  }

  base::Result<std::vector<Item>> ListItems(const std::string& org, const std::string& source,
                                            uint32_t offset, uint32_t limit) override {
    return SelectItems(
        "WHERE org = $1 AND source = $2 AND state != 'DELETED' ORDER BY indexed_ms DESC, uri "
        "LIMIT $3 OFFSET $4",
        {org, source, limit, offset});
  }

  base::Result<ItemCounts> CountItems(const std::string& org, const std::string& source) override {
    return pool_->AutocommitValue<ItemCounts>([&](Session& txn) -> base::Result<ItemCounts> {
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT state, count(*) FROM items WHERE org = $1 "
                                               "AND source = $2 GROUP BY state",
                                               {org, source}));
      ItemCounts counts;
      for (size_t i = 0; i < r.size(); ++i) {
        const ItemState state = ParseState(r.Text(i, 0));
        const auto n = static_cast<uint64_t>(r.Int(i, 1));
        if (state == ItemState::kIndexed) counts.indexed = n;
        if (state == ItemState::kFailed) counts.failed = n;
      }
      return counts;
    });
  }

  base::Status CommitApplied(const AppliedBatch& batch, int64_t now_ms) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      for (const Item& item : batch.items) SLUICE_RETURN_IF_ERROR(UpsertItem(txn, item));
      SLUICE_RETURN_IF_ERROR(InsertLogs(txn, batch.logs));
      for (int64_t seq : batch.completed_seqs) {
        SLUICE_RETURN_IF_ERROR(
            txn.Exec("UPDATE journal SET done_ms = $1 WHERE seq = $2", {now_ms, seq}).status());
      }
      for (const auto& id : batch.consumed_file_ids) {
        SLUICE_RETURN_IF_ERROR(
            txn.Exec("UPDATE file_containers SET consumed_ms = $1 WHERE file_id = $2", {now_ms, id})
                .status());
      }
      return InsertIndexChanges(txn, batch.index_changes);
    });
  }

  base::Result<std::vector<Operation>> ClaimOperations(const std::string& node_id, int64_t now_ms,
                                                       int64_t node_timeout_ms,
                                                       uint32_t limit) override {
    return pool_->TransactValue<std::vector<Operation>>(
        [&](Session& txn) -> base::Result<std::vector<Operation>> {
          SLUICE_RETURN_IF_ERROR(UpsertHeartbeat(txn, node_id, now_ms));
          // Pending entries nobody holds, or held by a node whose heartbeat is too old (it
          // died, or stopped without releasing). SKIP LOCKED: nodes claiming at the same time
          // take different entries instead of waiting for each other.
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("UPDATE journal SET claimed_by = $1 WHERE seq IN ("
                               "SELECT j.seq FROM journal j LEFT JOIN nodes n ON n.node_id = "
                               "j.claimed_by WHERE j.done_ms IS NULL AND (j.claimed_by IS NULL "
                               "OR n.node_id IS NULL OR n.heartbeat_ms < $2) ORDER BY j.seq "
                               "LIMIT $3 FOR UPDATE OF j SKIP LOCKED) RETURNING " +
                                   std::string(kOperationColumns),
                               {node_id, now_ms - node_timeout_ms, limit}));
          SLUICE_ASSIGN_OR_RETURN(std::vector<Operation> ops, ReadOperations(r));
          std::sort(ops.begin(), ops.end(),
                    [](const Operation& a, const Operation& b) { return a.seq < b.seq; });
          return ops;
        });
  }

  base::Status Heartbeat(const std::string& node_id, int64_t now_ms) override {
    return pool_->Autocommit([&](Session& txn) { return UpsertHeartbeat(txn, node_id, now_ms); });
  }

  base::Status ReleaseClaims(const std::string& node_id) override {
    return pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_RETURN_IF_ERROR(txn.Exec("UPDATE journal SET claimed_by = NULL WHERE claimed_by = $1 "
                                      "AND done_ms IS NULL",
                                      {node_id})
                                 .status());
      return txn.Exec("DELETE FROM nodes WHERE node_id = $1", {node_id}).status();
    });
  }

  base::Result<std::vector<IndexChange>> IndexChangesAfter(int64_t after_seq,
                                                           uint32_t limit) override {
    return pool_->AutocommitValue<std::vector<IndexChange>>(
        [&](Session& txn) -> base::Result<std::vector<IndexChange>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r, txn.Exec("SELECT seq, org, source, kind, uri, encode(encoded, 'hex') FROM "
                               "index_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                               {after_seq, limit}));
          std::vector<IndexChange> out;
          out.reserve(r.size());
          for (size_t i = 0; i < r.size(); ++i) {
            IndexChange change;
            change.seq = r.Int(i, 0);
            change.organization_id = r.Text(i, 1);
            change.source_id = r.Text(i, 2);
            const int64_t kind = r.Int(i, 3);
            if (kind < 1 || kind > 3) {
              return base::DataLoss("index change " + std::to_string(change.seq) +
                                    " has unknown kind " + std::to_string(kind));
            }
            change.kind = static_cast<IndexChangeKind>(kind);
            change.uri = r.Text(i, 4);
            SLUICE_ASSIGN_OR_RETURN(change.encoded, HexDecode(r.Text(i, 5)));
            out.push_back(std::move(change));
          }
          return out;
        });
  }

  base::Result<std::unique_ptr<ApplyLock>> LockApplying() override {
    auto session = pool_->Pin();
    SLUICE_RETURN_IF_ERROR(session->Autocommit([](Session& txn) {
      return txn.Exec("SELECT pg_advisory_lock($1)", {kApplyLock}).status();
    }));
    return std::unique_ptr<ApplyLock>(new SessionApplyLock(std::move(session)));
  }

  base::Result<std::string> SharedSecret(const std::string& name,
                                         const std::string& candidate) override {
    return pool_->TransactValue<std::string>([&](Session& txn) -> base::Result<std::string> {
      SLUICE_RETURN_IF_ERROR(txn.Exec("INSERT INTO shared_secrets(name, value) VALUES($1, $2) "
                                      "ON CONFLICT(name) DO NOTHING",
                                      {name, candidate})
                                 .status());
      SLUICE_ASSIGN_OR_RETURN(Rows r,
                              txn.Exec("SELECT value FROM shared_secrets WHERE name = $1", {name}));
      if (r.empty()) return base::Internal("shared secret " + name + " vanished");
      return r.Text(0, 0);
    });
  }

  base::Status AppendLogs(const std::vector<LogEntry>& logs) override {
    return pool_->Transact([&](Session& txn) { return InsertLogs(txn, logs); });
  }

  base::Result<std::vector<LogEntry>> QueryLogs(const LogQuery& q) override {
    const LogSql sql = BuildLogSql(q);
    return pool_->AutocommitValue<std::vector<LogEntry>>(
        [&](Session& txn) -> base::Result<std::vector<LogEntry>> {
          SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec(sql.text, sql.params));
          std::vector<LogEntry> out;
          for (size_t i = 0; i < r.size(); ++i) {
            out.push_back(LogEntry{r.Int(i, 0), r.Int(i, 1), r.Text(i, 2), r.Text(i, 3),
                                   r.Text(i, 4), r.Text(i, 5), r.Text(i, 6), r.Text(i, 7),
                                   r.Text(i, 8), r.Text(i, 9)});
          }
          return out;
        });
  }

 private:
  // The session lock of LockApplying, released when destroyed (by the server if the session
  // ends first: a node that dies holds nothing).
  class SessionApplyLock final : public ApplyLock {
   public:
    explicit SessionApplyLock(std::unique_ptr<pg::PinnedSession> session)
        : session_(std::move(session)) {}
    ~SessionApplyLock() override {
      (void)session_->Autocommit([](Session& txn) {
        return txn.Exec("SELECT pg_advisory_unlock($1)", {kApplyLock}).status();
      });
    }
    SessionApplyLock(const SessionApplyLock&) = delete;
    SessionApplyLock& operator=(const SessionApplyLock&) = delete;

   private:
    std::unique_ptr<pg::PinnedSession> session_;
  };

  static base::Status UpsertHeartbeat(Session& txn, const std::string& node_id, int64_t now_ms) {
    return txn
        .Exec(
            "INSERT INTO nodes(node_id, heartbeat_ms) VALUES($1, $2) ON CONFLICT(node_id) DO "
            "UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
            {node_id, now_ms})
        .status();
  }

  // In the caller's transaction. The lock makes seqs visible in commit order, as the journal's
  // (see InsertOperations): projectors move their cursor past what they read.
  static base::Status InsertIndexChanges(Session& txn, const std::vector<IndexChange>& changes) {
    if (changes.empty()) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(
        txn.Exec("SELECT pg_advisory_xact_lock($1)", {kIndexChangeLock}).status());
    for (const IndexChange& change : changes) {
      SLUICE_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO index_changes(org, source, kind, uri, encoded) VALUES($1, $2, $3, "
                   "$4, decode($5, 'hex'))",
                   {change.organization_id, change.source_id, static_cast<int>(change.kind),
                    change.uri, base::HexEncode(change.encoded)})
              .status());
    }
    return base::Status::Ok();
  }

  // Journals `ops` inside the caller's transaction and numbers them.
  //
  // Other nodes tail the journal by seq (PendingOperations(after_seq)) and move after_seq past
  // what they read. Identity values are handed out when rows are inserted, not when they
  // commit: without a lock, a transaction given seq 11 could commit before one given seq 10,
  // a reader would see 11, move past it and never read 10. Holding this transaction-scoped
  // lock from before the first seq is drawn until the commit is visible (PostgreSQL releases
  // it after that) makes appends, on every node, draw and publish their seqs one transaction
  // after the other, so seqs become visible in increasing order with no hole below the
  // highest visible one. Appends then serialise; the Journal's group commit keeps that cheap.
  static base::Status InsertOperations(Session& txn, std::vector<Operation>& ops) {
    if (ops.empty()) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(txn.Exec("SELECT pg_advisory_xact_lock($1)", {kJournalLock}).status());
    // Many rows per statement: a group of small pushes costs a few round trips, not one each.
    constexpr size_t kRowsPerInsert = 64;
    for (size_t start = 0; start < ops.size(); start += kRowsPerInsert) {
      const size_t end = std::min(ops.size(), start + kRowsPerInsert);
      std::string sql =
          "INSERT INTO journal(org, source, kind, document_id, ordering_key, payload, "
          "received_ms, request_id) VALUES";
      std::vector<Param> params;
      params.reserve((end - start) * 8);
      for (size_t i = start; i < end; ++i) {
        const Operation& op = ops[i];
        const size_t n = params.size();
        sql += (i == start ? "(" : ",(");
        for (size_t column = 1; column <= 8; ++column) {
          sql += "$" + std::to_string(n + column) + (column < 8 ? "," : ")");
        }
        params.insert(params.end(),
                      {op.organization_id, op.source_id, OperationKindName(op.kind), op.document_id,
                       OrderingKey(op.ordering_id), op.payload, op.received_ms, op.request_id});
      }
      SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec(sql + " RETURNING seq", params));
      if (r.size() != end - start) {
        return base::Internal("journal insert returned " + std::to_string(r.size()) +
                              " sequence numbers for " + std::to_string(end - start) + " rows");
      }
      // Rows are numbered in the order VALUES lists them, and the lock keeps every other append
      // out, so the seqs, sorted, belong to the operations in order.
      std::vector<int64_t> seqs;
      seqs.reserve(r.size());
      for (size_t i = 0; i < r.size(); ++i) seqs.push_back(r.Int(i, 0));
      std::sort(seqs.begin(), seqs.end());
      for (size_t i = start; i < end; ++i) ops[i].seq = seqs[i - start];
    }
    return base::Status::Ok();
  }

  static base::Status UpsertItem(Session& txn, const Item& item) {
    return txn
        .Exec("INSERT INTO items(" + std::string(kItemColumns) +
                  ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                  "ON CONFLICT(org, source, uri) DO UPDATE SET ordering_key = "
                  "excluded.ordering_key, state = excluded.state, title = excluded.title, "
                  "file_type = excluded.file_type, size = excluded.size, indexed_ms = "
                  "excluded.indexed_ms, reason = excluded.reason, op_seq = excluded.op_seq",
              {item.organization_id, item.source_id, item.uri, OrderingKey(item.ordering_id),
               ItemStateName(item.state), item.title, item.file_type,
               static_cast<int64_t>(item.size), item.indexed_ms, item.reason, item.op_seq})
        .status();
  }

  base::Result<std::vector<Item>> SelectItems(const std::string& where,
                                              const std::vector<Param>& params) {
    return pool_->AutocommitValue<std::vector<Item>>(
        [&](Session& txn) -> base::Result<std::vector<Item>> {
          SLUICE_ASSIGN_OR_RETURN(
              Rows r,
              txn.Exec("SELECT " + std::string(kItemColumns) + " FROM items " + where, params));
          return ReadItems(r);
        });
  }

  // Runs a field change and moves the catalog version in the same transaction.
  base::Status WriteFields(const pg::Pool::Body& change) {
    uint64_t version = 0;
    base::Status changed = pool_->Transact([&](Session& txn) -> base::Status {
      SLUICE_RETURN_IF_ERROR(change(txn));
      SLUICE_ASSIGN_OR_RETURN(
          Rows r, txn.Exec("UPDATE field_catalog SET version = version + 1 RETURNING version"));
      if (r.empty()) return base::DataLoss("the field_catalog row is missing");
      version = static_cast<uint64_t>(r.Int(0, 0));
      return base::Status::Ok();
    });
    if (changed.ok()) KeepFieldVersion(version);
    return changed;
  }

  // The counter only grows; keeps the highest value seen.
  void KeepFieldVersion(uint64_t version) const {
    uint64_t seen = field_version_.load();
    while (version > seen && !field_version_.compare_exchange_weak(seen, version)) {
    }
  }

  std::unique_ptr<pg::Pool> pool_;
  mutable std::atomic<uint64_t> field_version_;
  mutable std::atomic<int64_t> field_version_read_;  // steady_clock ticks
  mutable std::mutex field_version_mu_;              // one reader of the row at a time
};

}  // namespace

base::Result<std::unique_ptr<StateStore>> OpenPostgresStateStore(const std::string& uri) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Open(uri, kPoolSize));
  SLUICE_RETURN_IF_ERROR(
      Migrate(*pool).WithContext("migrate the schema of " + pool->endpoint().Describe()));
  SLUICE_ASSIGN_OR_RETURN(
      uint64_t field_version,
      pool->AutocommitValue<uint64_t>([](Session& txn) -> base::Result<uint64_t> {
        SLUICE_ASSIGN_OR_RETURN(Rows r, txn.Exec("SELECT version FROM field_catalog"));
        return static_cast<uint64_t>(r.empty() ? 0 : r.Int(0, 0));
      }));
  return std::unique_ptr<StateStore>(
      std::make_unique<PostgresStateStore>(std::move(pool), field_version));
}

}  // namespace sluice::store
