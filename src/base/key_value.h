// The `key = value` lines of a settings file (the client's ~/.config/sluice/config and
// `sluice serve --config`): blank lines and lines starting with # say nothing; keys and values
// lose the spaces and tabs around them. What each key means is the reader's business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::base {

struct KeyValueLine {
  int number = 0;           // from 1
  std::string text;         // the whole line, trimmed
  bool has_equals = false;  // false: a line that is not `key = value` (key and value empty)
  std::string key;
  std::string value;
};

// Every line of `text` that is neither blank nor a comment, in order.
std::vector<KeyValueLine> ParseKeyValueLines(std::string_view text);

}  // namespace sluice::base
