// Character references in HTML text: named ones come from libxml2's HTML 4 entity
// table (so Sluice keeps no table of its own), numeric ones follow the HTML standard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::extract::internal {

// The longest entity name in libxml2's table ("thetasym").
constexpr size_t kMaxEntityNameBytes = 8;

// The code point of the named reference `name` ("eacute" for &eacute;), or 0 when
// libxml2's table does not have it. Case matters, as in HTML.
char32_t NamedReference(std::string_view name);

// Browsers also read the references of HTML 2 and 3.2 (&amp &lt &gt &quot, the Latin-1
// letters and signs such as &eacute &copy &nbsp, and &AMP &LT &GT &QUOT &COPY &REG)
// without their ';'. The longest prefix of `name` that is one of them, if any.
struct LegacyReference {
  size_t length = 0;  // 0: no prefix is one
  char32_t code_point = 0;
};
LegacyReference LongestLegacyReference(std::string_view name);

// What &#value; stands for: 0, surrogates and values above U+10FFFF become U+FFFD and
// 0x80-0x9F are read as windows-1252, as browsers do.
char32_t NumericReference(uint32_t value);

}  // namespace sluice::extract::internal
