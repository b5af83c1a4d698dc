#include "index/facet_values.h"

#include <cstdint>

namespace sluice::index {
namespace {

// A length below 255 takes one byte; longer ones 0xff and four little-endian bytes.
void AppendString(std::string& out, std::string_view text) {
  if (text.size() < 0xff) {
    out.push_back(static_cast<char>(text.size()));
  } else {
    out.push_back(static_cast<char>(0xff));
    const auto size = static_cast<uint32_t>(text.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  }
  out.append(text);
}

void AppendField(std::string& out, std::string_view field, const std::vector<std::string>& values) {
  size_t taken = 0;
  for (const std::string& value : values) {
    if (value.empty() || value.size() > kMaxFacetValueBytes) continue;
    if (++taken > kMaxFacetValuesPerField) break;
    AppendString(out, field);
    AppendString(out, value);
  }
}

}  // namespace

namespace facet_values_internal {

bool ReadString(std::string_view& in, std::string_view& out) {
  if (in.empty()) return false;
  size_t size = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  if (size == 0xff) {
    if (in.size() < 4) return false;
    size = 0;
    for (int i = 0; i < 4; ++i) size |= static_cast<size_t>(static_cast<uint8_t>(in[i])) << (8 * i);
    in.remove_prefix(4);
  }
  if (in.size() < size) return false;
  out = in.substr(0, size);
  in.remove_prefix(size);
  return true;
}

}  // namespace facet_values_internal

std::string EncodeFacetValues(const IndexDocument& item) {
  std::string out;
  for (const auto& [name, values] : item.metadata) {
    // The item's own source and file type below speak for these names.
    if (name == "source" || name == "syssource" || name == "filetype" || name == "sysfiletype") {
      continue;
    }
    AppendField(out, name, values);
  }
  for (std::string_view name : {"source", "syssource"}) AppendField(out, name, {item.source_name});
  for (std::string_view name : {"filetype", "sysfiletype"})
    AppendField(out, name, {item.file_type});
  return out;
}

}  // namespace sluice::index
