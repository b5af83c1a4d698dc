#include "extract/html_elements.h"

#include <array>

namespace sluice::extract::internal {
namespace {

// The priorities are libxml2's (htmlEndPriority); elements not listed have 100.
constexpr std::array<ElementInfo, 110> kElements = {{
    {"a", kAnchor, ContentModel::kData, 100, 0, 0},
    {"address", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"annotation-xml", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"area", kVoid, ContentModel::kData, 100, 0, 0},
    {"article", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"aside", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"b", kBreakout, ContentModel::kData, 100, 0, 0},
    {"base", kVoid, ContentModel::kData, 100, 0, 0},
    {"basefont", kVoid, ContentModel::kData, 100, 0, 0},
    {"bgsound", kVoid, ContentModel::kData, 100, 0, 0},
    {"big", kBreakout, ContentModel::kData, 100, 0, 0},
    {"blockquote", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"body", kBlock | kBreakout | kDocument, ContentModel::kData, 100, 0, 0},
    {"br", kBlock | kVoid | kBreakout, ContentModel::kData, 100, 0, 0},
    {"button", kBlock, ContentModel::kData, 100, 0, 0},
    {"caption", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"center", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"code", kBreakout, ContentModel::kData, 100, 0, 0},
    {"col", kBlock | kVoid, ContentModel::kData, 100, 0, 0},
    {"dd", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph | kDefinition,
     kDefinition},
    {"desc", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"details", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"dialog", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"dir", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"div", kBlock | kBreakout, ContentModel::kData, 150, kClosesParagraph, 0},
    {"dl", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"dt", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph | kDefinition,
     kDefinition},
    {"em", kBreakout, ContentModel::kData, 100, 0, 0},
    {"embed", kVoid | kBreakout, ContentModel::kData, 100, 0, 0},
    {"fieldset", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"figcaption", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"figure", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"footer", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"foreignobject", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"form", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"frame", kBlock | kVoid, ContentModel::kData, 100, 0, 0},
    {"frameset", kBlock, ContentModel::kData, 100, 0, 0},
    {"h1", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"h2", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"h3", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"h4", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"h5", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"h6", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"head", kBreakout | kDocument, ContentModel::kData, 100, 0, 0},
    {"header", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"hgroup", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"hr", kBlock | kVoid | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"html", kBlock | kDocument, ContentModel::kData, 100, 0, 0},
    {"i", kBreakout, ContentModel::kData, 100, 0, 0},
    {"iframe", kHidden, ContentModel::kRawtext, 100, 0, 0},
    {"img", kBlock | kVoid | kBreakout, ContentModel::kData, 100, 0, 0},
    {"input", kBlock | kVoid, ContentModel::kData, 100, 0, 0},
    {"keygen", kVoid, ContentModel::kData, 100, 0, 0},
    {"label", kBlock, ContentModel::kData, 100, 0, 0},
    {"legend", kBlock, ContentModel::kData, 100, 0, 0},
    {"li", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph | kListItem, kListItem},
    {"link", kVoid, ContentModel::kData, 100, 0, 0},
    {"listing", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"main", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"math", kForeignRoot, ContentModel::kData, 100, 0, 0},
    {"menu", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"meta", kVoid | kBreakout | kMeta, ContentModel::kData, 100, 0, 0},
    {"mi", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"mn", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"mo", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"ms", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"mtext", kIntegrationPoint, ContentModel::kData, 100, 0, 0},
    {"nav", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"nobr", kBreakout, ContentModel::kData, 100, 0, 0},
    {"noscript", kHidden, ContentModel::kRawtext, 100, 0, 0},
    {"ol", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"optgroup", kBlock, ContentModel::kData, 100, kOptionGroup, kOptionGroup},
    {"option", kBlock, ContentModel::kData, 100, kOption, kOption | kOptionGroup},
    {"p", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, kClosesParagraph},
    {"param", kVoid, ContentModel::kData, 100, 0, 0},
    {"plaintext", kBlock, ContentModel::kPlaintext, 100, kClosesParagraph, 0},
    {"pre", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"ruby", kBreakout, ContentModel::kData, 100, 0, 0},
    {"s", kBreakout, ContentModel::kData, 100, 0, 0},
    {"script", kHidden, ContentModel::kScriptData, 100, 0, 0},
    {"search", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"section", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"select", kBlock, ContentModel::kData, 100, 0, 0},
    {"small", kBreakout, ContentModel::kData, 100, 0, 0},
    {"source", kVoid, ContentModel::kData, 100, 0, 0},
    {"span", kBreakout, ContentModel::kData, 100, 0, 0},
    {"strike", kBreakout, ContentModel::kData, 100, 0, 0},
    {"strong", kBreakout, ContentModel::kData, 100, 0, 0},
    {"style", kHidden, ContentModel::kRawtext, 100, 0, 0},
    {"sub", kBreakout, ContentModel::kData, 100, 0, 0},
    {"summary", kBlock, ContentModel::kData, 100, kClosesParagraph, 0},
    {"sup", kBreakout, ContentModel::kData, 100, 0, 0},
    {"svg", kHidden | kForeignRoot, ContentModel::kData, 100, 0, 0},
    {"table", kBlock | kBreakout, ContentModel::kData, 190, kClosesParagraph, 0},
    {"tbody", kBlock, ContentModel::kData, 180, kClosesParagraph | kTableSection, kTableSection},
    {"td", kBlock, ContentModel::kData, 160, kClosesParagraph | kCell,
     kCell | kRow | kTableSection},
    {"template", kHidden, ContentModel::kData, 100, 0, 0},
    {"textarea", kBlock, ContentModel::kRcdata, 100, 0, 0},
    {"tfoot", kBlock, ContentModel::kData, 180, kClosesParagraph | kTableSection, kTableSection},
    {"th", kBlock, ContentModel::kData, 160, kClosesParagraph | kCell,
     kCell | kRow | kTableSection},
    {"thead", kBlock, ContentModel::kData, 180, kClosesParagraph | kTableSection, kTableSection},
    {"title", kTitle | kIntegrationPoint, ContentModel::kRcdata, 100, 0, 0},
    {"tr", kBlock, ContentModel::kData, 170, kClosesParagraph | kRow, kRow | kTableSection},
    {"track", kVoid, ContentModel::kData, 100, 0, 0},
    {"tt", kBreakout, ContentModel::kData, 100, 0, 0},
    {"u", kBreakout, ContentModel::kData, 100, 0, 0},
    {"ul", kBlock | kBreakout, ContentModel::kData, 100, kClosesParagraph, 0},
    {"var", kBreakout, ContentModel::kData, 100, 0, 0},
    {"wbr", kVoid, ContentModel::kData, 100, 0, 0},
    {"xmp", kBlock, ContentModel::kRawtext, 100, kClosesParagraph, 0},
}};

constexpr uint32_t HashName(std::string_view name) {
  uint32_t hash = 2166136261u;  // FNV-1a, as HtmlTag::hash
  for (char c : name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

// Open addressing by name hash, built at compile time.
constexpr size_t kSlots = 512;
constexpr std::array<int16_t, kSlots> kIndex = [] {
  std::array<int16_t, kSlots> slots{};
  for (int16_t& slot : slots) slot = -1;
  for (size_t i = 0; i < kElements.size(); ++i) {
    size_t slot = HashName(kElements[i].name) % kSlots;
    while (slots[slot] >= 0) slot = (slot + 1) % kSlots;
    slots[slot] = static_cast<int16_t>(i);
  }
  return slots;
}();

// Names are short: comparing them in place is faster than calling memcmp.
bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

const ElementInfo* Find(std::string_view name, uint32_t hash) {
  for (size_t slot = hash % kSlots; kIndex[slot] >= 0; slot = (slot + 1) % kSlots) {
    const ElementInfo& element = kElements[static_cast<size_t>(kIndex[slot])];
    if (SameName(element.name, name)) return &element;
  }
  return nullptr;
}

}  // namespace

const ElementInfo* FindElement(const HtmlTag& tag) {
  return tag.long_name ? nullptr : Find(tag.name(), tag.hash);
}

const ElementInfo* FindElement(std::string_view lower_case_name) {
  return Find(lower_case_name, HashName(lower_case_name));
}

size_t ElementCount() { return kElements.size(); }

size_t ElementIndex(const ElementInfo& element) {
  return static_cast<size_t>(&element - kElements.data());
}

}  // namespace sluice::extract::internal
