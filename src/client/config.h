// ClientConfig: the settings file of the client commands, ~/.config/sluice/config.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::client {

// `key = value` lines (blank lines and lines starting with # are ignored), with the keys the
// command-line flags have: url, platform-url, api-key, org, source. A missing file is empty;
// an unknown key or a line without '=' is InvalidArgument naming the file and line.
base::Result<std::map<std::string, std::string>> ReadClientConfig(
    const std::filesystem::path& path);

// $XDG_CONFIG_HOME/sluice/config, or ~/.config/sluice/config; empty when neither is known.
std::filesystem::path DefaultConfigPath(std::string_view home, std::string_view xdg_config_home);

}  // namespace sluice::client
