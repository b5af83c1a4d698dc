// Reading metadata values as the numbers of typed fields: integers, decimals and the date
// patterns Coveo accepts for DATE fields. Pure functions; used when indexing (sortable value
// slots), when searching (@field>value) and when showing results (numbers in `raw`).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "index/document.h"

namespace sluice::index {

// The kind of a catalog field type ("LONG", "LONG_64", "DOUBLE", "DATE"); kString for "STRING",
// "VECTOR" and anything else. Case-insensitive.
FieldKind FieldKindFromType(std::string_view type);

// True for the kinds that get a sortable number.
bool IsNumericKind(FieldKind kind);

// Epoch milliseconds (UTC) of a date in one of these forms, surrounding blanks ignored:
//   2002-01-31T11:53:12Z, 2002-01-31 11:53:12.999Z, 2002-01-31T11:53:12+02:00, 2002-01-31
//   2002/01/31 11:53:12 (also 2002/01/31@11:53:12, as Coveo query syntax writes it)
//   Sun, 06 Nov 1994 08:49:37 GMT (RFC 1123), 1 Sep 85 09:54:48 GMT (RFC 822)
//   Sunday, 06-Nov-94 08:49:37 GMT and Mon, 01-Jan-70 12:00:00 GMT (RFC 850)
//   Sunday, 02/17/02 20:01:03 EST (month/day/year)
//   Sun Nov 27 08:49:37 1994 (asctime), Nov 29 2002 7:30PM
//   1376092475000 (epoch milliseconds)
// A date without a zone is UTC. Two-digit years below 50 are 20xx, the others 19xx. Zones are
// Z, GMT, UT, UTC, +hh:mm, +hhmm, +hh and the North American EST/EDT, CST/CDT, MST/MDT,
// PST/PDT. The weekday, when given, is not checked against the date.
std::optional<int64_t> ParseDateMs(std::string_view text);

// A date relative to `now_ms`, as Coveo's query syntax writes them: "now", "today" (midnight
// UTC), "yesterday", each optionally followed by +N or -N and a unit: s, m (minutes), h, d, w,
// mo (calendar months) or y (calendar years), e.g. "today-7d", "now+1h", "today-1mo".
// Case-insensitive; nullopt for anything else.
std::optional<int64_t> ParseRelativeDateMs(std::string_view text, int64_t now_ms);

// A decimal number ("12", "-3.5", "1e3", "5.5E0"); nullopt unless the whole text is one.
std::optional<double> ParseDecimal(std::string_view text);

// The number a value of a field of this kind stands for: an integer for kLong and kLong64 (the
// text may be written as a decimal, "5E0", as JSON serialises a double), any finite number
// for kDouble, ParseDateMs for kDate. nullopt for kString and for text that does not read as
// the kind. Integers beyond 2^53 lose precision: value slots hold doubles.
std::optional<double> ParseFieldNumber(FieldKind kind, std::string_view text);

// A value on the right of a numeric comparison in a query, whatever the field's kind: a
// decimal number, else a date (ParseDateMs).
std::optional<double> ParseQueryNumber(std::string_view text);

}  // namespace sluice::index
