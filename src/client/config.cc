#include "client/config.h"

#include <algorithm>
#include <array>
#include <fstream>

namespace sluice::client {
namespace {

constexpr std::array<std::string_view, 5> kKeys = {"url", "platform-url", "api-key", "org",
                                                   "source"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

base::Result<std::map<std::string, std::string>> ReadClientConfig(
    const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#') continue;
    const size_t equals = text.find('=');
    const std::string where = path.string() + ":" + std::to_string(number);
    if (equals == std::string_view::npos) {
      return base::InvalidArgument(where + ": expected 'key = value'");
    }
    const std::string key(Trim(text.substr(0, equals)));
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      std::string message = where;
      message.append(": unknown key '")
          .append(key)
          .append("' (known: url, platform-url, api-key, org, source)");
      return base::InvalidArgument(std::move(message));
    }
    out[key] = std::string(Trim(text.substr(equals + 1)));
  }
  return out;
}

std::filesystem::path DefaultConfigPath(std::string_view home, std::string_view xdg_config_home) {
  if (!xdg_config_home.empty()) return std::filesystem::path(xdg_config_home) / "sluice" / "config";
  if (!home.empty()) return std::filesystem::path(home) / ".config" / "sluice" / "config";
  return {};
}

}  // namespace sluice::client
