// Coveo field expressions in a query: "@author==bob", "@price>=5", "@date==2020-01-01..2020-12-31"
// and friends. They are cut out of the query text and each replaced by a placeholder that the
// query parser in search.cc turns back into the expression's Xapian query, so the words,
// phrases, AND / OR / NOT and parentheses around them keep their meaning.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/field_schema.h"

namespace Xapian {
class Query;
}

namespace sluice::index {

enum class FieldOperator {
  kPresent,         // @f
  kEqual,           // @f==v, @f=v, @f==(a,b): any of the values, case-insensitive
  kNotEqual,        // @f<>v, @f<>(a,b): none of them (items without the field included)
  kGreater,         // @f>n
  kGreaterOrEqual,  // @f>=n
  kLess,            // @f<n
  kLessOrEqual,     // @f<=n
  kRange,           // @f==a..b: a <= value <= b
};

struct FieldExpression {
  std::string name;  // lower case
  FieldOperator op = FieldOperator::kPresent;
  // kEqual, kNotEqual: the values (unquoted); comparisons: one; kRange: low and high.
  std::vector<std::string> values;
};

struct FieldQueryText {
  // The query with expression i replaced by "<placeholder>:<i>".
  std::string text;
  // The query with the expressions removed: what remains for highlighting and relevance.
  std::string words;
  std::vector<FieldExpression> expressions;
  // Empty, or what is wrong with the first text that starts like a field expression (an "@",
  // a field name and an operator) but is not one, and where it is. Such text stays in `text`.
  std::string error;
};

// Cuts the field expressions out of `query`. An "@" starts one where a word could start (at the
// start, after a blank, "(", "+" or "-") outside double quotes and when a field name follows
// (letters, digits, "_"; folded to lower case). Values are "quoted" (no escapes) or run to
// the next blank or ")"; a list is (a, "b c", d). Comparisons and ranges need numbers or dates.
// Anything that does not form an expression ("@" alone, "@f==" with no value) stays in the
// text as typed, and `error` describes the first of those that has a field and an operator.
// Comparisons and ranges also take dates relative to `now_ms` ("@date>=today-7d", see
// ParseRelativeDateMs), which the returned expressions hold as epoch ms.
FieldQueryText ExtractFieldExpressions(std::string_view query, std::string_view placeholder,
                                       int64_t now_ms);

// True when `words` (FieldQueryText::words) holds something to search for besides the
// operators AND, OR, NOT, XOR, parentheses and "+"/"-" signs.
bool HasWords(std::string_view words);

// The query that matches the items the expression selects, weightless so that it filters
// without changing relevance. `slots` maps the names of numeric and date fields to their slot;
// comparisons and ranges on other fields match nothing.
Xapian::Query FieldExpressionQuery(const FieldExpression& expression, const FieldSlots& slots);

}  // namespace sluice::index
