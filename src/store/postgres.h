// A thin adapter over libpqxx: a fixed pool of connections to one PostgreSQL database, and
// sessions whose statements report failures as base::Status. libpqxx throws; every
// exception stops in postgres.cc, so this header (and everything that includes it) stays free
// of <pqxx/...>.
#pragma once

#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::store::pg {

// One statement parameter ($1, $2, ...): text or NULL. Numbers and booleans travel as text and
// the server reads them as the type the statement gives the parameter.
class Param {
 public:
  // Implicit, so that a call lists its parameters as they are: {org, id, now_ms}.
  // NOLINTBEGIN(google-explicit-constructor)
  Param(std::string_view text) : value_(std::string(text)) {}
  Param(const std::string& text) : value_(text) {}
  Param(const char* text) : value_(std::string(text)) {}
  Param(std::nullptr_t) {}
  template <std::integral T>
  Param(T number)
      : value_(std::same_as<T, bool> ? std::string(number ? "true" : "false")
                                     : std::to_string(number)) {}
  template <std::integral T>
  Param(std::optional<T> number) {
    if (number) value_ = std::to_string(*number);
  }
  // NOLINTEND(google-explicit-constructor)

  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};

// The rows of one statement. Only valid during the Pool call that made them.
class Rows {
 public:
  struct Impl;
  explicit Rows(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  size_t size() const;
  bool empty() const { return size() == 0; }
  // Rows inserted, updated or deleted by the statement.
  uint64_t affected() const;
  bool IsNull(size_t row, int column) const;
  std::string Text(size_t row, int column) const;  // "" for NULL
  int64_t Int(size_t row, int column) const;       // 0 for NULL
  bool Bool(size_t row, int column) const;         // false for NULL

 private:
  std::shared_ptr<const Impl> impl_;
};

class Connection;
class PinnedSession;

// The statements of one call, on one pooled connection: inside one transaction (Pool::Transact)
// or each committed on its own (Pool::Autocommit).
class Session {
 public:
  struct Impl;
  explicit Session(Impl& impl) : impl_(impl) {}

  // Runs one statement with `params` as $1, $2, ... (compiled once per connection and reused).
  // In a transaction, the first failure aborts it: return it.
  base::Result<Rows> Exec(std::string_view sql, const std::vector<Param>& params = {});
  // Runs statements separated by ';', without parameters (schema changes).
  base::Status Script(std::string_view sql);

 private:
  Impl& impl_;
};

// Where a connection URI points, for messages (never the password).
struct Endpoint {
  std::string host;  // a name, an address or a socket directory
  std::string port;
  std::string database;
  std::string user;
  std::string password;          // only to keep it out of messages
  std::string conninfo;          // the URI as libpq keywords, with Sluice's defaults added
  std::string Describe() const;  // "PostgreSQL at 127.0.0.1:5432, database sluice"
};

// Parses a libpq connection URI (postgres://user:pass@host:port/db?...); InvalidArgument when
// libpq cannot read it.
base::Result<Endpoint> ParseUri(const std::string& uri);

// A fixed number of connections, each used by one call at a time; a call waits for a free one.
// A connection that broke is opened again by the next call that takes it.
class Pool {
 public:
  // Connects the first connection now (Unavailable when the server cannot be reached), the
  // others when first needed.
  static base::Result<std::unique_ptr<Pool>> Open(const std::string& uri, size_t size);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  using Body = std::function<base::Status(Session&)>;
  // Runs `body` in one transaction, committed when it returns Ok and rolled back otherwise.
  base::Status Transact(const Body& body);
  // Runs `body`'s statements each in its own transaction (one round trip each): for reads and
  // single-statement writes.
  base::Status Autocommit(const Body& body);
  // Like Autocommit, but Unavailable at once when no connection is free.
  base::Status TryAutocommit(const Body& body);

  // Transact and Autocommit for bodies that compute a value.
  template <typename T>
  base::Result<T> TransactValue(const std::function<base::Result<T>(Session&)>& body) {
    return Value<T>(&Pool::Transact, body);
  }
  template <typename T>
  base::Result<T> AutocommitValue(const std::function<base::Result<T>(Session&)>& body) {
    return Value<T>(&Pool::Autocommit, body);
  }

  // Takes a connection out of the pool until the returned session is destroyed, for what lives
  // in a session (an advisory lock): its calls all run on that one connection.
  std::unique_ptr<PinnedSession> Pin();

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  friend class PinnedSession;
  Pool(Endpoint endpoint, size_t size);
  base::Status Run(const Body& body, bool transaction, bool wait);
  base::Status RunOn(Connection& conn, const Body& body, bool transaction);
  std::unique_ptr<Connection> Take(bool wait);
  void Give(std::unique_ptr<Connection> conn);

  template <typename T>
  base::Result<T> Value(base::Status (Pool::*run)(const Body&),
                        const std::function<base::Result<T>(Session&)>& body) {
    std::optional<base::Result<T>> out;
    base::Status status = (this->*run)([&](Session& txn) {
      out.emplace(body(txn));
      return out->status();
    });
    if (!status.ok()) return status;
    return std::move(*out);
  }

  const Endpoint endpoint_;
  std::mutex mu_;
  std::condition_variable free_cv_;
  std::vector<std::unique_ptr<Connection>> free_;  // idle ones, open or not
};

// One pooled connection kept by its holder; given back to the pool when destroyed.
class PinnedSession {
 public:
  ~PinnedSession();
  PinnedSession(const PinnedSession&) = delete;
  PinnedSession& operator=(const PinnedSession&) = delete;

  // Runs `body`'s statements on this session, each committed on its own.
  base::Status Autocommit(const Pool::Body& body);

 private:
  friend class Pool;
  PinnedSession(Pool& pool, std::unique_ptr<Connection> conn);
  Pool& pool_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace sluice::store::pg
