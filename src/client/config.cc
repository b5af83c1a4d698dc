#include "client/config.h"

#include <algorithm>
#include <array>

#include "base/fs.h"
#include "base/key_value.h"

namespace sluice::client {
namespace {

constexpr std::array<std::string_view, 5> kKeys = {"url", "platform-url", "api-key", "org",
                                                   "source"};

}  // namespace

base::Result<std::map<std::string, std::string>> ReadClientConfig(
    const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  auto text = base::ReadFile(path);
  if (!text.ok()) return out;
  for (base::KeyValueLine& line : base::ParseKeyValueLines(*text)) {
    const std::string where = path.string() + ":" + std::to_string(line.number);
    if (!line.has_equals) return base::InvalidArgument(where + ": expected 'key = value'");
    if (std::find(kKeys.begin(), kKeys.end(), line.key) == kKeys.end()) {
      std::string message = where;
      message.append(": unknown key '")
          .append(line.key)
          .append("' (known: url, platform-url, api-key, org, source)");
      return base::InvalidArgument(std::move(message));
    }
    out[line.key] = std::move(line.value);
  }
  return out;
}

std::filesystem::path DefaultConfigPath(std::string_view home, std::string_view xdg_config_home) {
  if (!xdg_config_home.empty()) return std::filesystem::path(xdg_config_home) / "sluice" / "config";
  if (!home.empty()) return std::filesystem::path(home) / ".config" / "sluice" / "config";
  return {};
}

}  // namespace sluice::client
