#include "index/field_query.h"

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include <xapian.h>

#include "base/ascii.h"
#include "index/field_value.h"
#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsNameChar(char c) { return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_'; }

bool AtWordStart(std::string_view query, size_t pos) {
  if (pos == 0) return true;
  const char before = query[pos - 1];
  return IsBlank(before) || before == '(' || before == '+' || before == '-';
}

// Where an expression may end: the end of the query, a blank or a closing parenthesis.
bool AtBoundary(std::string_view query, size_t pos) {
  return pos == query.size() || IsBlank(query[pos]) || query[pos] == ')';
}

// Reads expressions one character position at a time; each Take* advances only on success.
class ExpressionReader {
 public:
  ExpressionReader(std::string_view query, size_t pos, int64_t now_ms)
      : query_(query), pos_(pos), now_ms_(now_ms) {}

  // The expression starting at the "@" at pos, or nullopt when the text there is not one;
  // failure() then says why when the text began like an expression (a field and an operator).
  std::optional<FieldExpression> Read() {
    FieldExpression expression;
    ++pos_;  // "@"
    while (pos_ < query_.size() && IsNameChar(query_[pos_])) {
      expression.name.push_back(base::AsciiLower(query_[pos_++]));
    }
    if (expression.name.empty() || !IsAsciiLetter(expression.name.front())) return std::nullopt;
    std::optional<FieldOperator> op = TakeOperator();
    if (!op) {
      if (!AtBoundary(query_, pos_)) return std::nullopt;
      expression.op = FieldOperator::kPresent;
      return expression;
    }
    expression.op = *op;
    const bool any_of = *op == FieldOperator::kEqual || *op == FieldOperator::kNotEqual;
    if (any_of && Take("(")) {
      if (!TakeList(&expression.values)) return Fail("the list of values is not closed by \")\"");
    } else {
      std::optional<std::string> value = TakeValue(/*in_list=*/false);
      if (!value) return Fail("a value must follow the operator");
      expression.values.push_back(std::move(*value));
      if (*op == FieldOperator::kEqual && Take("..")) {
        std::optional<std::string> high = TakeValue(/*in_list=*/false);
        if (!high) return Fail("a range needs a value after \"..\"");
        expression.values.push_back(std::move(*high));
        expression.op = FieldOperator::kRange;
      }
    }
    if (!AtBoundary(query_, pos_)) return Fail("unexpected text after the value");
    if (expression.op != FieldOperator::kEqual && expression.op != FieldOperator::kNotEqual) {
      for (std::string& value : expression.values) {
        if (ParseQueryNumber(value)) continue;
        std::optional<int64_t> relative = ParseRelativeDateMs(value, now_ms_);
        if (!relative) return Fail("\"" + value + "\" is not a number or a date");
        value = std::to_string(*relative);
      }
    }
    return expression;
  }

  const std::string& failure() const { return failure_; }

  size_t pos() const { return pos_; }

 private:
  bool Take(std::string_view token) {
    if (query_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  void SkipBlanks() {
    while (pos_ < query_.size() && IsBlank(query_[pos_])) ++pos_;
  }

  std::optional<FieldOperator> TakeOperator() {
    // Two-character operators first, so that ">=" is not read as ">" followed by "=".
    static constexpr std::array<std::pair<std::string_view, FieldOperator>, 8> kOperators = {{
        {"==", FieldOperator::kEqual},
        {"<>", FieldOperator::kNotEqual},
        {"!=", FieldOperator::kNotEqual},
        {">=", FieldOperator::kGreaterOrEqual},
        {"<=", FieldOperator::kLessOrEqual},
        {"=", FieldOperator::kEqual},
        {">", FieldOperator::kGreater},
        {"<", FieldOperator::kLess},
    }};
    for (const auto& [token, op] : kOperators) {
      if (Take(token)) return op;
    }
    return std::nullopt;
  }

  // "quoted" (may be empty) or a bare run up to a blank, ")", "..", or in a list ",", that does
  // not start with "(".
  std::optional<std::string> TakeValue(bool in_list) {
    if (Take("\"")) {
      const size_t close = query_.find('"', pos_);
      if (close == std::string_view::npos) return std::nullopt;
      std::string value(query_.substr(pos_, close - pos_));
      pos_ = close + 1;
      return value;
    }
    if (Take("(")) return std::nullopt;  // only == and <> take a list
    const size_t start = pos_;
    while (pos_ < query_.size() && !IsBlank(query_[pos_]) && query_[pos_] != ')' &&
           !(in_list && query_[pos_] == ',') && query_.substr(pos_, 2) != "..") {
      ++pos_;
    }
    if (pos_ == start) return std::nullopt;
    return std::string(query_.substr(start, pos_ - start));
  }

  // After "(": values separated by commas, then ")".
  bool TakeList(std::vector<std::string>* values) {
    for (;;) {
      SkipBlanks();
      std::optional<std::string> value = TakeValue(/*in_list=*/true);
      if (!value) return false;
      values->push_back(std::move(*value));
      SkipBlanks();
      if (Take(")")) return true;
      if (!Take(",")) return false;
    }
  }

  std::nullopt_t Fail(std::string reason) {
    failure_ = std::move(reason);
    return std::nullopt;
  }

  std::string_view query_;
  size_t pos_;
  int64_t now_ms_;  // what relative dates ("today-7d") count from
  std::string failure_;
};

Xapian::Query Weightless(const Xapian::Query& query) {
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, query, 0);
}

std::optional<uint32_t> SlotOf(std::string_view name, const FieldSlots& slots) {
  if (std::optional<uint32_t> builtin = BuiltinFieldSlot(name)) return builtin;
  auto found = slots.find(name);
  if (found == slots.end()) return std::nullopt;
  return found->second.slot;
}

// Items with a value equal to any of `values`: as text (case-insensitive), or as a number
// when the field has a slot and the value reads as one.
Xapian::Query EqualsAny(std::string_view name, const std::vector<std::string>& values,
                        std::optional<uint32_t> slot) {
  std::vector<Xapian::Query> any;
  for (const std::string& value : values) {
    any.emplace_back(FieldValueTerm(name, FoldFieldValue(value)));
    std::optional<double> number = slot ? ParseQueryNumber(value) : std::nullopt;
    if (number) {
      const std::string key = Xapian::sortable_serialise(*number);
      any.emplace_back(Xapian::Query::OP_VALUE_RANGE, *slot, key, key);
    }
  }
  return Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
}

Xapian::Query Compare(FieldOperator op, uint32_t slot, double number) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  switch (op) {
    case FieldOperator::kGreater:
      number = std::nextafter(number, kInfinity);
      [[fallthrough]];
    case FieldOperator::kGreaterOrEqual:
      return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(number));
    case FieldOperator::kLess:
      number = std::nextafter(number, -kInfinity);
      [[fallthrough]];
    case FieldOperator::kLessOrEqual:
      return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(number));
    default:
      return MatchNothingQuery();
  }
}

Xapian::Query MatchingQuery(const FieldExpression& expression, const FieldSlots& slots) {
  const std::string& name = expression.name;
  const std::vector<std::string>& values = expression.values;
  const std::optional<uint32_t> slot = SlotOf(name, slots);
  switch (expression.op) {
    case FieldOperator::kPresent:
      // Every item has a date, a size and an indexed date.
      return BuiltinFieldSlot(name) ? MatchAllQuery() : Xapian::Query(FieldPresenceTerm(name));
    case FieldOperator::kEqual:
      return EqualsAny(name, values, slot);
    case FieldOperator::kNotEqual:
      return Xapian::Query(Xapian::Query::OP_AND_NOT, MatchAllQuery(),
                           EqualsAny(name, values, slot));
    case FieldOperator::kGreater:
    case FieldOperator::kGreaterOrEqual:
    case FieldOperator::kLess:
    case FieldOperator::kLessOrEqual: {
      std::optional<double> number = ParseQueryNumber(values.at(0));
      if (!slot || !number) return MatchNothingQuery();
      return Compare(expression.op, *slot, *number);
    }
    case FieldOperator::kRange: {
      std::optional<double> low = ParseQueryNumber(values.at(0));
      std::optional<double> high = ParseQueryNumber(values.at(1));
      if (!slot || !low || !high) return MatchNothingQuery();
      return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, *slot, Xapian::sortable_serialise(*low),
                           Xapian::sortable_serialise(*high));
    }
  }
  return MatchNothingQuery();
}

}  // namespace

FieldQueryText ExtractFieldExpressions(std::string_view query, std::string_view placeholder,
                                       int64_t now_ms) {
  FieldQueryText out;
  bool in_quotes = false;
  for (size_t pos = 0; pos < query.size();) {
    const char c = query[pos];
    if (c == '"') in_quotes = !in_quotes;
    if (c == '@' && !in_quotes && AtWordStart(query, pos)) {
      ExpressionReader reader(query, pos, now_ms);
      if (std::optional<FieldExpression> expression = reader.Read()) {
        out.text += std::string(placeholder) + ":" + std::to_string(out.expressions.size()) + " ";
        out.words += ' ';
        out.expressions.push_back(std::move(*expression));
        pos = reader.pos();
        continue;
      }
      if (!reader.failure().empty() && out.error.empty()) {
        const size_t end = std::min(query.find_first_of(" \t\r\n", pos + 1), query.size());
        out.error = "the field expression at character " + std::to_string(pos + 1) + " (\"" +
                    std::string(query.substr(pos, end - pos)) + "\"): " + reader.failure();
      }
    }
    out.text += c;
    out.words += c;
    ++pos;
  }
  return out;
}

bool HasWords(std::string_view words) {
  size_t pos = 0;
  while (pos < words.size()) {
    const auto separator = [](char c) { return IsBlank(c) || c == '(' || c == ')'; };
    while (pos < words.size() && separator(words[pos])) ++pos;
    const size_t start = pos;
    while (pos < words.size() && !separator(words[pos])) ++pos;
    std::string_view token = words.substr(start, pos - start);
    while (!token.empty() &&
           (token.front() == '+' || token.front() == '-' || token.front() == '"')) {
      token.remove_prefix(1);
    }
    while (!token.empty() && token.back() == '"') token.remove_suffix(1);
    if (!token.empty() && token != "AND" && token != "OR" && token != "NOT" && token != "XOR") {
      return true;
    }
  }
  return false;
}

Xapian::Query FieldExpressionQuery(const FieldExpression& expression, const FieldSlots& slots) {
  return Weightless(MatchingQuery(expression, slots));
}

}  // namespace sluice::index
