// `sluice`: one binary, several subcommands: `serve`, and the client commands (`push`, `delete`,
// `status`, `search`, `logs`, `sources`).
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/backup.h"
#include "app/serve_command.h"
#include "app/server.h"
#include "client/commands.h"
#include "client/http_client.h"
#include "extract/sandbox.h"

#include <systemd/sd-daemon.h>

namespace {

using sluice::app::BootstrapInfo;
using sluice::telemetry::Logger;

// Tells systemd (Type=notify) how the service is doing; a no-op when not started by systemd.
void Notify(const std::string& state) { (void)sd_notify(0, state.c_str()); }

// What the operator needs once the server listens: where to push, search and browse, and
// where the first API key is. The key itself goes to the terminal only, never into a log.
void Announce(sluice::app::Server& server, const sluice::app::ServeConfig& config,
              bool stdout_is_terminal) {
  const BootstrapInfo& boot = server.bootstrap();
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  const std::string base = "http://" + host + ":" + std::to_string(server.port());
  const std::string org = base + "/push/v1/organizations/" + boot.organization_id;
  const std::string push_api = org + "/sources/" + boot.source_id + "/documents";
  std::string key = "created earlier (stored hashed)";
  if (boot.new_api_key) {
    key = "generated, in " + boot.new_api_key_file.string() + " (stored hashed)";
  } else if (boot.api_key_from_config) {
    key = "from the settings (--api-key, SLUICE_API_KEY or the config file)";
  }
  if (config.log_format == "json") {
    server.logger().Info("Sluice listening on " + base, {{"url", base},
                                                         {"organization", boot.organization_id},
                                                         {"source", boot.source_id},
                                                         {"apiKey", key},
                                                         {"pushApi", push_api},
                                                         {"fileContainers", org + "/files"},
                                                         {"searchApi", base + "/rest/search/v2"},
                                                         {"contentBrowser", base + "/"}});
    return;
  }
  if (boot.new_api_key && stdout_is_terminal) {
    key = *boot.new_api_key + "  (shown once here; also in " + boot.new_api_key_file.string() + ")";
  }
  std::printf("Sluice listening on %s\n", base.c_str());
  std::printf("  organization:    %s\n", boot.organization_id.c_str());
  std::printf("  source:          %s\n", boot.source_id.c_str());
  std::printf("  API key:         %s\n", key.c_str());
  std::printf("  Push API:        %s\n", push_api.c_str());
  std::printf("  File containers: %s/files\n", org.c_str());
  std::printf("  Search API:      %s/rest/search/v2\n", base.c_str());
  std::printf("  Content Browser: %s/\n", base.c_str());
  std::fflush(stdout);
}

// Waits for SIGINT or SIGTERM, telling systemd's watchdog every half of its interval that the
// server is alive meanwhile. Returns the signal.
int WaitForStopSignal(const sigset_t& stop_signals) {
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0;
  const uint64_t wait_usec = watchdog ? watchdog_usec / 2 : uint64_t{3600} * 1000000;
  for (;;) {
    timespec wait{static_cast<time_t>(wait_usec / 1000000),
                  static_cast<long>((wait_usec % 1000000) * 1000)};
    const int signal_number = sigtimedwait(&stop_signals, nullptr, &wait);
    if (signal_number > 0) return signal_number;
    if (watchdog) Notify("WATCHDOG=1");
  }
}

int Serve(const sluice::app::ServeConfig& config, bool stdout_is_terminal) {
  const sluice::client::CurlLibrary curl;  // before any thread: the S3 blob store uses libcurl
  // Block the stop signals before any thread starts, so all threads inherit
  // the mask and sigtimedwait below receives them.
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
  Logger& logger = (*server)->logger();
  if (auto s = (*server)->Start(); !s.ok()) {
    logger.Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  Announce(**server, config, stdout_is_terminal);
  Notify("READY=1\nSTATUS=serving on port " + std::to_string((*server)->port()));

  const int signal_number = WaitForStopSignal(stop_signals);
  logger.Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
                           {"shutdownTimeoutSeconds", config.shutdown_timeout_seconds}});
  Notify("STOPPING=1");
  // A pipeline step (a large PDF in the extraction child) may outlast the requests; the
  // journal keeps what it did not finish, so past a bound the process leaves without it.
  const auto bound = std::chrono::seconds(config.shutdown_timeout_seconds + 30);
  std::thread([bound, &logger] {
    std::this_thread::sleep_for(bound);
    logger.Error("stop took too long; exiting with the unfinished work left in the journal",
                 {{"waitedSeconds", static_cast<int64_t>(bound.count())}});
    std::_Exit(1);
  }).detach();
  (*server)->Stop();
  logger.Info("stopped");
  return 0;
}

int Restore(const std::string& backup, const std::string& data_dir) {
  auto restored = sluice::app::RestoreBackup(backup, data_dir);
  if (!restored.ok()) {
    std::fprintf(stderr, "sluice: restore: %s\n", restored.status().message().c_str());
    return 1;
  }
  std::printf(
      "restored %llu files (%llu bytes) into %s; start it with: sluice serve --data-dir %s\n",
      static_cast<unsigned long long>(restored->files),
      static_cast<unsigned long long>(restored->bytes), data_dir.c_str(), data_dir.c_str());
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
  sluice::app::ServeCommand serve(app);
  // Read before any thread exists, so getenv cannot race a setenv.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  const char* config_env = std::getenv("SLUICE_CONFIG");
  const std::vector<std::string> config_mistakes =
      serve.LoadConfigFile(argc, argv, config_env != nullptr ? config_env : "");
  sluice::client::Commands client_commands(app, ReadClientEnvironment());
  CLI::App* restore = app.add_subcommand(
      "restore", "Restore a backup (sluice backup) into a new data directory; run before serving");
  std::string restore_from;
  std::string restore_into;
  restore->add_option("BACKUP", restore_from, "The backup directory")->required();
  restore->add_option("--data-dir", restore_into, "The data directory to create (absent or empty)")
      ->required();
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
  if (restore->parsed()) return Restore(restore_from, restore_into);
  if (!serve.Chosen()) return client_commands.Run();
  std::vector<std::string> mistakes = config_mistakes;
  for (std::string& m : sluice::app::ValidateServeConfig(serve.config())) {
    mistakes.push_back(std::move(m));
  }
  for (const std::string& m : mistakes) std::fprintf(stderr, "sluice: %s\n", m.c_str());
  if (!mistakes.empty()) return 2;
  if (serve.print_config()) {
    std::fputs(serve.EffectiveConfig().c_str(), stdout);
    return 0;
  }
  return Serve(serve.config(), isatty(STDOUT_FILENO) == 1);
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
