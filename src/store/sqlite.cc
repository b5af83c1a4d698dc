#include "store/sqlite.h"

#include <sqlite3.h>

namespace sluice::store {
namespace {

base::Status SqliteError(sqlite3* db, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += db ? sqlite3_errmsg(db) : "out of memory";
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  if (code == SQLITE_FULL) return base::StorageFull(std::move(m));
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return base::DataLoss(std::move(m));
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return base::Unavailable(std::move(m));
  if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_PERM ||
      code == SQLITE_READONLY) {
    return base::IoError(std::move(m));
  }
  return base::Internal(std::move(m));
}

}  // namespace

StatementCache::~StatementCache() {
  for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
}

sqlite3_stmt* StatementCache::Take(std::string_view sql) {
  auto it = idle_.find(std::string(sql));
  if (it == idle_.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  idle_.erase(it);
  return stmt;
}

void StatementCache::Give(sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  // Statements built from filters (the log queries) come in a bounded number of shapes;
  // the cap only guards against a caller that would build unbounded ones.
  constexpr size_t kMaxKept = 256;
  if (idle_.size() >= kMaxKept || !idle_.emplace(sqlite3_sql(stmt), stmt).second) {
    sqlite3_finalize(stmt);
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      cache_(other.cache_),
      bind_error_(std::move(other.bind_error_)) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (cache_ != nullptr) {
    cache_->Give(stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) bind_error_ = SqliteError(db_, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK) {
    bind_error_ = SqliteError(db_, "bind");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) bind_error_ = SqliteError(db_, "bind");
  return *this;
}

Statement& Statement::BindOptional(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

base::Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "step");
}

base::Status Statement::Run() {
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return base::Status::Ok();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

base::Result<Connection> Connection::Open(const std::filesystem::path& path,
                                          const std::string& vfs) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           vfs.empty() ? nullptr : vfs.c_str());
  Connection conn(db);
  if (rc != SQLITE_OK) return SqliteError(db, "open " + path.string());
  sqlite3_busy_timeout(db, 10000);
  // WAL lets readers (search, browser) run beside the single writer; FULL makes
  // every commit durable, which is what a 202 promises.
  SLUICE_RETURN_IF_ERROR(conn.Exec("PRAGMA journal_mode=WAL"));
  SLUICE_RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous=FULL"));
  SLUICE_RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys=ON"));
  return conn;
}

base::Status Connection::BackupTo(const std::filesystem::path& target) {
  sqlite3* out = nullptr;
  int rc =
      sqlite3_open_v2(target.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Connection destination(out);
  if (rc != SQLITE_OK) return SqliteError(out, "open " + target.string());
  sqlite3_backup* backup = sqlite3_backup_init(out, "main", db_, "main");
  if (backup == nullptr) return SqliteError(out, "start the backup into " + target.string());
  // All pages in one step: one read transaction, so one snapshot.
  rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(out, "back up into " + target.string());
  return destination.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Connection::~Connection() {
  statements_.reset();  // finalizes the kept statements first
  sqlite3_close_v2(db_);
}

base::Status Connection::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return SqliteError(db_, "exec: " + m);
  }
  return base::Status::Ok();
}

base::Result<Statement> Connection::Prepare(std::string_view sql) {
  if (sqlite3_stmt* cached = statements_->Take(sql))
    return Statement(db_, cached, statements_.get());
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "prepare");
  }
  // Only a statement whose text is exactly `sql` can be found again under that key.
  bool reusable = std::string_view(sqlite3_sql(stmt)) == sql;
  return Statement(db_, stmt, reusable ? statements_.get() : nullptr);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

base::Result<Transaction> Transaction::Begin(Connection& conn) {
  SLUICE_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ != nullptr) (void)conn_->Exec("ROLLBACK");
}

base::Status Transaction::Commit() {
  base::Status s = conn_->Exec("COMMIT");
  if (s.ok()) conn_ = nullptr;
  return s;
}

}  // namespace sluice::store
