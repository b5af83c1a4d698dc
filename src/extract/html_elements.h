// What text extraction knows about HTML elements: which separate words, which hide
// their content, which have no end tag, how their content is tokenized, and the few
// rules that close elements whose end tag a page left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "extract/html_tokenizer.h"

namespace sluice::extract::internal {

enum ElementFlags : uint16_t {
  kBlock = 1 << 0,             // starts a new line or box in a browser: its edges separate words
  kHidden = 1 << 1,            // its content is not shown as page text
  kVoid = 1 << 2,              // has no content and no end tag (<br>, <img> ...)
  kBreakout = 1 << 3,          // its start tag leaves SVG or MathML content
  kForeignRoot = 1 << 4,       // <svg>, <math>: what they contain is not HTML
  kIntegrationPoint = 1 << 5,  // inside SVG or MathML, holds HTML again (<foreignObject> ...)
  kDocument = 1 << 6,          // <html>, <head>, <body>: implied, never nested
  kTitle = 1 << 7,
  kMeta = 1 << 8,
  kAnchor = 1 << 9,  // <a>: a new one closes the one still open
};

// Groups of start tags that close an element left open on top of the stack (the end
// tags pages most often leave out): <p> before a block, <li> before the next <li> ...
enum CloseGroups : uint8_t {
  kClosesParagraph = 1 << 0,
  kListItem = 1 << 1,
  kDefinition = 1 << 2,
  kOption = 1 << 3,
  kOptionGroup = 1 << 4,
  kCell = 1 << 5,
  kRow = 1 << 6,
  kTableSection = 1 << 7,
};

struct ElementInfo {
  std::string_view name;
  uint16_t flags = 0;
  ContentModel content = ContentModel::kData;
  // An end tag does not close elements of a higher priority that are open inside the
  // one it names (libxml2's rule: </span> does not close a <div>, </div> not a <td>).
  uint8_t priority = 100;
  uint8_t closes = 0;     // CloseGroups this start tag belongs to
  uint8_t closed_by = 0;  // CloseGroups whose start tags close this element when on top
};

// The elements above, by lower-case name; nullptr for any other element.
const ElementInfo* FindElement(const HtmlTag& tag);
const ElementInfo* FindElement(std::string_view lower_case_name);
// The number of known elements, and the index of one of them (for per-element tables).
size_t ElementCount();
size_t ElementIndex(const ElementInfo& element);

}  // namespace sluice::extract::internal
