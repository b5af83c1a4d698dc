// UTF-8 and excerpt helpers for the index: stored text and excerpts must be valid UTF-8
// (they end up in JSON responses) and must never end in the middle of a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::index {

// A valid UTF-8 copy of at most `max_bytes` bytes of `text`: invalid bytes become U+FFFD and
// the copy stops before a character that would not fit. Sets *truncated when text was cut.
std::string ValidUtf8Prefix(std::string_view text, size_t max_bytes, bool* truncated);

// The largest position <= pos (and <= text.size()) that does not split a UTF-8 character.
size_t Utf8BoundaryAtOrBefore(std::string_view text, size_t pos);

// Turns every run of ASCII whitespace into one space and trims both ends.
std::string CollapseWhitespace(std::string_view text);

// Undoes the HTML escaping that Xapian's snippet generator applies (&amp; &lt; &gt; and quotes).
std::string UnescapeHtml(std::string_view text);

// Shortens text to at most max_bytes plus the "..." marker it appends when it cuts; cuts at the
// last space when there is one in the second half, else at a character boundary.
std::string ShortenAtWord(std::string_view text, size_t max_bytes);

}  // namespace sluice::index
