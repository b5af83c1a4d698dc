// The one definition of well-formed UTF-8 (RFC 3629) that validation and repair share.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice::base {

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0 when it is
// not one: overlong forms, surrogates, code points above U+10FFFF, stray continuation
// bytes and truncated sequences are not well-formed. `text` must not be empty.
size_t Utf8SequenceLength(std::string_view text);

}  // namespace sluice::base
