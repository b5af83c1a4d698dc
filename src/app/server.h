// The composition root: builds every component of `sluice serve` from its
// configuration and wires them together. Nothing else creates components.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "base/status.h"
#include "extract/extractor.h"
#include "http/router.h"
#include "telemetry/logger.h"

namespace sluice::base {
class Fs;
}

namespace sluice::app {

struct ServeConfig {
  std::filesystem::path data_dir = "./data";
  std::string listen = "127.0.0.1:8080";  // port 0 picks a free one
  std::string public_url;                 // default: http://<listen>
  std::string api_key;                    // the first key (empty: generate one)
  int workers = 2;
  std::string log_format = "json";  // or "text"
  std::string metrics_token;        // GET /metrics needs it as a bearer token (empty: open)
  // "local" (encrypted files under data_dir) or s3://BUCKET[/PREFIX]?endpoint=..., whose
  // uploadUris are pre-signed for the bucket with s3_credentials.
  std::string blob_store = "local";
  auth::SigV4Credentials s3_credentials;
  // "sqlite" (state.db in data_dir) or a postgres:// URI: the state several nodes share.
  std::string state = "sqlite";
  // How this node names itself in the shared state (default: the host name); a random suffix
  // per start keeps a restarted node from taking the claims of its previous life for its own.
  std::string node_name;
  // A node silent this long (dead) loses the work it claimed to the others.
  int64_t node_timeout_seconds = 15;
  // On stop, how long requests under way may take to be answered.
  int64_t shutdown_timeout_seconds = 30;
  uint64_t max_container_bytes = 256ull * 1024 * 1024;
  uint64_t max_request_bytes = 6ull * 1024 * 1024;
  int64_t container_ttl_seconds = 3600;  // how long an uploadUri stays valid
  bool ignore_queue_delay = false;       // documents/olderthan runs at once
  double rate_limit = 200;               // Push API requests per second per key (0: off)
  double rate_burst = 1000;
  uint64_t max_pending_operations = 1000000;  // journal backlog that answers 429 (0: off)
  // Slow clients: a request header must arrive within header_timeout_seconds; a body
  // may pause at most body_timeout_seconds and, after that, must average at least
  // min_body_bytes_per_second (0: no rate rule). Kept-alive connections idle longer.
  int64_t header_timeout_seconds = 10;
  int64_t body_timeout_seconds = 30;
  uint64_t min_body_bytes_per_second = 1024;
  uint32_t auth_failure_limit = 20;  // refused credentials per minute per address (0: off)
  // Extraction: the text kept of one item, and what the child that reads a PDF or an Office
  // file may use (CPU seconds, address space, wall-clock time) before it is stopped.
  size_t max_text_bytes = size_t{128} << 20;
  extract::ChildLimits extract_limits;
  // Below this many free bytes on the data directory's disk, /readyz is unready.
  uint64_t min_free_bytes = 64ull * 1024 * 1024;
  // The storage seams, for the fault tests: every blob write goes through
  // `files` (null: the operating system's); the state database through the
  // SQLite VFS named `sqlite_vfs` (empty: SQLite's default).
  std::shared_ptr<base::Fs> files;
  std::string sqlite_vfs;
};

// Whether --state names a PostgreSQL database (postgres:// or postgresql://).
bool IsPostgresUri(std::string_view uri);
// The URI with its password, if any, replaced, for logs and --print-config.
std::string RedactUriPassword(std::string_view uri);

// One line per mistake in `config` (listen address, public URL, ranges), empty when none.
std::vector<std::string> ValidateServeConfig(const ServeConfig& config);

// What a fresh data directory was given, to show the user once.
struct BootstrapInfo {
  std::string organization_id;
  std::string source_id;
  std::optional<std::string> new_api_key;  // set only when generated now
  std::filesystem::path new_api_key_file;  // where that key was written, readable by the owner
  bool api_key_from_config = false;
};

class Server {
 public:
  static base::Result<std::unique_ptr<Server>> Open(const ServeConfig& config);
  ~Server();

  base::Status Start();
  uint16_t port() const;
  const BootstrapInfo& bootstrap() const;
  // The server's log (stdout, in the configured format).
  telemetry::Logger& logger();
  // Every route the server answers (GET / and the console's files aside).
  std::vector<http::Router::RouteInfo> Routes() const;
  // Stops gracefully: no new connections; requests under way are answered (for at most
  // shutdown_timeout_seconds); the pipeline finishes the step each thread is in; what was not
  // processed stays in the journal for the next start.
  void Stop();

  struct Parts;  // opaque

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sluice::app
