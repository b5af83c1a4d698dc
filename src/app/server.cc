#include "app/server.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/api_key.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_store.h"
#include "http/server.h"
#include "index/commit_gate.h"
#include "pipeline/pipeline.h"
#include "platform/platform_api.h"
#include "push/errors.h"
#include "push/push_api.h"
#include "search/browser_api.h"
#include "search/logs_api.h"
#include "search/search_api.h"
#include "search/search_token.h"
#include "search/token_api.h"
#include "store/journal.h"
#include "store/state_store.h"
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

}  // namespace

struct Server::Parts {
  ServeConfig config;
  BootstrapInfo bootstrap;
  base::SystemClock clock;
  index::CommitGate commit_gate;  // shared by the index's writers and readers; before its users
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<blob::BlobStore> blobs;
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
  void AddOperatorRoutes();
  base::Status StorageHealth() const;
};

base::Status Server::Parts::Bootstrap() {
  int64_t now = clock.NowMs();
  bootstrap.organization_id = kOrganization;
  bootstrap.source_id = kSource;
  SLUICE_RETURN_IF_ERROR(store->EnsureOrganization(std::string(kOrganization), now));
  base::Status s = store->CreateSource(store::Source{
      std::string(kOrganization), std::string(kSource), std::string(kSource), "PUSH", now});
  if (!s.ok() && s.code() != base::StatusCode::kAlreadyExists) return s;

  std::optional<std::string> key = config.api_key;
  if (key) {
    auto found = store->FindApiKeyByHash(auth::HashApiKey(*key));
    if (!found.ok()) return found.status();
    if (found->has_value()) return base::Status::Ok();
    bootstrap.api_key_from_env = true;
  } else {
    SLUICE_ASSIGN_OR_RETURN(uint64_t keys, store->CountApiKeys());
    if (keys > 0) return base::Status::Ok();
    key = auth::GenerateApiKey();
    bootstrap.new_api_key = key;
  }
  return store->PutApiKey(store::ApiKey{
      base::NewUuid(), std::string(kOrganization), auth::HashApiKey(*key), {"admin"}, now});
}

// Unready after a failed journal write (until restart), and while a full disk
// that refused a write still has less than min_free_bytes available.
base::Status Server::Parts::StorageHealth() const {
  base::Status journal_health = journal->Health();
  if (journal_health.code() != base::StatusCode::kStorageFull) return journal_health;
  auto available = config.files->AvailableBytes(config.data_dir);
  if (!available.ok()) return available.status();
  if (*available < config.min_free_bytes) {
    return base::StorageFull("the disk holding " + config.data_dir.string() + " has " +
                             std::to_string(*available) + " bytes free; writes need " +
                             std::to_string(config.min_free_bytes));
  }
  return base::Status::Ok();
}

void Server::Parts::AddOperatorRoutes() {
  router.Add("GET", "/healthz",
             [](http::Request&) { return http::Response::Json(200, R"({"status":"ok"})"); });
  router.Add("GET", "/readyz", [this](http::Request&) {
    auto unready = [](const base::Status& why) {
      boost::json::object body{{"status", "unavailable"}, {"reason", why.message()}};
      return http::Response::Json(503, boost::json::serialize(body));
    };
    if (base::Status storage = StorageHealth(); !storage.ok()) return unready(storage);
    auto pending = store->PendingCount();
    if (!pending.ok()) return unready(pending.status());
    boost::json::object body{{"status", "ready"}, {"pendingOperations", *pending}};
    return http::Response::Json(200, boost::json::serialize(body));
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

base::Result<std::unique_ptr<Server>> Server::Open(const ServeConfig& config) {
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.config = config;
  SLUICE_ASSIGN_OR_RETURN(auto listen, SplitListen(config.listen));
  if (listen.second == 0 && config.public_url.empty()) {
    return base::InvalidArgument(
        "--listen with port 0 needs --public-url: upload URIs must name the real port");
  }
  if (config.rate_limit < 0 || config.rate_burst < 0) {
    return base::InvalidArgument("--rate-limit and --rate-burst must not be negative");
  }
  if (config.container_ttl_seconds < 1 || config.container_ttl_seconds > 604800) {
    return base::InvalidArgument("--container-ttl-seconds must be within 1..604800");
  }
  const auto& dir = config.data_dir;
  if (p.config.files == nullptr) p.config.files = std::make_shared<base::PosixFs>();
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir / "keys"));
  SLUICE_ASSIGN_OR_RETURN(p.store,
                          store::OpenSqliteStateStore(dir / "state.db", config.sqlite_vfs));
  SLUICE_ASSIGN_OR_RETURN(auto master_key, blob::LoadOrCreateKeyFile(dir / "keys" / "blob.key"));
  SLUICE_ASSIGN_OR_RETURN(p.blobs,
                          blob::OpenLocalBlobStore(dir / "blobs", master_key, p.config.files));
  SLUICE_ASSIGN_OR_RETURN(std::string secret, LoadOrCreateSecret(dir / "keys" / "upload.secret"));
  SLUICE_ASSIGN_OR_RETURN(auto token_signer, search::SearchTokenSigner::LoadOrCreate(
                                                 dir / "keys" / "search-token.key"));
  p.token_signer = std::make_unique<search::SearchTokenSigner>(std::move(token_signer));
  SLUICE_RETURN_IF_ERROR(p.Bootstrap());

  pipeline::PipelineOptions pipeline_options;
  pipeline_options.index_root = dir / "index";
  pipeline_options.commit_gate = &p.commit_gate;
  pipeline_options.workers = config.workers;
  pipeline_options.ignore_queue_delay = config.ignore_queue_delay;
  pipeline_options.limits.extraction.max_body_bytes = config.max_text_bytes;
  pipeline_options.limits.extraction.child_limits = config.extract_limits;
  pipeline_options.limits.extraction.spool_dir = dir / "spool";
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir / "spool").WithContext("create the spool directory"));
  p.pipeline = std::make_unique<pipeline::Pipeline>(*p.store, *p.blobs, p.clock, pipeline_options);
  p.journal = std::make_unique<store::Journal>(*p.store, [&p] { p.pipeline->Wake(); });

  push::PushOptions push_options;
  push_options.containers.public_url =
      config.public_url.empty() ? "http://" + config.listen : config.public_url;
  push_options.containers.upload_credentials = auth::UploadCredentialsFromSecret(secret);
  push_options.containers.ttl_seconds = config.container_ttl_seconds;
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

void Server::Stop() {
  // Stop taking requests first, then let the pipeline and journal wind down.
  if (parts_->http) parts_->http->Stop();
  parts_->pipeline.reset();
}

}  // namespace sluice::app
