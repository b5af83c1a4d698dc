#include "app/serve_command.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <CLI/CLI.hpp>

#include "base/fs.h"
#include "base/key_value.h"

namespace sluice::app {
namespace {

std::string EnvironmentName(std::string_view flag) {
  std::string name = "SLUICE_";
  for (char c : flag) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

// The value of --config in argv, if given after `serve`.
std::string ConfigFlag(int argc, const char* const* argv) {
  int i = 1;
  while (i < argc && std::string_view(argv[i]) != "serve") ++i;
  std::string found;
  for (++i; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--config" && i + 1 < argc) found = argv[++i];
    if (arg.starts_with("--config=")) found = std::string(arg.substr(9));
  }
  return found;
}

// The options a config file may not set: they choose the file or what the command does.
bool IsSetting(const CLI::Option& option) {
  const std::string& name = option.get_single_name();
  return name != "help" && name != "config" && name != "print-config";
}

bool IsSecret(std::string_view name) {
  return name == "api-key" || name == "metrics-token" || name == "s3-secret-access-key" ||
         name == "s3-session-token";
}

}  // namespace

template <typename T>
CLI::Option* ServeCommand::Setting(const std::string& name, T& value, const std::string& help) {
  return serve_->add_option("--" + name, value, help)
      ->envname(EnvironmentName(name))
      ->capture_default_str();
}

ServeCommand::ServeCommand(CLI::App& app) {
  serve_ = app.add_subcommand("serve", "Run the server");
  ServeConfig& c = config_;
  serve_
      ->add_option("--config", config_path_,
                   "A file of settings, `key = value` per line (keys are these flags' names); "
                   "flags and SLUICE_* variables override it")
      ->envname("SLUICE_CONFIG");
  serve_->add_flag("--print-config", print_config_,
                   "Print the effective settings (secrets masked) and exit");
  Setting("data-dir", c.data_dir, "Data directory");
  Setting("listen", c.listen,
          "HOST:PORT to listen on (port 0 picks a free port; needs --public-url)");
  Setting("public-url", c.public_url,
          "Base URL clients reach this server at; signed into upload URIs "
          "(default: http://<listen>)");
  Setting("api-key", c.api_key,
          "The first API key (admin) of a new data directory; without it one is generated "
          "into <data-dir>/initial-api-key");
  Setting("workers", c.workers, "Processing threads")->check(CLI::Range(1, 256));
  Setting("log-format", c.log_format, "json (one JSON object per line) or text, on stdout")
      ->check(CLI::IsMember({"json", "text"}));
  Setting("metrics-token", c.metrics_token,
          "When set, GET /metrics needs `Authorization: Bearer <token>`");
  Setting("state", c.state,
          "Where the catalog, journal, items and logs live: sqlite (in the data directory) or "
          "postgres://USER:PASSWORD@HOST:PORT/DATABASE, shared by several nodes");
  Setting("node-name", c.node_name, "This node's name in a shared state (default: the host name)");
  Setting("node-timeout-seconds", c.node_timeout_seconds,
          "In a shared state, how long a silent node keeps the work it claimed");
  Setting("blob-store", c.blob_store,
          "Where file containers live: local (encrypted files in the data directory) or "
          "s3://BUCKET[/PREFIX][?endpoint=URL&region=R&path_style=true]");
  // The S3 credentials are read from AWS's usual variables, as every S3 tool does.
  Setting("s3-access-key-id", c.s3_credentials.access_key_id, "S3 access key id")
      ->envname("AWS_ACCESS_KEY_ID");
  Setting("s3-secret-access-key", c.s3_credentials.secret_access_key, "S3 secret access key")
      ->envname("AWS_SECRET_ACCESS_KEY");
  Setting("s3-session-token", c.s3_credentials.session_token,
          "S3 session token, with temporary credentials")
      ->envname("AWS_SESSION_TOKEN");
  Setting("max-container-bytes", c.max_container_bytes, "Largest file container upload");
  Setting("max-request-bytes", c.max_request_bytes, "Largest JSON request body (413 above)");
  Setting("container-ttl-seconds", c.container_ttl_seconds, "How long an uploadUri stays valid")
      ->check(CLI::Range(int64_t{1}, int64_t{604800}));
  Setting("rate-limit", c.rate_limit,
          "Push API requests per second per API key; 429 above (0: no limit)");
  Setting("rate-burst", c.rate_burst,
          "Requests an API key may send at once before --rate-limit applies");
  Setting("max-pending-operations", c.max_pending_operations,
          "Journal backlog above which Push API calls get 429 and /readyz is unready (0: no "
          "limit)");
  Setting("auth-failure-limit", c.auth_failure_limit,
          "Requests with a refused API key or token per minute per client address; 429 above "
          "(0: no limit)");
  Setting("max-text-bytes", c.max_text_bytes,
          "Text kept of one item; the rest is cut and the item marked truncated");
  Setting("extract-cpu-seconds", c.extract_limits.cpu_seconds,
          "CPU time the child reading one PDF or Office file may use");
  Setting("extract-memory-bytes", c.extract_limits.memory_bytes,
          "Address space the child reading one PDF or Office file may use");
  Setting("extract-timeout-ms", c.extract_limits.wall_ms,
          "Wall-clock time the child reading one PDF or Office file may take");
  Setting("header-timeout-seconds", c.header_timeout_seconds,
          "A request header must arrive within this time, or the connection is closed")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  Setting("body-timeout-seconds", c.body_timeout_seconds,
          "Longest pause within a request body; also the grace period before "
          "--min-body-bytes-per-second applies")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  Setting("min-body-bytes-per-second", c.min_body_bytes_per_second,
          "Slowest average rate a request body may arrive at after its grace period "
          "(0: no rate rule)");
  Setting("min-free-bytes", c.min_free_bytes,
          "Free space the data directory's disk needs for /readyz to be ready");
  Setting("shutdown-timeout-seconds", c.shutdown_timeout_seconds,
          "On SIGTERM, how long requests under way may take to finish")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  serve_
      ->add_flag("--ignore-queue-delay", c.ignore_queue_delay,
                 "Run documents/olderthan at once instead of after its queueDelay")
      ->envname("SLUICE_IGNORE_QUEUE_DELAY")
      ->default_str("false");
}

bool ServeCommand::Chosen() const { return serve_->parsed(); }

std::vector<std::string> ServeCommand::LoadConfigFile(int argc, const char* const* argv,
                                                      const std::string& config_from_environment) {
  std::string path = ConfigFlag(argc, argv);
  if (path.empty()) path = config_from_environment;
  if (path.empty()) return {};
  auto text = base::ReadFile(path);
  if (!text.ok()) return {"cannot read the config file " + path + ": " + text.status().message()};
  std::vector<std::string> mistakes;
  for (const base::KeyValueLine& line : base::ParseKeyValueLines(*text)) {
    std::string where = path + ":" + std::to_string(line.number) + ": ";
    if (!line.has_equals) {
      mistakes.push_back(
          where.append("expected `key = value`, got `").append(line.text).append("`"));
      continue;
    }
    CLI::Option* option = serve_->get_option_no_throw("--" + line.key);
    if (option == nullptr || !IsSetting(*option)) {
      mistakes.push_back(
          where.append("unknown setting `")
              .append(line.key)
              .append("` (sluice serve --help lists them; keys are the flags' names)"));
      continue;
    }
    try {
      option->default_val(line.value);
    } catch (const CLI::Error& e) {
      mistakes.push_back(
          where.append(line.key).append(" = ").append(line.value).append(": ").append(e.what()));
    }
  }
  return mistakes;
}

std::string ServeCommand::EffectiveConfig() const {
  std::string out;
  for (const CLI::Option* option : serve_->get_options()) {
    if (!IsSetting(*option)) continue;
    const std::string name = option->get_single_name();
    std::string value = option->get_default_str();
    if (option->count() > 0) value = option->results().back();
    if (IsSecret(name) && !value.empty()) value = "(set, not shown)";
    if (name == "state") value = RedactUriPassword(value);
    out.append(name).append(" = ").append(value).append("\n");
  }
  return out;
}

}  // namespace sluice::app
