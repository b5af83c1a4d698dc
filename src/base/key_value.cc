#include "base/key_value.h"

#include "base/ascii.h"

namespace sluice::base {

std::vector<KeyValueLine> ParseKeyValueLines(std::string_view text) {
  std::vector<KeyValueLine> lines;
  int number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = TrimAsciiSpace(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    KeyValueLine parsed{number, std::string(line), false, "", ""};
    if (const size_t equals = line.find('='); equals != std::string_view::npos) {
      parsed.has_equals = true;
      parsed.key = std::string(TrimAsciiSpace(line.substr(0, equals)));
      parsed.value = std::string(TrimAsciiSpace(line.substr(equals + 1)));
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

}  // namespace sluice::base
