// The field values an item offers to facets, in the compact form of its facet value slot: every
// (field, value) pair of its metadata plus its source and file type. Facet counting reads this
// one slot per matching item instead of the item's stored fields.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/document.h"

namespace sluice::index {

// Values longer than this are left out of facets: they are text, not facet values, and a cut
// value would not match the item when selected.
inline constexpr size_t kMaxFacetValueBytes = 256;
// At most this many values of one field count towards facets.
inline constexpr size_t kMaxFacetValuesPerField = 100;

// The slot value for `item`.
std::string EncodeFacetValues(const IndexDocument& item);

// Calls visit(field, value) for each pair of an EncodeFacetValues output, in order; stops early
// when the text is not such an output.
template <typename Visit>
void ForEachFacetValue(std::string_view encoded, Visit&& visit);

// -- implementation details below --

namespace facet_values_internal {
// Reads one length-prefixed string off the front of `in`; false at the end or on bad input.
bool ReadString(std::string_view& in, std::string_view& out);
}  // namespace facet_values_internal

template <typename Visit>
void ForEachFacetValue(std::string_view encoded, Visit&& visit) {
  std::string_view field;
  std::string_view value;
  while (facet_values_internal::ReadString(encoded, field) &&
         facet_values_internal::ReadString(encoded, value)) {
    visit(field, value);
  }
}

}  // namespace sluice::index
