// ASCII case and space helpers. Protocol names, keys, field names and identity names compare
// ASCII-case-insensitively; these never touch bytes outside A-Z, so UTF-8 passes through.
#pragma once

#include <string>
#include <string_view>

namespace sluice::base {

constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = AsciiLower(c);
  return lower;
}

constexpr bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// `text` without the spaces, tabs, carriage returns and line feeds at either end (HTTP's
// optional whitespace, and what surrounds keys and values in a settings file).
constexpr std::string_view TrimAsciiSpace(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace sluice::base
