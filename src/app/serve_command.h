// `sluice serve`'s settings. Each is a flag, an environment variable (SLUICE_ and the flag's
// name in upper case with underscores: --max-text-bytes is SLUICE_MAX_TEXT_BYTES) and a key of
// the --config file (the flag's name: `max-text-bytes = 1000`). A flag wins over the
// environment, which wins over the file, which wins over the default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/server.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sluice::app {

class ServeCommand {
 public:
  // Adds the `serve` subcommand to `app`.
  explicit ServeCommand(CLI::App& app);

  // Before app.parse(): reads the config file that --config (in argv, after `serve`) or
  // `config_from_environment` (SLUICE_CONFIG) names into the settings' defaults, so that the
  // environment and the flags parsed later override it. Returns one line per mistake (unknown
  // key, a line without '=', a value the setting refuses), each naming the file and line.
  std::vector<std::string> LoadConfigFile(int argc, const char* const* argv,
                                          const std::string& config_from_environment);

  bool Chosen() const;
  bool print_config() const { return print_config_; }
  const ServeConfig& config() const { return config_; }
  ServeConfig& config() { return config_; }
  // The effective settings as a config file would hold them, one `key = value` per line,
  // secrets masked.
  std::string EffectiveConfig() const;

 private:
  // Adds --name, bound to `value`, read from SLUICE_NAME as well.
  template <typename T>
  CLI::Option* Setting(const std::string& name, T& value, const std::string& help);

  CLI::App* serve_ = nullptr;
  ServeConfig config_;
  std::string config_path_;
  bool print_config_ = false;
};

}  // namespace sluice::app
