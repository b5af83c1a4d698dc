#include "app/server.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "app/backup.h"
#include "auth/api_key.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_store.h"
#include "http/server.h"
#include "index/commit_gate.h"
#include "pipeline/pipeline.h"
#include "platform/platform_api.h"
#include "push/access.h"
#include "push/errors.h"
#include "push/push_api.h"
#include "s3/s3_blob_store.h"
#include "search/browser_api.h"
#include "search/logs_api.h"
#include "search/search_api.h"
#include "search/search_token.h"
#include "search/token_api.h"
#include "store/journal.h"
#include "store/state_store.h"
#include "telemetry/logger.h"
#include "telemetry/metrics.h"
#include "web/assets.h"

namespace sluice::app {
namespace {

constexpr std::string_view kOrganization = "local";
constexpr std::string_view kSource = "local-default";

base::Result<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return base::InvalidArgument("--listen must be HOST:PORT (got '" + listen + "')");
  }
  unsigned port = 0;
  std::string p = listen.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || port > 65535) {
    return base::InvalidArgument("--listen has a bad port '" + p + "'");
  }
  return std::make_pair(listen.substr(0, colon), static_cast<uint16_t>(port));
}

// The secret that signs upload URIs: 32 random bytes, hex, created once.
base::Result<std::string> LoadOrCreateSecret(const std::filesystem::path& path) {
  auto existing = base::ReadFile(path);
  if (existing.ok()) return *existing;
  if (existing.status().code() != base::StatusCode::kNotFound) return existing.status();
  std::array<std::byte, 32> bytes{};
  base::RandomBytes(bytes);
  std::string secret = base::HexEncode(bytes);
  SLUICE_RETURN_IF_ERROR(base::WriteFileAtomic(path, secret, 0600));
  return secret;
}

// The node's id in the shared state: its name and a random suffix for this start.
std::string NodeId(const std::string& name) {
  std::string host = name;
  if (host.empty()) {
    std::array<char, 256> buffer{};
    host = ::gethostname(buffer.data(), buffer.size() - 1) == 0 ? buffer.data() : "node";
  }
  return host + "-" + base::NewUuid().substr(0, 8);
}

}  // namespace

bool IsPostgresUri(std::string_view uri) {
  return uri.starts_with("postgres://") || uri.starts_with("postgresql://");
}

std::string RedactUriPassword(std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  const size_t at = uri.find('@');
  if (scheme_end == std::string_view::npos || at == std::string_view::npos) return std::string(uri);
  const size_t colon = uri.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(uri);
  return std::string(uri.substr(0, colon + 1)) + "(not shown)" + std::string(uri.substr(at));
}

struct Server::Parts {
  explicit Parts(const ServeConfig& c)
      : config(c),
        logger(c.log_format == "text" ? telemetry::LogFormat::kText : telemetry::LogFormat::kJson) {
  }

  ServeConfig config;
  telemetry::Logger logger;
  telemetry::Metrics metrics;
  BootstrapInfo bootstrap;
  base::SystemClock clock;
  index::CommitGate commit_gate;  // shared by the index's writers and readers; before its users
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<blob::BlobStore> blobs;
  s3::S3BlobStore* s3_blobs = nullptr;  // `blobs`, when they live in a bucket
  std::unique_ptr<pipeline::Pipeline> pipeline;
  std::unique_ptr<store::Journal> journal;
  std::unique_ptr<push::PushApi> push_api;
  std::unique_ptr<platform::PlatformApi> platform_api;
  std::unique_ptr<search::SearchTokenSigner> token_signer;  // before its users
  std::unique_ptr<search::SearchApi> search_api;
  std::unique_ptr<search::TokenApi> token_api;
  std::unique_ptr<search::BrowserApi> browser_api;
  std::unique_ptr<search::LogsApi> logs_api;
  http::Router router;
  std::unique_ptr<http::Server> http;

  base::Status Bootstrap();
  base::Status OpenBlobStore();
  base::Status OpenTokenSigner();
  void AddOperatorRoutes();
  std::vector<std::string> UnreadyReasons(uint64_t pending) const;
  telemetry::Gauges ReadGauges() const;
  void Answered(const http::Exchange& exchange);
  http::Response Backup(http::Request& request);
};

base::Status Server::Parts::OpenBlobStore() {
  const std::filesystem::path& dir = config.data_dir;
  if (config.blob_store == "local") {
    SLUICE_ASSIGN_OR_RETURN(auto master_key, blob::LoadOrCreateKeyFile(dir / "keys" / "blob.key"));
    SLUICE_ASSIGN_OR_RETURN(blobs,
                            blob::OpenLocalBlobStore(dir / "blobs", master_key, config.files));
    return base::Status::Ok();
  }
  s3::S3Options options;
  SLUICE_ASSIGN_OR_RETURN(options.location, s3::ParseS3Url(config.blob_store));
  options.credentials = config.s3_credentials;
  options.spool_dir = dir / "spool" / "s3";
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<s3::S3BlobStore> bucket,
                          s3::OpenS3BlobStore(std::move(options)));
  s3_blobs = bucket.get();
  blobs = std::move(bucket);
  return base::Status::Ok();
}

// Search tokens signed by one node must verify on every node: a cluster keeps the secret in
// the shared state; a single node keeps it in its data directory.
base::Status Server::Parts::OpenTokenSigner() {
  if (!IsPostgresUri(config.state)) {
    SLUICE_ASSIGN_OR_RETURN(auto signer, search::SearchTokenSigner::LoadOrCreate(
                                             config.data_dir / "keys" / "search-token.key"));
    token_signer = std::make_unique<search::SearchTokenSigner>(std::move(signer));
    return base::Status::Ok();
  }
  std::array<std::byte, 32> bytes{};
  base::RandomBytes(bytes);
  SLUICE_ASSIGN_OR_RETURN(std::string secret,
                          store->SharedSecret("search-token", base::HexEncode(bytes)));
  token_signer =
      std::make_unique<search::SearchTokenSigner>(search::SearchTokenSigner::FromSecret(secret));
  return base::Status::Ok();
}

// POST /api/v1/backup {"directory": "/absolute/path"}: a snapshot of the whole server, so an
// admin key of the server's own organization is needed.
http::Response Server::Parts::Backup(http::Request& request) {
  const push::Access access(*store);
  auto caller = access.Check(request, kOrganization, push::kPrivilegeAdmin);
  if (!caller.key) return caller.error;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(request.body, ec);
  const boost::json::value* directory =
      !ec && body.is_object() ? body.as_object().if_contains("directory") : nullptr;
  if (directory == nullptr || !directory->is_string() || directory->as_string().empty()) {
    return push::CoveoError(400, "INVALID_PARAMETER",
                            R"(The body must be {"directory": "/absolute/path/on/the/server"}.)");
  }
  const std::filesystem::path target(std::string(directory->as_string()));
  const auto started = std::chrono::steady_clock::now();
  auto summary = WriteBackup(config.data_dir, target, *store, *pipeline);
  if (!summary.ok()) {
    logger.Error("backup failed", {{"requestId", request.request_id},
                                   {"directory", target.string()},
                                   {"error", summary.status().ToString()}});
    // A directory the server cannot use is a bad parameter, not bad JSON.
    if (summary.status().code() == base::StatusCode::kInvalidArgument) {
      return push::CoveoError(400, "INVALID_PARAMETER", summary.status().message());
    }
    return push::FromStatus(summary.status());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  logger.Info("backup written", {{"requestId", request.request_id},
                                 {"directory", target.string()},
                                 {"files", summary->files},
                                 {"bytes", summary->bytes},
                                 {"seconds", seconds}});
  boost::json::object out{
      {"directory", target.string()}, {"files", summary->files}, {"bytes", summary->bytes}};
  return http::Response::Json(200, boost::json::serialize(out));
}

base::Status Server::Parts::Bootstrap() {
  int64_t now = clock.NowMs();
  bootstrap.organization_id = kOrganization;
  bootstrap.source_id = kSource;
  SLUICE_RETURN_IF_ERROR(store->EnsureOrganization(std::string(kOrganization), now));
  base::Status s = store->CreateSource(store::Source{
      std::string(kOrganization), std::string(kSource), std::string(kSource), "PUSH", now});
  if (!s.ok() && s.code() != base::StatusCode::kAlreadyExists) return s;

  std::string key = config.api_key;
  if (!key.empty()) {
    auto found = store->FindApiKeyByHash(auth::HashApiKey(key));
    if (!found.ok()) return found.status();
    if (found->has_value()) return base::Status::Ok();
    bootstrap.api_key_from_config = true;
  } else {
    SLUICE_ASSIGN_OR_RETURN(uint64_t keys, store->CountApiKeys());
    if (keys > 0) return base::Status::Ok();
    key = auth::GenerateApiKey();
    // Kept in a file only its owner reads, never in the log: the log may be shipped anywhere.
    bootstrap.new_api_key = key;
    bootstrap.new_api_key_file = config.data_dir / "initial-api-key";
    SLUICE_RETURN_IF_ERROR(base::WriteFileAtomic(bootstrap.new_api_key_file, key + "\n", 0600));
  }
  base::Status put = store->PutApiKey(store::ApiKey{
      base::NewUuid(), std::string(kOrganization), auth::HashApiKey(key), {"admin"}, now});
  // Nodes of a cluster that start together may both add the configured key: one wins.
  if (put.code() == base::StatusCode::kAlreadyExists) return base::Status::Ok();
  return put;
}

// Why the server should not be sent traffic now; empty when ready. Unready after a failed
// journal write (until restart), while the disk has less than min_free_bytes available, and
// while the journal backlog is at the limit that answers pushes with 429.
std::vector<std::string> Server::Parts::UnreadyReasons(uint64_t pending) const {
  std::vector<std::string> reasons;
  // A journal that met a full disk takes writes again once there is space, which the free
  // space check below judges; one that failed a write or fsync stays stopped until restarted.
  if (base::Status journal_health = journal->Health();
      !journal_health.ok() && journal_health.code() != base::StatusCode::kStorageFull) {
    reasons.push_back(journal_health.message());
  }
  if (::access(config.data_dir.c_str(), W_OK) != 0) {
    reasons.push_back(
        base::ErrnoError("the data directory " + config.data_dir.string() + " is not writable",
                         errno)
            .message());
  }
  if (auto available = config.files->AvailableBytes(config.data_dir);
      available.ok() && *available < config.min_free_bytes) {
    reasons.push_back("the disk holding " + config.data_dir.string() + " has " +
                      std::to_string(*available) + " bytes free; Sluice needs " +
                      std::to_string(config.min_free_bytes) + " (--min-free-bytes)");
  }
  if (config.max_pending_operations > 0 && pending >= config.max_pending_operations) {
    reasons.push_back("the journal holds " + std::to_string(pending) +
                      " operations not yet processed, the limit (--max-pending-operations); "
                      "pushes get 429 until it drains");
  }
  return reasons;
}

telemetry::Gauges Server::Parts::ReadGauges() const {
  telemetry::Gauges g;
  if (auto pending = store->PendingCount(); pending.ok()) g.pending_operations = *pending;
  if (auto oldest = store->OldestPendingReceivedMs(); oldest.ok() && *oldest > 0) {
    g.oldest_pending_seconds =
        static_cast<double>(std::max<int64_t>(0, clock.NowMs() - *oldest)) / 1000.0;
  }
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(config.data_dir / "index", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) g.index_bytes += it->file_size(size_ec);
  }
  if (auto available = config.files->AvailableBytes(config.data_dir); available.ok()) {
    g.data_dir_free_bytes = *available;
  }
  return g;
}

// The access line and the request metrics of every answered request. The query is logged
// with signatures and credentials blanked; headers (which carry API keys) and bodies never.
void Server::Parts::Answered(const http::Exchange& e) {
  const std::string_view route = e.route;
  metrics.RequestDone(route, e.request.method, e.status, e.seconds, e.bytes_received, e.bytes_sent);
  if (route == push::kUploadRoute && e.status == 200) metrics.Uploaded(e.bytes_received);
  const std::string query = telemetry::RedactQuery(e.request.query);
  logger.Log(e.status >= 500 ? telemetry::LogLevel::kError : telemetry::LogLevel::kInfo, "request",
             {{"requestId", e.request.request_id},
              {"remote", e.request.remote_address},
              {"method", e.request.method},
              {"path", e.request.path},
              {"query", query},
              {"route", route},
              {"status", e.status},
              {"bytesIn", e.bytes_received},
              {"bytesOut", e.bytes_sent},
              {"ms", e.seconds * 1000.0},
              {"userAgent", e.request.Header("User-Agent").value_or("")}});
}

void Server::Parts::AddOperatorRoutes() {
  router.Add("GET", "/healthz",
             [](http::Request&) { return http::Response::Json(200, R"({"status":"ok"})"); });
  router.Add("GET", "/readyz", [this](http::Request&) {
    auto pending = store->PendingCount();
    std::vector<std::string> reasons = UnreadyReasons(pending.ok() ? *pending : 0);
    if (!pending.ok()) reasons.push_back("cannot read the journal: " + pending.status().message());
    boost::json::object body{{"status", reasons.empty() ? "ready" : "unavailable"},
                             {"pendingOperations", pending.ok() ? *pending : 0}};
    if (!reasons.empty()) body["reasons"] = boost::json::array(reasons.begin(), reasons.end());
    return http::Response::Json(reasons.empty() ? 200 : 503, boost::json::serialize(body));
  });
  router.Add("GET", "/metrics", [this](http::Request& r) {
    if (!config.metrics_token.empty()) {
      const std::optional<std::string> given = push::BearerToken(r, /*allow_query=*/false);
      if (!given || !auth::ConstantTimeEquals(*given, config.metrics_token)) {
        http::Response refused = push::CoveoError(
            401, "INVALID_TOKEN",
            "GET /metrics needs the metrics token: Authorization: Bearer <token>.");
        refused.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="metrics")");
        return refused;
      }
    }
    http::Response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.Render();
    return res;
  });
  router.Add("POST", "/api/v1/backup", [this](http::Request& r) { return Backup(r); });
  // The description of every route above, kept true by openapi_test.cc.
  router.Add("GET", "/openapi.json", [](http::Request&) {
    const web::Asset* asset = web::FindAsset("/openapi.json");
    http::Response res;
    res.content_type = std::string(asset->content_type);
    res.body = std::string(asset->body);
    return res;
  });
  // The Content Browser's files answer any GET that no API route took.
  router.SetNotFound([](http::Request& r) {
    const web::Asset* asset = r.method == "GET" ? web::FindAsset(r.path) : nullptr;
    if (asset == nullptr) {
      return push::CoveoError(404, "NOT_FOUND", "No route for " + r.method + " " + r.path + ".");
    }
    http::Response res;
    res.content_type = std::string(asset->content_type);
    res.body = std::string(asset->body);
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self'; frame-ancestors 'none'");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Cache-Control", "no-cache");
    return res;
  });
}

std::vector<std::string> ValidateServeConfig(const ServeConfig& config) {
  std::vector<std::string> mistakes;
  auto listen = SplitListen(config.listen);
  if (!listen.ok()) mistakes.push_back(listen.status().message());
  if (listen.ok() && listen->second == 0 && config.public_url.empty()) {
    mistakes.emplace_back(
        "--listen with port 0 needs --public-url: upload URIs must name the real port");
  }
  if (!config.public_url.empty() && !config.public_url.starts_with("http://") &&
      !config.public_url.starts_with("https://")) {
    mistakes.push_back("--public-url must start with http:// or https:// (got '" +
                       config.public_url + "')");
  }
  if (config.data_dir.empty()) mistakes.emplace_back("--data-dir must not be empty");
  if (config.workers < 1) mistakes.emplace_back("--workers must be at least 1");
  if (config.log_format != "json" && config.log_format != "text") {
    mistakes.push_back("--log-format must be json or text (got '" + config.log_format + "')");
  }
  if (config.rate_limit < 0 || config.rate_burst < 0) {
    mistakes.emplace_back("--rate-limit and --rate-burst must not be negative");
  }
  if (config.container_ttl_seconds < 1 || config.container_ttl_seconds > 604800) {
    mistakes.emplace_back("--container-ttl-seconds must be within 1..604800");
  }
  if (config.shutdown_timeout_seconds < 1) {
    mistakes.emplace_back("--shutdown-timeout-seconds must be at least 1");
  }
  if (config.state != "sqlite" && !IsPostgresUri(config.state)) {
    mistakes.push_back("--state must be sqlite or a postgres:// URI (got '" +
                       RedactUriPassword(config.state) + "')");
  }
  if (config.node_timeout_seconds < 1) {
    mistakes.emplace_back("--node-timeout-seconds must be at least 1");
  }
  if (IsPostgresUri(config.state) && config.blob_store == "local") {
    mistakes.emplace_back(
        "--state postgres://... is shared by several nodes, so their file containers must be "
        "shared too: add --blob-store s3://...");
  }
  if (config.blob_store != "local") {
    auto location = s3::ParseS3Url(config.blob_store);
    if (!location.ok()) mistakes.push_back(location.status().message());
    if (config.s3_credentials.access_key_id.empty() ||
        config.s3_credentials.secret_access_key.empty()) {
      mistakes.emplace_back(
          "--blob-store s3://... needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
          "(or --s3-access-key-id and --s3-secret-access-key)");
    }
  }
  return mistakes;
}

base::Result<std::unique_ptr<Server>> Server::Open(const ServeConfig& config) {
  if (auto mistakes = ValidateServeConfig(config); !mistakes.empty()) {
    std::string all;
    for (const std::string& m : mistakes) all += (all.empty() ? "" : "; ") + m;
    return base::InvalidArgument(all);
  }
  auto parts = std::make_unique<Parts>(config);
  Parts& p = *parts;
  SLUICE_ASSIGN_OR_RETURN(auto listen, SplitListen(config.listen));
  const auto& dir = config.data_dir;
  if (p.config.files == nullptr) p.config.files = std::make_shared<base::PosixFs>();
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir / "keys"));
  const bool clustered = IsPostgresUri(config.state);
  if (clustered) {
    SLUICE_ASSIGN_OR_RETURN(p.store, store::OpenPostgresStateStore(config.state));
  } else {
    SLUICE_ASSIGN_OR_RETURN(p.store,
                            store::OpenSqliteStateStore(dir / "state.db", config.sqlite_vfs));
  }
  SLUICE_RETURN_IF_ERROR(p.OpenBlobStore());
  SLUICE_ASSIGN_OR_RETURN(std::string secret, LoadOrCreateSecret(dir / "keys" / "upload.secret"));
  SLUICE_RETURN_IF_ERROR(p.OpenTokenSigner());
  SLUICE_RETURN_IF_ERROR(p.Bootstrap());

  pipeline::PipelineOptions pipeline_options;
  pipeline_options.index_root = dir / "index";
  pipeline_options.commit_gate = &p.commit_gate;
  pipeline_options.workers = config.workers;
  pipeline_options.ignore_queue_delay = config.ignore_queue_delay;
  pipeline_options.limits.extraction.max_body_bytes = config.max_text_bytes;
  pipeline_options.limits.extraction.child_limits = config.extract_limits;
  pipeline_options.limits.extraction.spool_dir = dir / "spool";
  pipeline_options.metrics = &p.metrics;
  pipeline_options.logger = &p.logger;
  if (clustered) {
    pipeline_options.cluster_node_id = NodeId(config.node_name);
    pipeline_options.node_timeout_ms = config.node_timeout_seconds * 1000;
  }
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir / "spool").WithContext("create the spool directory"));
  p.pipeline = std::make_unique<pipeline::Pipeline>(*p.store, *p.blobs, p.clock, pipeline_options);
  p.journal = std::make_unique<store::Journal>(*p.store, [&p](size_t operations) {
    p.metrics.OperationsAccepted(operations);
    p.pipeline->Wake();
  });
  p.metrics.SetGaugeSource([&p] { return p.ReadGauges(); });

  push::PushOptions push_options;
  push_options.containers.public_url =
      config.public_url.empty() ? "http://" + config.listen : config.public_url;
  push_options.containers.upload_credentials = auth::UploadCredentialsFromSecret(secret);
  push_options.containers.ttl_seconds = config.container_ttl_seconds;
  if (p.s3_blobs != nullptr) {
    push_options.containers.object_store_presigner =
        [s3 = p.s3_blobs](std::string_view key, const auth::HeaderList& headers, int64_t expires,
                          int64_t now) { return s3->PresignUpload(key, headers, expires, now); };
  }
  push_options.max_container_bytes = config.max_container_bytes;
  push_options.throttle.requests_per_second = config.rate_limit;
  push_options.throttle.burst = config.rate_burst;
  push_options.throttle.max_pending_operations = config.max_pending_operations;
  p.push_api =
      std::make_unique<push::PushApi>(*p.store, *p.journal, *p.blobs, p.clock, push_options);
  p.search_api =
      std::make_unique<search::SearchApi>(*p.store, dir / "index", p.commit_gate, *p.token_signer);
  p.router.SetGuard(push::FailedAuthGuard(std::make_shared<push::FailedAuthLimiter>(
      p.clock, push::FailedAuthOptions{config.auth_failure_limit})));
  p.push_api->Register(p.router);
  p.platform_api = std::make_unique<platform::PlatformApi>(*p.store, p.clock);
  p.platform_api->Register(p.router);
  p.search_api->Register(p.router);
  p.token_api = std::make_unique<search::TokenApi>(*p.store, *p.token_signer, p.clock);
  p.token_api->Register(p.router);
  p.browser_api =
      std::make_unique<search::BrowserApi>(*p.store, *p.blobs, dir / "index", p.commit_gate);
  p.browser_api->Register(p.router);
  p.logs_api = std::make_unique<search::LogsApi>(*p.store);
  p.logs_api->Register(p.router);
  p.AddOperatorRoutes();

  http::ServerOptions http_options;
  http_options.host = listen.first;
  http_options.port = listen.second;
  http_options.max_body_bytes = config.max_request_bytes;
  http_options.header_timeout = std::chrono::seconds(config.header_timeout_seconds);
  http_options.body_timeout = std::chrono::seconds(config.body_timeout_seconds);
  http_options.min_body_bytes_per_second = config.min_body_bytes_per_second;
  // One I/O thread per core: parsing and answering small pushes is most of their cost.
  http_options.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http_options.error_response = [](int status, std::string_view message) {
    return push::ServerError(status, message);
  };
  http_options.on_answered = [&p](const http::Exchange& e) { p.Answered(e); };
  p.http = std::make_unique<http::Server>(p.router, http_options);
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { Stop(); }

base::Status Server::Start() {
  parts_->pipeline->Start();
  return parts_->http->Start();
}

uint16_t Server::port() const { return parts_->http->port(); }

const BootstrapInfo& Server::bootstrap() const { return parts_->bootstrap; }

telemetry::Logger& Server::logger() { return parts_->logger; }

std::vector<http::Router::RouteInfo> Server::Routes() const { return parts_->router.Routes(); }

void Server::Stop() {
  // Stop taking requests first and answer those under way, then let the pipeline and
  // journal wind down.
  if (parts_->http) {
    if (!parts_->http->Drain(std::chrono::seconds(parts_->config.shutdown_timeout_seconds))) {
      parts_->logger.Warning("stopping with requests still under way",
                             {{"waitedSeconds", parts_->config.shutdown_timeout_seconds}});
    }
    parts_->http->Stop();
  }
  parts_->pipeline.reset();
}

}  // namespace sluice::app
