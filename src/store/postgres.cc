#include "store/postgres.h"

#include <poll.h>

#include <charconv>
#include <unordered_map>

#include <libpq-fe.h>
#include <pqxx/pqxx>

namespace sluice::store::pg {
namespace {

// Statements compiled once per connection; the rest (log queries of unusual shapes) are
// sent with their text each time.
constexpr size_t kMaxPreparedStatements = 256;

// libpq never puts a password into its messages; this keeps it that way should one ever echo
// the URI. (A password of a few characters would only mangle ordinary words.)
std::string Scrub(std::string message, const Endpoint& where) {
  if (where.password.size() < 4) return message;
  for (size_t at = message.find(where.password); at != std::string::npos;
       at = message.find(where.password, at)) {
    message.replace(at, where.password.size(), "***");
    at += 3;
  }
  return message;
}

// "ERROR:  x\nDETAIL:  y\n" -> "x; DETAIL: y".
std::string OneLine(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("ERROR:")) line.remove_prefix(6);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

// The code for a server error, by SQLSTATE class (see PostgreSQL's "Error Codes" appendix).
base::StatusCode CodeOf(std::string_view state) {
  if (state == "23505") return base::StatusCode::kAlreadyExists;                 // unique_violation
  if (state == "53100") return base::StatusCode::kStorageFull;                   // disk_full
  if (state == "XX001" || state == "XX002") return base::StatusCode::kDataLoss;  // corrupted
  if (state == "57014") return base::StatusCode::kUnavailable;                   // query_canceled
  if (state == "55P03") return base::StatusCode::kUnavailable;  // lock_not_available
  const std::string_view cls = state.substr(0, 2);
  if (cls == "22") return base::StatusCode::kInvalidArgument;  // data exception: bad bytes, range
  if (cls == "23") return base::StatusCode::kFailedPrecondition;  // other integrity constraints
  // Connection trouble, lack of resources, the server shutting down, serialisation failures and
  // deadlocks, and I/O errors on the server: the same call may succeed later. (Not IoError:
  // that stops the journal for good, a rule for local disks; the server recovers its own.)
  if (cls == "08" || cls == "53" || cls == "57" || cls == "40" || cls == "58") {
    return base::StatusCode::kUnavailable;
  }
  return base::StatusCode::kInternal;  // syntax, undefined objects, ...: a bug in Sluice
}

// Turns the exception being handled into a Status; sets `broken` when the connection is lost.
base::Status CurrentException(const Endpoint& where, bool& broken) {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    broken = true;
    return base::Unavailable(Scrub("lost the connection to " + where.Describe() + " (" +
                                       OneLine(e.what()) +
                                       "); the server closed it or cannot be reached, and the "
                                       "next call connects again",
                                   where));
  } catch (const pqxx::in_doubt_error& e) {
    broken = true;
    return base::Unavailable(Scrub("the connection to " + where.Describe() +
                                       " broke during a commit, which may or may not have taken "
                                       "effect: " +
                                       OneLine(e.what()),
                                   where));
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    if (state.starts_with("08") || state.starts_with("57P")) broken = true;
    return {
        CodeOf(state),
        Scrub(OneLine(e.what()) + " (SQLSTATE " + state + ", " + where.Describe() + ")", where)};
  } catch (const std::exception& e) {
    return base::Internal(Scrub("PostgreSQL client: " + OneLine(e.what()), where));
  } catch (...) {
    return base::Internal("PostgreSQL client: unknown exception");
  }
}

// A libpq keyword value, quoted for a "key=value" connection string.
std::string Quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

struct Rows::Impl {
  pqxx::result result;
};

size_t Rows::size() const { return impl_->result.size(); }

uint64_t Rows::affected() const { return impl_->result.affected_rows(); }

bool Rows::IsNull(size_t row, int column) const {
  return impl_->result[static_cast<pqxx::result::size_type>(row)][column].is_null();
}

std::string Rows::Text(size_t row, int column) const {
  const pqxx::field f = impl_->result[static_cast<pqxx::result::size_type>(row)][column];
  if (f.is_null()) return {};
  return {f.c_str(), f.size()};
}

int64_t Rows::Int(size_t row, int column) const {
  const pqxx::field f = impl_->result[static_cast<pqxx::result::size_type>(row)][column];
  int64_t value = 0;
  if (!f.is_null()) std::from_chars(f.c_str(), f.c_str() + f.size(), value);
  return value;
}

bool Rows::Bool(size_t row, int column) const {
  const pqxx::field f = impl_->result[static_cast<pqxx::result::size_type>(row)][column];
  return !f.is_null() && f.size() > 0 && f.c_str()[0] == 't';
}

// One session with the server, opened when first used and again after it broke.
class Connection {
 public:
  explicit Connection(const Endpoint& where) : where_(where) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens the session unless it is open and alive.
  base::Status Open() {
    if (db_ != nullptr && db_->is_open() && !Dropped()) return base::Status::Ok();
    Close();
    try {
      db_ = std::make_unique<pqxx::connection>(where_.conninfo);
      // Notices ("relation already exists, skipping") would go to stderr.
      quiet_ = std::make_unique<pqxx::quiet_errorhandler>(*db_);
      return base::Status::Ok();
    } catch (const std::exception& e) {
      Close();
      return base::Unavailable(Scrub("cannot connect to " + where_.Describe() + ": " +
                                         OneLine(e.what()) +
                                         " (check that the server runs and accepts connections "
                                         "there, and the user, password and database)",
                                     where_));
    }
  }

  // Whether the server ended this idle session. Between calls the server has nothing to say,
  // so anything to read (its last message, the end of the stream) means it ended the session:
  // a restart, pg_terminate_backend, an idle timeout. Checked before each call, so that call
  // runs on a new session instead of failing (and libpqxx 6 leaks a result when a statement
  // meets a dead connection).
  bool Dropped() const {
    pollfd p{};
    p.fd = db_->sock();
    p.events = POLLIN;
    return p.fd < 0 || ::poll(&p, 1, 0) != 0;
  }

  void Close() {
    quiet_.reset();
    db_.reset();
    prepared_.clear();
  }

  pqxx::connection& db() { return *db_; }

  // The name of `sql` prepared on this session, or nullopt when too many are.
  std::optional<std::string> Prepared(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return it->second;
    if (prepared_.size() >= kMaxPreparedStatements) return std::nullopt;
    std::string name = "sluice_" + std::to_string(prepared_.size());
    db_->prepare(name, std::string(sql));  // registered with the server on first use
    prepared_.emplace(std::string(sql), name);
    return name;
  }

 private:
  const Endpoint& where_;
  std::unique_ptr<pqxx::connection> db_;
  std::unique_ptr<pqxx::quiet_errorhandler> quiet_;  // before db_ when destroyed
  std::unordered_map<std::string, std::string> prepared_;
};

struct Session::Impl {
  Connection& conn;
  pqxx::transaction_base& work;
  const Endpoint& where;
  bool broken = false;
};

base::Result<Rows> Session::Exec(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.value() ? p.value()->c_str() : nullptr);
  try {
    auto rows = std::make_shared<Rows::Impl>();
    const auto dynamic = pqxx::prepare::make_dynamic_params(values);
    if (std::optional<std::string> name = impl_.conn.Prepared(sql)) {
      rows->result = impl_.work.exec_prepared(*name, dynamic);
    } else {
      rows->result = impl_.work.exec_params(std::string(sql), dynamic);
    }
    return Rows(std::move(rows));
  } catch (...) {
    return CurrentException(impl_.where, impl_.broken);
  }
}

base::Status Session::Script(std::string_view sql) {
  try {
    impl_.work.exec(std::string(sql));
    return base::Status::Ok();
  } catch (...) {
    return CurrentException(impl_.where, impl_.broken);
  }
}

std::string Endpoint::Describe() const {
  std::string out = "PostgreSQL at ";
  if (host.empty()) {
    out += "the default host";
  } else if (host.front() == '/') {
    out += "socket directory " + host;
  } else {
    out += host;
  }
  out += ":" + (port.empty() ? std::string("5432") : port);
  if (!database.empty()) out += ", database " + database;
  if (!user.empty()) out += ", user " + user;
  return out;
}

base::Result<Endpoint> ParseUri(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return base::InvalidArgument("not a PostgreSQL connection URI (" + why +
                                 "); expected postgres://user:password@host:port/database");
  }
  Endpoint e;
  bool timeout = false;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view key = o->keyword;
    const std::string value = o->val;
    if (key == "host" || (key == "hostaddr" && e.host.empty())) e.host = value;
    if (key == "port") e.port = value;
    if (key == "dbname") e.database = value;
    if (key == "user") e.user = value;
    if (key == "password") e.password = value;
    if (key == "connect_timeout") timeout = true;
    e.conninfo += std::string(key) + "=" + Quote(value) + " ";
  }
  PQconninfoFree(options);
  // Without it, connecting to a host that drops packets waits for TCP to give up (minutes).
  if (!timeout) e.conninfo += "connect_timeout=10 ";
  e.conninfo += "fallback_application_name=sluice";
  return e;
}

Pool::Pool(Endpoint endpoint, size_t size) : endpoint_(std::move(endpoint)) {
  for (size_t i = 0; i < size; ++i) free_.push_back(std::make_unique<Connection>(endpoint_));
}

Pool::~Pool() = default;

base::Result<std::unique_ptr<Pool>> Pool::Open(const std::string& uri, size_t size) {
  SLUICE_ASSIGN_OR_RETURN(Endpoint endpoint, ParseUri(uri));
  std::unique_ptr<Pool> pool(new Pool(std::move(endpoint), size == 0 ? 1 : size));
  std::unique_ptr<Connection> first = pool->Take(true);
  base::Status opened = first->Open();
  pool->Give(std::move(first));
  if (!opened.ok()) return opened;
  return pool;
}

std::unique_ptr<Connection> Pool::Take(bool wait) {
  std::unique_lock lock(mu_);
  if (!wait && free_.empty()) return nullptr;
  free_cv_.wait(lock, [&] { return !free_.empty(); });
  std::unique_ptr<Connection> conn = std::move(free_.back());
  free_.pop_back();
  return conn;
}

void Pool::Give(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(conn));
  }
  free_cv_.notify_one();
}

base::Status Pool::Transact(const Body& body) { return Run(body, true, true); }

base::Status Pool::Autocommit(const Body& body) { return Run(body, false, true); }

base::Status Pool::TryAutocommit(const Body& body) { return Run(body, false, false); }

base::Status Pool::Run(const Body& body, bool transaction, bool wait) {
  std::unique_ptr<Connection> conn = Take(wait);
  if (conn == nullptr) return base::Unavailable("no free connection to " + endpoint_.Describe());
  base::Status status = RunOn(*conn, body, transaction);
  Give(std::move(conn));
  return status;
}

base::Status Pool::RunOn(Connection& conn, const Body& body, bool transaction) {
  base::Status status = conn.Open();
  bool broken = false;
  if (status.ok()) {
    try {
      std::unique_ptr<pqxx::transaction_base> work;
      if (transaction) {
        work = std::make_unique<pqxx::work>(conn.db());
      } else {
        work = std::make_unique<pqxx::nontransaction>(conn.db());
      }
      Session::Impl impl{conn, *work, endpoint_};
      Session session(impl);
      status = body(session);
      broken = impl.broken;
      // Durable on return: the server flushes the commit to its WAL before it answers
      // (synchronous_commit, on by default).
      if (status.ok()) work->commit();
    } catch (...) {
      status = CurrentException(endpoint_, broken);
    }
  }
  if (broken) conn.Close();  // the next call that takes it connects again
  return status;
}

std::unique_ptr<PinnedSession> Pool::Pin() {
  return std::unique_ptr<PinnedSession>(new PinnedSession(*this, Take(true)));
}

PinnedSession::PinnedSession(Pool& pool, std::unique_ptr<Connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PinnedSession::~PinnedSession() { pool_.Give(std::move(conn_)); }

base::Status PinnedSession::Autocommit(const Pool::Body& body) {
  return pool_.RunOn(*conn_, body, false);
}

}  // namespace sluice::store::pg
