// Unicode normalization form C for extracted text, so that "é" typed as one code point and
// "e" + combining acute accent, as some PDF and Office producers write it, index alike.
#pragma once

#include <string>

namespace sluice::extract::internal {

// Rewrites valid UTF-8 `text` in NFC. Text already in NFC (nearly all of it) is checked in
// one pass and left untouched.
void NormalizeNfc(std::string& text);

}  // namespace sluice::extract::internal
