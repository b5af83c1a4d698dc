// `sluice`: one binary, several subcommands: `serve`, and the client commands (`push`, `delete`,
// `status`, `search`, `logs`, `sources`).
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <CLI/CLI.hpp>

#include "app/server.h"
#include "client/commands.h"
#include "extract/sandbox.h"

namespace {

int Serve(const sluice::app::ServeConfig& config) {
  // Block the stop signals before any thread starts, so all threads inherit
  // the mask and sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = sluice::app::Server::Open(config);
  if (!server.ok()) {
    std::fprintf(stderr, "sluice: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (auto s = (*server)->Start(); !s.ok()) {
    std::fprintf(stderr, "sluice: %s\n", s.ToString().c_str());
    return 1;
  }
  const auto& boot = (*server)->bootstrap();
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  std::string base = "http://" + host + ":" + std::to_string((*server)->port());
  std::printf("Sluice listening on %s\n", base.c_str());
  std::printf("  organization:    %s\n", boot.organization_id.c_str());
  std::printf("  source:          %s\n", boot.source_id.c_str());
  if (boot.new_api_key) {
    std::printf("  API key:         %s  (shown once; stored hashed)\n", boot.new_api_key->c_str());
  } else if (boot.api_key_from_env) {
    std::printf("  API key:         from SLUICE_API_KEY\n");
  } else {
    std::printf("  API key:         already created earlier (stored hashed)\n");
  }
  std::printf("  Push API:        %s/push/v1/organizations/%s/sources/%s/documents\n", base.c_str(),
              boot.organization_id.c_str(), boot.source_id.c_str());
  std::printf("  File containers: %s/push/v1/organizations/%s/files\n", base.c_str(),
              boot.organization_id.c_str());
  std::printf("  Search API:      %s/rest/search/v2\n", base.c_str());
  std::printf("  Content Browser: %s/\n", base.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::printf("sluice: stopping\n");
  std::fflush(stdout);
  (*server)->Stop();
  return 0;
}

// The variables the client commands read; read here, before any thread exists, so that getenv
// cannot race a setenv.
sluice::client::Environment ReadClientEnvironment() {
  auto get = [](const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    return std::string(value != nullptr ? value : "");
  };
  sluice::client::Environment env;
  env.url = get("SLUICE_URL");
  env.platform_url = get("SLUICE_PLATFORM_URL");
  env.api_key = get("SLUICE_API_KEY");
  env.org = get("SLUICE_ORG");
  env.source = get("SLUICE_SOURCE");
  env.home = get("HOME");
  env.xdg_config_home = get("XDG_CONFIG_HOME");
  env.xdg_state_home = get("XDG_STATE_HOME");
  env.tmpdir = get("TMPDIR");
  env.stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  winsize size{};
  if (env.stderr_is_terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    env.terminal_width = size.ws_col;
  }
  return env;
}

int Main(int argc, char** argv) {
  // The extraction child the server starts for PDF and Office files (extract/sandbox.h); not a
  // command for people, so not in --help.
  if (argc >= 2 && std::string_view(argv[1]) == "extract-child") {
    return sluice::extract::RunExtractChild(argc, argv);
  }
  CLI::App app{"Sluice: a self-hosted, Coveo Push API compatible ingestion and search server"};
  app.require_subcommand(1);
  sluice::app::ServeConfig config;
  // Read before any thread exists, so getenv cannot race a setenv.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* key = std::getenv("SLUICE_API_KEY"); key != nullptr && *key != '\0') {
    config.api_key = key;
  }
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  serve->add_option("--data-dir", config.data_dir, "Data directory")->capture_default_str();
  serve
      ->add_option("--listen", config.listen,
                   "HOST:PORT to listen on (port 0 picks a free port; needs --public-url)")
      ->capture_default_str();
  serve->add_option("--public-url", config.public_url,
                    "Base URL clients reach this server at; signed into upload URIs "
                    "(default: http://<listen>)");
  serve->add_option("--workers", config.workers, "Processing threads")->capture_default_str();
  serve
      ->add_option("--max-container-bytes", config.max_container_bytes,
                   "Largest file container upload")
      ->capture_default_str();
  serve
      ->add_option("--max-request-bytes", config.max_request_bytes,
                   "Largest JSON request body (413 above)")
      ->capture_default_str();
  serve
      ->add_option("--container-ttl-seconds", config.container_ttl_seconds,
                   "How long an uploadUri stays valid")
      ->capture_default_str();
  serve
      ->add_option("--rate-limit", config.rate_limit,
                   "Push API requests per second per API key; 429 above (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--rate-burst", config.rate_burst,
                   "Requests an API key may send at once before --rate-limit applies")
      ->capture_default_str();
  serve
      ->add_option("--max-pending-operations", config.max_pending_operations,
                   "Journal backlog above which Push API calls get 429 (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--auth-failure-limit", config.auth_failure_limit,
                   "Requests with a refused API key or token per minute per client address; "
                   "429 above (0: no limit)")
      ->capture_default_str();
  serve
      ->add_option("--max-text-bytes", config.max_text_bytes,
                   "Text kept of one item; the rest is cut and the item marked truncated")
      ->capture_default_str();
  serve
      ->add_option("--extract-cpu-seconds", config.extract_limits.cpu_seconds,
                   "CPU time the child reading one PDF or Office file may use")
      ->capture_default_str();
  serve
      ->add_option("--extract-memory-bytes", config.extract_limits.memory_bytes,
                   "Address space the child reading one PDF or Office file may use")
      ->capture_default_str();
  serve
      ->add_option("--extract-timeout-ms", config.extract_limits.wall_ms,
                   "Wall-clock time the child reading one PDF or Office file may take")
      ->capture_default_str();
  serve
      ->add_option("--header-timeout-seconds", config.header_timeout_seconds,
                   "A request header must arrive within this time, or the connection is closed")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}))
      ->capture_default_str();
  serve
      ->add_option("--body-timeout-seconds", config.body_timeout_seconds,
                   "Longest pause within a request body; also the grace period before "
                   "--min-body-bytes-per-second applies")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}))
      ->capture_default_str();
  serve
      ->add_option("--min-body-bytes-per-second", config.min_body_bytes_per_second,
                   "Slowest average rate a request body may arrive at after its grace period "
                   "(0: no rate rule)")
      ->capture_default_str();
  serve->add_flag("--ignore-queue-delay", config.ignore_queue_delay,
                  "Run documents/olderthan at once instead of after its queueDelay");
  sluice::client::Commands client_commands(app, ReadClientEnvironment());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line a person can act on, and exit code 2 as command-line tools do for usage errors.
    std::fprintf(stderr, "sluice: %s (sluice --help lists the commands and options)\n", e.what());
    return 2;
  }
  if (serve->parsed()) return Serve(config);
  return client_commands.Run();
}

}  // namespace

int main(int argc, char** argv) {
  // CLI11 reports bad flags by exception; nothing else below throws.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice: %s\n", e.what());
    return 1;
  }
}
