// SQLite implementation of StateStore. One write connection (serialised by a
// mutex) and one read connection, so browsing never waits for a long commit.
#include <atomic>
#include <mutex>
#include <variant>

#include "store/sqlite.h"
#include "store/sqlite_identities.h"
#include "store/state_store.h"
#include "store/state_text.h"

namespace sluice::store {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS organizations(
  id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
  org TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  created_ms INTEGER NOT NULL, PRIMARY KEY(org, id));
CREATE TABLE IF NOT EXISTS source_activities(
  org TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, started_ms INTEGER NOT NULL,
  ended_ms INTEGER);
CREATE INDEX IF NOT EXISTS source_activities_open ON source_activities(org, source)
  WHERE ended_ms IS NULL;
CREATE TABLE IF NOT EXISTS api_keys(
  id TEXT PRIMARY KEY, org TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  privileges TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS file_containers(
  file_id TEXT PRIMARY KEY, org TEXT NOT NULL, created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL, uploaded_ms INTEGER, size INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '', consumed_ms INTEGER);
CREATE TABLE IF NOT EXISTS journal(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, source TEXT NOT NULL,
  kind TEXT NOT NULL, document_id TEXT NOT NULL, ordering_key INTEGER NOT NULL,
  payload TEXT NOT NULL, received_ms INTEGER NOT NULL, request_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, done_ms INTEGER);
CREATE INDEX IF NOT EXISTS journal_pending ON journal(seq) WHERE done_ms IS NULL;
CREATE TABLE IF NOT EXISTS items(
  org TEXT NOT NULL, source TEXT NOT NULL, uri TEXT NOT NULL, ordering_key INTEGER NOT NULL,
  state TEXT NOT NULL, title TEXT NOT NULL, file_type TEXT NOT NULL, size INTEGER NOT NULL,
  indexed_ms INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY(org, source, uri));
CREATE INDEX IF NOT EXISTS items_by_time ON items(org, source, indexed_ms);
CREATE TABLE IF NOT EXISTS item_logs(
  id INTEGER PRIMARY KEY AUTOINCREMENT, datetime_ms INTEGER NOT NULL, org TEXT NOT NULL,
  source TEXT NOT NULL, document_id TEXT NOT NULL, operation TEXT NOT NULL, task TEXT NOT NULL,
  result TEXT NOT NULL, reason TEXT NOT NULL, request_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS item_logs_by_doc ON item_logs(org, source, document_id);
CREATE TABLE IF NOT EXISTS api_key_sources(
  key_id TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY(key_id, source));
CREATE TABLE IF NOT EXISTS fields(
  org TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, facet INTEGER NOT NULL,
  multi_value_facet INTEGER NOT NULL, sort INTEGER NOT NULL, include_in_query INTEGER NOT NULL,
  include_in_results INTEGER NOT NULL, merge_with_lexicon INTEGER NOT NULL,
  description TEXT NOT NULL, label TEXT NOT NULL, options TEXT NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY(org, name));
CREATE TABLE IF NOT EXISTS streams(
  id TEXT PRIMARY KEY, org TEXT NOT NULL, source TEXT NOT NULL, ordering_key INTEGER NOT NULL,
  opened_ms INTEGER NOT NULL, closed_ms INTEGER);
CREATE TABLE IF NOT EXISTS stream_chunks(
  stream_id TEXT NOT NULL, seq INTEGER NOT NULL, file_id TEXT NOT NULL,
  PRIMARY KEY(stream_id, seq));
)sql";

// Columns added to tables after their first release. They are added with ALTER TABLE
// when missing (never in CREATE TABLE), so new databases and the state.db of earlier
// versions take the same path and end up with the same schema.
struct AddedColumn {
  std::string_view table;
  std::string_view column;
  std::string_view declaration;
};
constexpr AddedColumn kAddedColumns[] = {
    {"sources", "visibility", "TEXT NOT NULL DEFAULT 'SECURED'"},
    {"api_keys", "display_name", "TEXT NOT NULL DEFAULT ''"},
    {"items", "op_seq", "INTEGER NOT NULL DEFAULT 0"},
    {"journal", "expanded", "INTEGER NOT NULL DEFAULT 0"},
};

base::Status AddMissingColumns(Connection& conn) {
  SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn));
  for (const AddedColumn& added : kAddedColumns) {
    SLUICE_ASSIGN_OR_RETURN(Statement probe,
                            conn.Prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?"));
    SLUICE_ASSIGN_OR_RETURN(bool present, probe.Bind(1, added.table).Bind(2, added.column).Step());
    if (present) continue;
    SLUICE_RETURN_IF_ERROR(conn.Exec("ALTER TABLE " + std::string(added.table) + " ADD COLUMN " +
                                     std::string(added.column) + " " +
                                     std::string(added.declaration))
                               .WithContext("add column " + std::string(added.table) + "." +
                                            std::string(added.column)));
  }
  return txn.Commit();
}

constexpr std::string_view kApiKeyColumns =
    "id, org, key_hash, privileges, created_ms, display_name";

// The status of a source's open activity, as a column of `sources`.
constexpr std::string_view kOpenActivity =
    "coalesce((SELECT status FROM source_activities a WHERE a.org = sources.org AND "
    "a.source = sources.id AND a.ended_ms IS NULL ORDER BY started_ms DESC LIMIT 1), 'IDLE')";

constexpr std::string_view kSourceColumns = "org, id, name, type, created_ms, visibility";

constexpr std::string_view kFieldColumns =
    "org, name, type, facet, multi_value_facet, sort, include_in_query, include_in_results, "
    "merge_with_lexicon, description, label, options, created_ms, updated_ms";

Field ReadField(const Statement& st) {
  Field f;
  f.organization_id = st.Text(0);
  f.name = st.Text(1);
  f.type = st.Text(2);
  f.facet = st.Int(3) != 0;
  f.multi_value_facet = st.Int(4) != 0;
  f.sort = st.Int(5) != 0;
  f.include_in_query = st.Int(6) != 0;
  f.include_in_results = st.Int(7) != 0;
  f.merge_with_lexicon = st.Int(8) != 0;
  f.description = st.Text(9);
  f.label = st.Text(10);
  f.options_json = st.Text(11);
  f.created_ms = st.Int(12);
  f.updated_ms = st.Int(13);
  return f;
}

// Binds every column of kFieldColumns but created_ms/updated_ms, from index 1.
void BindFieldValues(Statement& st, const Field& f) {
  st.Bind(1, f.organization_id)
      .Bind(2, f.name)
      .Bind(3, f.type)
      .Bind(4, int64_t{f.facet})
      .Bind(5, int64_t{f.multi_value_facet})
      .Bind(6, int64_t{f.sort})
      .Bind(7, int64_t{f.include_in_query})
      .Bind(8, int64_t{f.include_in_results})
      .Bind(9, int64_t{f.merge_with_lexicon})
      .Bind(10, f.description)
      .Bind(11, f.label)
      .Bind(12, f.options_json);
}

constexpr std::string_view kOperationColumns =
    "seq, org, source, kind, document_id, ordering_key, payload, received_ms, request_id, "
    "attempts, expanded";

base::Result<Operation> ReadOperation(const Statement& st) {
  Operation op;
  op.seq = st.Int(0);
  op.organization_id = st.Text(1);
  op.source_id = st.Text(2);
  SLUICE_ASSIGN_OR_RETURN(op.kind, ParseKind(st.Text(3)));
  op.document_id = st.Text(4);
  op.ordering_id = OrderingIdFromKey(st.Int(5));
  op.payload = st.Text(6);
  op.received_ms = st.Int(7);
  op.request_id = st.Text(8);
  op.attempts = static_cast<int>(st.Int(9));
  op.expanded = static_cast<uint64_t>(st.Int(10));
  return op;
}

constexpr std::string_view kItemColumns =
    "org, source, uri, ordering_key, state, title, file_type, size, indexed_ms, reason, op_seq";

Item ReadItem(const Statement& st) {
  Item item;
  item.organization_id = st.Text(0);
  item.source_id = st.Text(1);
  item.uri = st.Text(2);
  item.ordering_id = OrderingIdFromKey(st.Int(3));
  item.state = ParseState(st.Text(4));
  item.title = st.Text(5);
  item.file_type = st.Text(6);
  item.size = static_cast<uint64_t>(st.Int(7));
  item.indexed_ms = st.Int(8);
  item.reason = st.Text(9);
  item.op_seq = st.Int(10);
  return item;
}

base::Status InsertLogs(Connection& conn, const std::vector<LogEntry>& logs) {
  if (logs.empty()) return base::Status::Ok();
  for (const auto& l : logs) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement s, conn.Prepare("INSERT INTO item_logs(datetime_ms, org, source, document_id, "
                                  "operation, task, result, reason, request_id) "
                                  "VALUES(?,?,?,?,?,?,?,?,?)"));
    s.Bind(1, l.datetime_ms)
        .Bind(2, l.organization_id)
        .Bind(3, l.source_id)
        .Bind(4, l.document_id)
        .Bind(5, l.operation)
        .Bind(6, l.task)
        .Bind(7, l.result)
        .Bind(8, l.reason)
        .Bind(9, l.request_id);
    SLUICE_RETURN_IF_ERROR(s.Run());
  }
  return base::Status::Ok();
}

// A log query as SQL with its parameters, in order.
struct LogSql {
  std::string text;
  std::vector<std::variant<int64_t, std::string>> params;
};

void AddLogFilter(LogSql& sql, std::string_view column, const LogFilter& filter) {
  auto in_list = [&](const std::vector<std::string>& values, std::string_view op) {
    if (values.empty()) return;
    sql.text += " AND " + std::string(column) + " " + std::string(op) + " (";
    for (size_t i = 0; i < values.size(); ++i) {
      sql.text += i == 0 ? "?" : ", ?";
      sql.params.emplace_back(values[i]);
    }
    sql.text += ")";
  };
  in_list(filter.include, "IN");
  in_list(filter.exclude, "NOT IN");
}

// '*' matches any run of characters; every other character only itself.
std::string WildcardToGlob(std::string_view pattern) {
  std::string glob;
  for (char c : pattern) {
    if (c == '*') {
      glob += '*';
    } else if (c == '?' || c == '[') {
      glob += '[';
      glob += c;
      glob += ']';
    } else {
      glob += c;
    }
  }
  return glob;
}

LogSql BuildLogSql(const LogQuery& q) {
  LogSql sql;
  sql.text =
      "SELECT id, datetime_ms, org, source, document_id, operation, task, result, reason, "
      "request_id FROM item_logs WHERE org = ?";
  sql.params.emplace_back(q.organization_id);
  AddLogFilter(sql, "source", q.sources);
  AddLogFilter(sql, "operation", q.operations);
  AddLogFilter(sql, "result", q.results);
  AddLogFilter(sql, "task", q.tasks);
  if (q.document_id) {
    switch (q.document_id_matching) {
      case DocumentIdMatching::kExact:
        sql.text += " AND document_id = ?";
        sql.params.emplace_back(*q.document_id);
        break;
      case DocumentIdMatching::kPartial:
        sql.text += " AND instr(document_id, ?) > 0";
        sql.params.emplace_back(*q.document_id);
        break;
      case DocumentIdMatching::kWildcard:
        sql.text += " AND document_id GLOB ?";
        sql.params.emplace_back(WildcardToGlob(*q.document_id));
        break;
    }
  }
  if (q.from_ms) {
    sql.text += " AND datetime_ms >= ?";
    sql.params.emplace_back(*q.from_ms);
  }
  if (q.to_ms) {
    sql.text += " AND datetime_ms <= ?";
    sql.params.emplace_back(*q.to_ms);
  }
  sql.text += " ORDER BY id DESC LIMIT ? OFFSET ?";
  sql.params.emplace_back(static_cast<int64_t>(q.limit));
  sql.params.emplace_back(static_cast<int64_t>(q.offset));
  return sql;
}

class SqliteStateStore final : public StateStore {
 public:
  SqliteStateStore(Connection writer, Connection reader, std::filesystem::path file,
                   std::string vfs)
      : writer_(std::move(writer)),
        reader_(std::move(reader)),
        file_(std::move(file)),
        vfs_(std::move(vfs)) {}

  base::Status BackupTo(const std::filesystem::path& file) override {
    // Its own connection, so that searches on reader_ are not held up by the copy.
    SLUICE_ASSIGN_OR_RETURN(Connection source, Connection::Open(file_, vfs_));
    return source.BackupTo(file);
  }

  base::Status EnsureOrganization(const std::string& id, int64_t now_ms) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        writer_.Prepare("INSERT OR IGNORE INTO organizations(id, created_ms) VALUES(?, ?)"));
    return st.Bind(1, id).Bind(2, now_ms).Run();
  }

  base::Result<bool> OrganizationExists(const std::string& id) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT 1 FROM organizations WHERE id = ?"));
    return st.Bind(1, id).Step();
  }

  base::Status CreateSource(const Source& s) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("INSERT INTO sources(" + std::string(kSourceColumns) +
                                            ") VALUES(?,?,?,?,?,?) ON CONFLICT DO NOTHING"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, s.organization_id)
                               .Bind(2, s.id)
                               .Bind(3, s.name)
                               .Bind(4, s.type)
                               .Bind(5, s.created_ms)
                               .Bind(6, s.visibility)
                               .Run());
    if (writer_.Changes() == 0) return base::AlreadyExists("source " + s.id + " already exists");
    return base::Status::Ok();
  }

  base::Result<std::optional<Source>> GetSource(const std::string& org,
                                                const std::string& id) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT " + std::string(kSourceColumns) + ", " +
                        std::string(kOpenActivity) + " FROM sources WHERE org = ? AND id = ?"));
    st.Bind(1, org).Bind(2, id);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Source>();
    return std::optional<Source>(ReadSource(st));
  }

  base::Result<std::vector<Source>> ListSources(const std::string& org) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT " + std::string(kSourceColumns) + ", " +
                        std::string(kOpenActivity) + " FROM sources WHERE org = ? ORDER BY name"));
    st.Bind(1, org);
    std::vector<Source> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(ReadSource(st));
    }
  }

  base::Status DeleteSource(const std::string& org, const std::string& id) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("DELETE FROM sources WHERE org = ? AND id = ?"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, org).Bind(2, id).Run());
    if (writer_.Changes() == 0) {
      return base::NotFound("source '" + id + "' does not exist in organization '" + org + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement activities,
        writer_.Prepare("DELETE FROM source_activities WHERE org = ? AND source = ?"));
    SLUICE_RETURN_IF_ERROR(activities.Bind(1, org).Bind(2, id).Run());
    return txn.Commit();
  }

  base::Status SetSourceStatus(const std::string& org, const std::string& source,
                               const std::string& status, int64_t now_ms) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(
        Statement close, writer_.Prepare("UPDATE source_activities SET ended_ms = ? WHERE org = ? "
                                         "AND source = ? AND ended_ms IS NULL"));
    SLUICE_RETURN_IF_ERROR(close.Bind(1, now_ms).Bind(2, org).Bind(3, source).Run());
    if (status != "IDLE") {
      SLUICE_ASSIGN_OR_RETURN(Statement open,
                              writer_.Prepare("INSERT INTO source_activities(org, source, status, "
                                              "started_ms) VALUES(?,?,?,?)"));
      SLUICE_RETURN_IF_ERROR(
          open.Bind(1, org).Bind(2, source).Bind(3, status).Bind(4, now_ms).Run());
    }
    return txn.Commit();
  }

  base::Status PutApiKey(const ApiKey& k) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("INSERT INTO api_keys(" + std::string(kApiKeyColumns) +
                                            ") VALUES(?,?,?,?,?,?)"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, k.id)
                               .Bind(2, k.organization_id)
                               .Bind(3, k.key_hash)
                               .Bind(4, JoinPrivileges(k.privileges))
                               .Bind(5, k.created_ms)
                               .Bind(6, k.display_name)
                               .Run());
    for (const std::string& source : k.source_ids) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement scope,
          writer_.Prepare("INSERT OR IGNORE INTO api_key_sources(key_id, source) VALUES(?, ?)"));
      SLUICE_RETURN_IF_ERROR(scope.Bind(1, k.id).Bind(2, source).Run());
    }
    return txn.Commit();
  }

  base::Result<std::optional<ApiKey>> FindApiKeyByHash(const std::string& key_hash) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st, reader_.Prepare("SELECT " + std::string(kApiKeyColumns) +
                                                          " FROM api_keys WHERE key_hash = ?"));
    st.Bind(1, key_hash);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<ApiKey>();
    ApiKey key = ReadApiKey(st);
    SLUICE_RETURN_IF_ERROR(ReadKeyScope(key));
    return std::optional<ApiKey>(std::move(key));
  }

  base::Result<std::vector<ApiKey>> ListApiKeys(const std::string& org) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, reader_.Prepare("SELECT " + std::string(kApiKeyColumns) +
                                      " FROM api_keys WHERE org = ? ORDER BY created_ms, id"));
    st.Bind(1, org);
    std::vector<ApiKey> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadApiKey(st));
    }
    for (ApiKey& key : out) SLUICE_RETURN_IF_ERROR(ReadKeyScope(key));
    return out;
  }

  base::Status DeleteApiKey(const std::string& org, const std::string& id) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("DELETE FROM api_keys WHERE org = ? AND id = ?"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, org).Bind(2, id).Run());
    if (writer_.Changes() == 0) {
      return base::NotFound("API key '" + id + "' does not exist in organization '" + org + "'");
    }
    SLUICE_ASSIGN_OR_RETURN(Statement scope,
                            writer_.Prepare("DELETE FROM api_key_sources WHERE key_id = ?"));
    SLUICE_RETURN_IF_ERROR(scope.Bind(1, id).Run());
    return txn.Commit();
  }

  base::Status CreateFields(const std::vector<Field>& fields) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    for (const Field& f : fields) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              writer_.Prepare("INSERT INTO fields(" + std::string(kFieldColumns) +
                                              ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                                              "ON CONFLICT DO NOTHING"));
      BindFieldValues(st, f);
      SLUICE_RETURN_IF_ERROR(st.Bind(13, f.created_ms).Bind(14, f.updated_ms).Run());
      if (writer_.Changes() == 0) {
        return base::AlreadyExists("field '" + f.name + "' already exists");
      }
    }
    return CountFieldChange(txn.Commit());
  }

  base::Status UpdateFields(const std::vector<Field>& fields) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    for (const Field& f : fields) {
      // created_ms is kept from the first version of the field.
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          writer_.Prepare("UPDATE fields SET type = ?3, facet = ?4, multi_value_facet = ?5, "
                          "sort = ?6, include_in_query = ?7, include_in_results = ?8, "
                          "merge_with_lexicon = ?9, description = ?10, label = ?11, "
                          "options = ?12, updated_ms = ?13 WHERE org = ?1 AND name = ?2"));
      BindFieldValues(st, f);
      SLUICE_RETURN_IF_ERROR(st.Bind(13, f.updated_ms).Run());
      if (writer_.Changes() == 0) return base::NotFound("field '" + f.name + "' does not exist");
    }
    return CountFieldChange(txn.Commit());
  }

  base::Status DeleteFields(const std::string& org,
                            const std::vector<std::string>& names) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    for (const std::string& name : names) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              writer_.Prepare("DELETE FROM fields WHERE org = ? AND name = ?"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, org).Bind(2, name).Run());
      if (writer_.Changes() == 0) return base::NotFound("field '" + name + "' does not exist");
    }
    return CountFieldChange(txn.Commit());
  }

  base::Result<std::optional<Field>> GetField(const std::string& org,
                                              const std::string& name) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT " + std::string(kFieldColumns) +
                                            " FROM fields WHERE org = ? AND name = ?"));
    st.Bind(1, org).Bind(2, name);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Field>();
    return std::optional<Field>(ReadField(st));
  }

  base::Result<std::vector<Field>> ListFields(const std::string& org) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT " + std::string(kFieldColumns) +
                                            " FROM fields WHERE org = ? ORDER BY name"));
    st.Bind(1, org);
    std::vector<Field> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(ReadField(st));
    }
  }

  uint64_t FieldCatalogVersion() const override { return field_catalog_version_.load(); }

  base::Result<uint64_t> CountApiKeys() override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st, reader_.Prepare("SELECT count(*) FROM api_keys"));
    SLUICE_RETURN_IF_ERROR(st.Step().status());
    return static_cast<uint64_t>(st.Int(0));
  }

  base::Status CreateFileContainer(const FileContainer& c) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("INSERT INTO file_containers(file_id, org, created_ms, "
                                            "expires_ms) VALUES(?,?,?,?)"));
    return st.Bind(1, c.file_id)
        .Bind(2, c.organization_id)
        .Bind(3, c.created_ms)
        .Bind(4, c.expires_ms)
        .Run();
  }

  base::Result<std::optional<FileContainer>> GetFileContainer(const std::string& id) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT file_id, org, created_ms, expires_ms, uploaded_ms, size, sha256, "
                        "consumed_ms FROM file_containers WHERE file_id = ?"));
    st.Bind(1, id);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<FileContainer>();
    FileContainer c;
    c.file_id = st.Text(0);
    c.organization_id = st.Text(1);
    c.created_ms = st.Int(2);
    c.expires_ms = st.Int(3);
    if (!st.IsNull(4)) c.uploaded_ms = st.Int(4);
    c.size = static_cast<uint64_t>(st.Int(5));
    c.sha256_hex = st.Text(6);
    if (!st.IsNull(7)) c.consumed_ms = st.Int(7);
    return std::optional<FileContainer>(std::move(c));
  }

  base::Status MarkFileUploaded(const std::string& id, int64_t now_ms, uint64_t size,
                                const std::string& sha256_hex) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("UPDATE file_containers SET uploaded_ms = ?, size = ?, "
                                            "sha256 = ? WHERE file_id = ?"));
    return st.Bind(1, now_ms)
        .Bind(2, static_cast<int64_t>(size))
        .Bind(3, sha256_hex)
        .Bind(4, id)
        .Run();
  }

  base::Result<uint64_t> PutSecurityIdentities(
      const std::vector<SecurityIdentity>& changes) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(uint64_t applied, UpsertIdentities(writer_, changes));
    SLUICE_RETURN_IF_ERROR(txn.Commit());
    return applied;
  }

  base::Result<uint64_t> DisableSecurityIdentitiesOlderThan(const std::string& org,
                                                            const std::string& provider,
                                                            uint64_t ordering_id,
                                                            int64_t now_ms) override {
    std::lock_guard lock(write_mu_);
    return DisableIdentitiesOlderThan(writer_, org, provider, ordering_id, now_ms);
  }

  base::Result<std::vector<SecurityIdentity>> ListSecurityIdentities(const std::string& org,
                                                                     const std::string& provider,
                                                                     uint32_t offset,
                                                                     uint32_t limit) override {
    std::lock_guard lock(read_mu_);
    return SelectIdentities(reader_, org, provider, offset, limit);
  }

  base::Status CreateStream(const Stream& s) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("INSERT INTO streams(id, org, source, ordering_key, "
                                            "opened_ms) VALUES(?,?,?,?,?)"));
    return st.Bind(1, s.id)
        .Bind(2, s.organization_id)
        .Bind(3, s.source_id)
        .Bind(4, OrderingKey(s.ordering_id))
        .Bind(5, s.opened_ms)
        .Run();
  }

  base::Result<std::optional<Stream>> GetStream(const std::string& id) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT id, org, source, ordering_key, opened_ms, "
                                            "closed_ms FROM streams WHERE id = ?"));
    st.Bind(1, id);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Stream>();
    Stream s{st.Text(0), st.Text(1), st.Text(2), OrderingIdFromKey(st.Int(3)), st.Int(4), {}};
    if (!st.IsNull(5)) s.closed_ms = st.Int(5);
    return std::optional<Stream>(std::move(s));
  }

  base::Status AddStreamChunk(const std::string& stream_id, const std::string& file_id) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        writer_.Prepare("INSERT INTO stream_chunks(stream_id, seq, file_id) VALUES(?1, "
                        "(SELECT coalesce(max(seq), 0) + 1 FROM stream_chunks WHERE stream_id = "
                        "?1), ?2)"));
    return st.Bind(1, stream_id).Bind(2, file_id).Run();
  }

  base::Result<std::vector<std::string>> StreamChunks(const std::string& stream_id) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT file_id FROM stream_chunks WHERE stream_id = ? ORDER BY seq"));
    st.Bind(1, stream_id);
    std::vector<std::string> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(st.Text(0));
    }
  }

  base::Status CloseStream(const std::string& stream_id, int64_t now_ms,
                           std::vector<Operation>& ops) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        writer_.Prepare("UPDATE streams SET closed_ms = ? WHERE id = ? AND closed_ms IS NULL"));
    SLUICE_RETURN_IF_ERROR(st.Bind(1, now_ms).Bind(2, stream_id).Run());
    if (writer_.Changes() == 0) {
      return base::FailedPrecondition("stream '" + stream_id + "' is already closed");
    }
    SLUICE_RETURN_IF_ERROR(InsertOperations(ops));
    return txn.Commit();
  }

  base::Status AppendOperations(std::vector<Operation>& ops) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_RETURN_IF_ERROR(InsertOperations(ops));
    return txn.Commit();
  }

  base::Status AppendBatchItems(int64_t batch_seq, uint64_t expanded,
                                std::vector<Operation>& ops) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_RETURN_IF_ERROR(InsertOperations(ops));
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            writer_.Prepare("UPDATE journal SET expanded = ? WHERE seq = ?"));
    st.Bind(1, static_cast<int64_t>(expanded)).Bind(2, batch_seq);
    SLUICE_RETURN_IF_ERROR(st.Step().status());
    return txn.Commit();
  }

  base::Result<std::optional<Operation>> GetOperation(int64_t seq) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT " + std::string(kOperationColumns) +
                                            " FROM journal WHERE seq = ?"));
    st.Bind(1, seq);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Operation>();
    SLUICE_ASSIGN_OR_RETURN(Operation op, ReadOperation(st));
    return std::optional<Operation>(std::move(op));
  }

 private:
  // The caller holds write_mu_ and an open transaction.
  base::Status InsertOperations(std::vector<Operation>& ops) {
    for (auto& op : ops) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          writer_.Prepare("INSERT INTO journal(org, source, kind, document_id, ordering_key, "
                          "payload, received_ms, request_id) VALUES(?,?,?,?,?,?,?,?) "
                          "RETURNING seq"));
      st.Bind(1, op.organization_id)
          .Bind(2, op.source_id)
          .Bind(3, OperationKindName(op.kind))
          .Bind(4, op.document_id)
          .Bind(5, OrderingKey(op.ordering_id))
          .Bind(6, op.payload)
          .Bind(7, op.received_ms)
          .Bind(8, op.request_id);
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return base::Internal("journal insert returned no sequence number");
      op.seq = st.Int(0);
      SLUICE_RETURN_IF_ERROR(st.Run());
    }
    return base::Status::Ok();
  }

 public:
  base::Result<std::vector<Operation>> PendingOperations(int64_t after_seq,
                                                         uint32_t limit) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT " + std::string(kOperationColumns) +
                        " FROM journal WHERE done_ms IS NULL AND seq > ? ORDER BY seq LIMIT ?"));
    st.Bind(1, after_seq).Bind(2, static_cast<int64_t>(limit));
    std::vector<Operation> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      SLUICE_ASSIGN_OR_RETURN(Operation op, ReadOperation(st));
      out.push_back(std::move(op));
    }
  }

  base::Status RecordAttempt(int64_t seq) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, writer_.Prepare("UPDATE journal SET attempts = attempts + 1 WHERE seq = ?"));
    return st.Bind(1, seq).Run();
  }

  base::Result<uint64_t> PendingCount() override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT count(*) FROM journal WHERE done_ms IS NULL"));
    SLUICE_RETURN_IF_ERROR(st.Step().status());
    return static_cast<uint64_t>(st.Int(0));
  }

  base::Result<int64_t> OldestPendingReceivedMs() override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT received_ms FROM journal WHERE done_ms IS NULL "
                                            "ORDER BY seq LIMIT 1"));
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : int64_t{0};
  }

  base::Result<std::optional<Item>> GetItem(const std::string& org, const std::string& source,
                                            const std::string& uri) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, reader_.Prepare("SELECT " + std::string(kItemColumns) +
                                      " FROM items WHERE org = ? AND source = ? AND uri = ?"));
    st.Bind(1, org).Bind(2, source).Bind(3, uri);
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::optional<Item>();
    return std::optional<Item>(ReadItem(st));
  }

  base::Result<std::vector<Item>> ItemsWithPrefix(const std::string& org, const std::string& source,
                                                  const std::string& uri) override {
    std::lock_guard lock(read_mu_);
    // A range of the primary key, [uri, uri + "0"): it holds uri and every uri + "/..." ('0'
    // follows '/'), read through the index instead of scanning the source; what else it holds
    // (uri + "-2", uri + ".html") is filtered out below. No LIKE: URIs may contain % and _.
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT " + std::string(kItemColumns) +
                        " FROM items WHERE org = ? AND source = ? AND uri >= ?3 AND uri < ?4 AND "
                        "state != 'DELETED'"));
    st.Bind(1, org).Bind(2, source).Bind(3, uri).Bind(4, uri + "0");
    SLUICE_ASSIGN_OR_RETURN(std::vector<Item> range, CollectItems(st));
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
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT " + std::string(kItemColumns) +
                                            " FROM items WHERE org = ? AND source = ? AND state != "
                                            "'DELETED' AND ordering_key < ?"));
    st.Bind(1, org).Bind(2, source).Bind(3, OrderingKey(ordering_id));
    return CollectItems(st);
  }

  base::Result<std::vector<Item>> ListItems(const std::string& org, const std::string& source,
                                            uint32_t offset, uint32_t limit) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(
        Statement st, reader_.Prepare("SELECT " + std::string(kItemColumns) +
                                      " FROM items WHERE org = ? AND source = ? AND state != "
                                      "'DELETED' ORDER BY indexed_ms DESC, uri LIMIT ? OFFSET ?"));
    st.Bind(1, org)
        .Bind(2, source)
        .Bind(3, static_cast<int64_t>(limit))
        .Bind(4, static_cast<int64_t>(offset));
    return CollectItems(st);
  }

  base::Result<ItemCounts> CountItems(const std::string& org, const std::string& source) override {
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st,
                            reader_.Prepare("SELECT state, count(*) FROM items WHERE org = ? AND "
                                            "source = ? GROUP BY state"));
    st.Bind(1, org).Bind(2, source);
    ItemCounts counts;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return counts;
      ItemState state = ParseState(st.Text(0));
      auto n = static_cast<uint64_t>(st.Int(1));
      if (state == ItemState::kIndexed) counts.indexed = n;
      if (state == ItemState::kFailed) counts.failed = n;
    }
  }

  base::Status CommitApplied(const AppliedBatch& batch, int64_t now_ms) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    for (const Item& item : batch.items) SLUICE_RETURN_IF_ERROR(UpsertItem(item));
    SLUICE_RETURN_IF_ERROR(InsertLogs(writer_, batch.logs));
    for (int64_t seq : batch.completed_seqs) {
      SLUICE_ASSIGN_OR_RETURN(Statement st,
                              writer_.Prepare("UPDATE journal SET done_ms = ? WHERE seq = ?"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, now_ms).Bind(2, seq).Run());
    }
    for (const auto& id : batch.consumed_file_ids) {
      SLUICE_ASSIGN_OR_RETURN(
          Statement st,
          writer_.Prepare("UPDATE file_containers SET consumed_ms = ? WHERE file_id = ?"));
      SLUICE_RETURN_IF_ERROR(st.Bind(1, now_ms).Bind(2, id).Run());
    }
    return txn.Commit();
  }

  base::Status AppendLogs(const std::vector<LogEntry>& logs) override {
    std::lock_guard lock(write_mu_);
    SLUICE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_));
    SLUICE_RETURN_IF_ERROR(InsertLogs(writer_, logs));
    return txn.Commit();
  }

  base::Result<std::vector<LogEntry>> QueryLogs(const LogQuery& q) override {
    LogSql sql = BuildLogSql(q);
    std::lock_guard lock(read_mu_);
    SLUICE_ASSIGN_OR_RETURN(Statement st, reader_.Prepare(sql.text));
    for (size_t i = 0; i < sql.params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      std::visit([&](const auto& v) { st.Bind(index, v); }, sql.params[i]);
    }
    std::vector<LogEntry> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(LogEntry{st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5),
                             st.Text(6), st.Text(7), st.Text(8), st.Text(9)});
    }
  }

 private:
  static Source ReadSource(const Statement& st) {
    return Source{st.Text(0), st.Text(1), st.Text(2), st.Text(3),
                  st.Int(4),  st.Text(6), st.Text(5)};
  }

  static ApiKey ReadApiKey(const Statement& st) {
    ApiKey key{st.Text(0), st.Text(1), st.Text(2), SplitPrivileges(st.Text(3)), st.Int(4)};
    key.display_name = st.Text(5);
    return key;
  }

  // Fills key.source_ids; the caller holds read_mu_.
  base::Status ReadKeyScope(ApiKey& key) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        reader_.Prepare("SELECT source FROM api_key_sources WHERE key_id = ? ORDER BY source"));
    st.Bind(1, key.id);
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return base::Status::Ok();
      key.source_ids.push_back(st.Text(0));
    }
  }

  static base::Result<std::vector<Item>> CollectItems(Statement& st) {
    std::vector<Item> out;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return out;
      out.push_back(ReadItem(st));
    }
  }

  base::Status UpsertItem(const Item& item) {
    SLUICE_ASSIGN_OR_RETURN(
        Statement st,
        writer_.Prepare("INSERT INTO items(" + std::string(kItemColumns) +
                        ") VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(org, source, uri) DO UPDATE "
                        "SET ordering_key = excluded.ordering_key, state = excluded.state, "
                        "title = excluded.title, file_type = excluded.file_type, "
                        "size = excluded.size, indexed_ms = excluded.indexed_ms, "
                        "reason = excluded.reason, op_seq = excluded.op_seq"));
    return st.Bind(1, item.organization_id)
        .Bind(2, item.source_id)
        .Bind(3, item.uri)
        .Bind(4, OrderingKey(item.ordering_id))
        .Bind(5, ItemStateName(item.state))
        .Bind(6, item.title)
        .Bind(7, item.file_type)
        .Bind(8, static_cast<int64_t>(item.size))
        .Bind(9, item.indexed_ms)
        .Bind(10, item.reason)
        .Bind(11, item.op_seq)
        .Run();
  }

  base::Status CountFieldChange(base::Status committed) {
    if (committed.ok()) ++field_catalog_version_;
    return committed;
  }

  std::atomic<uint64_t> field_catalog_version_{0};
  std::mutex write_mu_;
  Connection writer_;
  std::mutex read_mu_;
  Connection reader_;
  std::filesystem::path file_;
  std::string vfs_;
};

}  // namespace

base::Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::filesystem::path& file,
                                                               const std::string& vfs) {
  SLUICE_ASSIGN_OR_RETURN(Connection writer, Connection::Open(file, vfs));
  SLUICE_RETURN_IF_ERROR(writer.Exec(kSchema).WithContext("create schema in " + file.string()));
  SLUICE_RETURN_IF_ERROR(
      writer.Exec(kIdentitySchema).WithContext("create schema in " + file.string()));
  SLUICE_RETURN_IF_ERROR(
      AddMissingColumns(writer).WithContext("upgrade schema in " + file.string()));
  SLUICE_ASSIGN_OR_RETURN(Connection reader, Connection::Open(file, vfs));
  return std::unique_ptr<StateStore>(
      std::make_unique<SqliteStateStore>(std::move(writer), std::move(reader), file, vfs));
}

}  // namespace sluice::store
