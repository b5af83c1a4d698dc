// Commands: the client subcommands of `sluice` — push, delete, status, search, logs, sources.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace sluice::client {

// The environment the commands read, captured by main before any thread starts.
struct Environment {
  std::string url;           // SLUICE_URL
  std::string platform_url;  // SLUICE_PLATFORM_URL
  std::string api_key;       // SLUICE_API_KEY
  std::string org;           // SLUICE_ORG
  std::string source;        // SLUICE_SOURCE
  std::string home;          // HOME
  std::string xdg_config_home;
  std::string xdg_state_home;
  std::string tmpdir;  // TMPDIR
  bool stderr_is_terminal = false;
  int terminal_width = 80;
};

class Commands {
 public:
  // Adds the subcommands to `app`.
  Commands(CLI::App& app, Environment environment);
  ~Commands();
  Commands(const Commands&) = delete;
  Commands& operator=(const Commands&) = delete;

  // Whether one of them was chosen on the command line.
  bool Chosen() const;
  // Runs the chosen one; its exit code: 0 done, 1 something failed, 2 bad arguments.
  int Run();

  struct Flags;  // what the command line said (defined in commands.cc)

 private:
  std::unique_ptr<Flags> flags_;
  Environment environment_;
};

}  // namespace sluice::client
