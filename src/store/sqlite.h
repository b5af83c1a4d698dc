// A thin RAII adapter over the SQLite C API: connections and prepared statements
// that report failures as base::Status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::store {

// Compiled statements of one connection kept for reuse, keyed by their SQL: compiling took
// about as long as running the small lookups the pipeline and the Push API make per item.
class StatementCache {
 public:
  StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache();

  // An idle compiled statement for `sql`, or nullptr.
  sqlite3_stmt* Take(std::string_view sql);
  // Keeps a finished statement (reset, bindings cleared) for the next Take of its SQL;
  // finalizes it when one is already kept.
  void Give(sqlite3_stmt* stmt);

 private:
  std::unordered_map<std::string, sqlite3_stmt*> idle_;
};

class Statement {
 public:
  // `cache` (may be null) receives the statement back when this object is destroyed.
  Statement(sqlite3* db, sqlite3_stmt* stmt, StatementCache* cache = nullptr)
      : db_(db), stmt_(stmt), cache_(cache) {}
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& BindNull(int index);
  Statement& BindOptional(int index, const std::optional<std::string>& value);

  // Steps once: true when a row is available, false when done.
  base::Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  base::Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  StatementCache* cache_;
  base::Status bind_error_;
};

class Connection {
 public:
  // `vfs` names a registered SQLite VFS (empty: the default one).
  static base::Result<Connection> Open(const std::filesystem::path& path,
                                       const std::string& vfs = "");
  Connection(Connection&& other) noexcept
      : db_(other.db_), statements_(std::move(other.statements_)) {
    other.db_ = nullptr;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection();

  base::Status Exec(std::string_view sql);
  // Compiled once per connection and reused: the Statement goes back to the connection's
  // cache when destroyed. Like the connection, not for use by two threads at once.
  base::Result<Statement> Prepare(std::string_view sql);
  int64_t Changes() const;
  // Copies the database, as one consistent snapshot, into a new file at `target` (SQLite's
  // online backup: writers go on meanwhile).
  base::Status BackupTo(const std::filesystem::path& target);

 private:
  explicit Connection(sqlite3* db) : db_(db), statements_(std::make_unique<StatementCache>()) {}
  sqlite3* db_;
  // On the heap so that statements keep a valid pointer when the connection is moved.
  std::unique_ptr<StatementCache> statements_;
};

// Commits on Commit(); rolls back if destroyed before.
class Transaction {
 public:
  static base::Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  base::Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace sluice::store
