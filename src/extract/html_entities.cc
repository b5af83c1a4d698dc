#include "extract/html_entities.h"

#include <array>
#include <cstring>
#include <string>

#include <libxml/HTMLparser.h>

#include "extract/charset.h"

namespace sluice::extract::internal {
namespace {

// libxml2's table is HTML 4's: 253 entities, code points up to U+2666 (&diams;).
constexpr unsigned kMaxEntityValue = 0x2800;

uint32_t HashName(std::string_view name) {
  uint32_t hash = 2166136261u;
  for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

// libxml2's htmlEntityLookup compares the name with each of its 253 entries in turn; this
// index over the same table answers in one or two probes. It is read from libxml2 by
// code point, which recovers the whole table (no two of its entities share one).
class EntityIndex {
 public:
  EntityIndex() {
    for (unsigned value = 1; value <= kMaxEntityValue; ++value) {
      const htmlEntityDesc* entity = htmlEntityValueLookup(value);
      if (entity == nullptr || entity->name == nullptr) continue;
      const std::string_view name(reinterpret_cast<const char*>(entity->name));
      if (name.size() > kMaxEntityNameBytes) continue;
      size_t slot = HashName(name) % kSlots;
      while (slots_[slot].value != 0) slot = (slot + 1) % kSlots;
      slots_[slot] = {name, entity->value};
    }
  }

  char32_t Find(std::string_view name) const {
    for (size_t slot = HashName(name) % kSlots; slots_[slot].value != 0;
         slot = (slot + 1) % kSlots) {
      if (slots_[slot].name == name) return slots_[slot].value;
    }
    return 0;
  }

 private:
  static constexpr size_t kSlots = 1024;
  struct Slot {
    std::string_view name;
    char32_t value = 0;
  };
  std::array<Slot, kSlots> slots_{};
};

const EntityIndex& Index() {
  static const EntityIndex index;  // built once, thread-safely, from libxml2's table
  return index;
}

}  // namespace

char32_t NamedReference(std::string_view name) {
  if (name.empty() || name.size() > kMaxEntityNameBytes) return 0;
  if (const char32_t value = Index().Find(name); value != 0) return value;
  // Not indexed (should libxml2's table ever hold two names for one code point).
  char terminated[kMaxEntityNameBytes + 1] = {};
  std::memcpy(terminated, name.data(), name.size());
  const htmlEntityDesc* entity = htmlEntityLookup(reinterpret_cast<const xmlChar*>(terminated));
  return entity == nullptr ? 0 : entity->value;
}

LegacyReference LongestLegacyReference(std::string_view name) {
  constexpr size_t kLongestLegacyName = 6;  // "frac12", "middot" ...
  for (size_t length = std::min(name.size(), kLongestLegacyName); length >= 2; --length) {
    const std::string_view prefix = name.substr(0, length);
    if (prefix == "AMP" || prefix == "LT" || prefix == "GT" || prefix == "QUOT" ||
        prefix == "COPY" || prefix == "REG") {
      std::string lower(prefix);
      for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
      return {length, NamedReference(lower)};
    }
    const char32_t value = NamedReference(prefix);
    const bool legacy = (value >= 0xa0 && value <= 0xff) || prefix == "amp" || prefix == "lt" ||
                        prefix == "gt" || prefix == "quot";
    if (legacy) return {length, value};
  }
  return {};
}

char32_t NumericReference(uint32_t value) {
  if (value == 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0xfffd;
  if (value >= 0x80 && value <= 0x9f)
    return Windows1252CodePoint(static_cast<unsigned char>(value));
  return value;
}

}  // namespace sluice::extract::internal
