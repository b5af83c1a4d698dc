#include "index/text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "base/utf8.h"

namespace sluice::index {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kOmission = "...";

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string ValidUtf8Prefix(std::string_view text, size_t max_bytes, bool* truncated) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = base::Utf8SequenceLength(text.substr(pos));
    std::string_view piece = length > 0 ? text.substr(pos, length) : kReplacementCharacter;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    pos += length > 0 ? length : 1;
  }
  if (truncated != nullptr) *truncated = pos < text.size();
  return out;
}

size_t Utf8BoundaryAtOrBefore(std::string_view text, size_t pos) {
  if (pos >= text.size()) return text.size();
  // A character has at most three continuation bytes; anything longer is invalid anyway.
  for (size_t back = 0; back < 4 && pos > 0; ++back) {
    if (!IsContinuation(static_cast<unsigned char>(text[pos]))) return pos;
    --pos;
  }
  return pos;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (IsAsciiSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string UnescapeHtml(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {{
      {"&amp;", '&'},
      {"&lt;", '<'},
      {"&gt;", '>'},
      {"&quot;", '"'},
      {"&#39;", '\''},
  }};
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    bool replaced = false;
    if (text[pos] == '&') {
      for (const auto& [entity, character] : kEntities) {
        if (text.substr(pos, entity.size()) == entity) {
          out.push_back(character);
          pos += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(text[pos++]);
  }
  return out;
}

std::string ShortenAtWord(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = Utf8BoundaryAtOrBefore(text, max_bytes);
  size_t space = text.substr(0, cut + 1).rfind(' ');
  if (space != std::string_view::npos && space >= cut / 2) cut = space;
  std::string out(text.substr(0, cut));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.append(kOmission);
  return out;
}

}  // namespace sluice::index
