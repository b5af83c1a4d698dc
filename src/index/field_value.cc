#include "index/field_value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

#include "base/ascii.h"

namespace sluice::index {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

// Reads a date left to right; each Take* consumes only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // True when at least one blank was skipped.
  bool SkipBlanks() {
    const size_t start = pos_;
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
    return pos_ > start;
  }
  // A run of min..max ASCII digits (stopping at max), and how many were read.
  std::optional<int> TakeDigits(size_t min, size_t max, size_t* count = nullptr) {
    size_t n = 0;
    int value = 0;
    while (n < max && pos_ + n < text_.size() && text_[pos_ + n] >= '0' && text_[pos_ + n] <= '9') {
      value = value * 10 + (text_[pos_ + n] - '0');
      ++n;
    }
    if (n < min) return std::nullopt;
    pos_ += n;
    if (count != nullptr) *count = n;
    return value;
  }
  // A run of ASCII letters (possibly empty).
  std::string_view TakeLetters() {
    const size_t start = pos_;
    while (!AtEnd() && ((text_[pos_] >= 'a' && text_[pos_] <= 'z') ||
                        (text_[pos_] >= 'A' && text_[pos_] <= 'Z'))) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct DateTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0, second = 0, millisecond = 0;
  int offset_minutes = 0;  // local time minus UTC
};

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<int64_t> ToEpochMs(const DateTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > DaysInMonth(t.year, t.month) ||
      t.hour > 23 || t.minute > 59 || t.second > 60) {  // 60: a leap second
    return std::nullopt;
  }
  const int64_t seconds = DaysFromCivil(t.year, t.month, t.day) * 86400 + int64_t{t.hour} * 3600 +
                          int64_t{t.minute} * 60 + t.second - int64_t{t.offset_minutes} * 60;
  return seconds * 1000 + t.millisecond;
}

int ExpandTwoDigitYear(int year) { return year < 50 ? 2000 + year : 1900 + year; }

// A year of exactly 2 or 4 digits.
std::optional<int> TakeYear(Cursor& c) {
  size_t digits = 0;
  const size_t start = c.pos();
  std::optional<int> year = c.TakeDigits(2, 4, &digits);
  if (!year || digits == 3) {
    c.set_pos(start);
    return std::nullopt;
  }
  return digits == 2 ? ExpandTwoDigitYear(*year) : *year;
}

// 1 for "jan" or "January", ..., 12; nullopt for anything else.
std::optional<int> MonthNumber(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (base::EqualsIgnoreAsciiCase(word, kMonths[i].substr(0, 3)) ||
        base::EqualsIgnoreAsciiCase(word, kMonths[i])) {
      return static_cast<int>(i) + 1;
    }
  }
  if (base::EqualsIgnoreAsciiCase(word, "sept")) return 9;
  return std::nullopt;
}

bool IsWeekday(std::string_view word) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  for (std::string_view day : kDays) {
    if (base::EqualsIgnoreAsciiCase(word, day.substr(0, 3)) ||
        base::EqualsIgnoreAsciiCase(word, day))
      return true;
  }
  return false;
}

std::optional<int> TakeMonthName(Cursor& c) {
  const size_t start = c.pos();
  std::optional<int> month = MonthNumber(c.TakeLetters());
  if (!month) c.set_pos(start);
  return month;
}

// hh:mm[:ss[.fff]] with an optional AM/PM suffix (with or without a blank before it).
bool TakeTime(Cursor& c, DateTime* t) {
  std::optional<int> hour = c.TakeDigits(1, 2);
  if (!hour || !c.Take(':')) return false;
  std::optional<int> minute = c.TakeDigits(2, 2);
  if (!minute) return false;
  t->hour = *hour;
  t->minute = *minute;
  if (c.Take(':')) {
    std::optional<int> second = c.TakeDigits(2, 2);
    if (!second) return false;
    t->second = *second;
    if (c.Take('.') || c.Take(',')) {
      size_t digits = 0;
      std::optional<int> fraction = c.TakeDigits(1, 3, &digits);
      if (!fraction) return false;
      t->millisecond = *fraction * (digits == 1 ? 100 : digits == 2 ? 10 : 1);
      c.TakeDigits(0, 64);  // finer than milliseconds: dropped
    }
  }
  const size_t before_suffix = c.pos();
  c.SkipBlanks();
  std::string_view suffix = c.TakeLetters();
  const bool am = base::EqualsIgnoreAsciiCase(suffix, "am");
  const bool pm = base::EqualsIgnoreAsciiCase(suffix, "pm");
  if (!am && !pm) {
    c.set_pos(before_suffix);
    return true;
  }
  if (t->hour < 1 || t->hour > 12) return false;
  t->hour = (t->hour % 12) + (pm ? 12 : 0);
  return true;
}

std::optional<int> ZoneNameOffset(std::string_view name) {
  struct Zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Zone, 12> kZones = {{{"gmt", 0},
                                                   {"utc", 0},
                                                   {"ut", 0},
                                                   {"z", 0},
                                                   {"est", -5},
                                                   {"edt", -4},
                                                   {"cst", -6},
                                                   {"cdt", -5},
                                                   {"mst", -7},
                                                   {"mdt", -6},
                                                   {"pst", -8},
                                                   {"pdt", -7}}};
  for (const Zone& zone : kZones) {
    if (base::EqualsIgnoreAsciiCase(name, zone.name)) return zone.hours * 60;
  }
  return std::nullopt;
}

// An optional zone (blanks before it allowed), then the end of the text.
bool TakeZoneAndEnd(Cursor& c, DateTime* t) {
  c.SkipBlanks();
  if (c.AtEnd()) return true;
  const char sign = c.Peek();
  if (sign == '+' || sign == '-') {
    c.Take(sign);
    std::optional<int> hours = c.TakeDigits(2, 2);
    if (!hours) return false;
    int minutes = 0;
    c.Take(':');
    if (std::optional<int> m = c.TakeDigits(2, 2)) minutes = *m;
    if (*hours > 23 || minutes > 59) return false;
    t->offset_minutes = (sign == '-' ? -1 : 1) * (*hours * 60 + minutes);
  } else {
    std::optional<int> offset = ZoneNameOffset(c.TakeLetters());
    if (!offset) return false;
    t->offset_minutes = *offset;
  }
  c.SkipBlanks();
  return c.AtEnd();
}

// 2002-01-31T11:53:12.999Z, 2002/01/31 11:53:12, 2002/01/31@11:53:12, 2002-01-31.
std::optional<int64_t> ParseYearFirst(std::string_view text) {
  Cursor c(text);
  DateTime t;
  std::optional<int> year = c.TakeDigits(4, 4);
  if (!year) return std::nullopt;
  const char separator = c.Peek();
  if ((separator != '-' && separator != '/') || !c.Take(separator)) return std::nullopt;
  std::optional<int> month = c.TakeDigits(1, 2);
  if (!month || !c.Take(separator)) return std::nullopt;
  std::optional<int> day = c.TakeDigits(1, 2);
  if (!day) return std::nullopt;
  t.year = *year;
  t.month = *month;
  t.day = *day;
  if (!c.AtEnd()) {
    if (!c.Take('T') && !c.Take('t') && !c.Take('@') && !c.SkipBlanks()) return std::nullopt;
    if (!TakeTime(c, &t)) return std::nullopt;
  }
  if (!TakeZoneAndEnd(c, &t)) return std::nullopt;
  return ToEpochMs(t);
}

// The forms that may start with a weekday: RFC 1123, 822 and 850, month/day/year, asctime and
// "Nov 29 2002 7:30PM".
std::optional<int64_t> ParseWithWords(std::string_view text) {
  Cursor c(text);
  DateTime t;
  const size_t start = c.pos();
  if (IsWeekday(c.TakeLetters())) {
    c.Take(',');
    c.SkipBlanks();
  } else {
    c.set_pos(start);
  }
  if (std::optional<int> month = TakeMonthName(c)) {
    // asctime "Nov 27 08:49:37 1994" (the day may be blank-padded) or "Nov 29 2002 7:30PM".
    t.month = *month;
    c.SkipBlanks();
    std::optional<int> day = c.TakeDigits(1, 2);
    if (!day || !c.SkipBlanks()) return std::nullopt;
    t.day = *day;
    const size_t after_day = c.pos();
    if (TakeTime(c, &t)) {
      c.SkipBlanks();
      std::optional<int> year = c.TakeDigits(4, 4);
      if (!year) return std::nullopt;
      t.year = *year;
    } else {
      c.set_pos(after_day);
      std::optional<int> year = c.TakeDigits(4, 4);
      if (!year || !c.SkipBlanks() || !TakeTime(c, &t)) return std::nullopt;
      t.year = *year;
    }
    if (!TakeZoneAndEnd(c, &t)) return std::nullopt;
    return ToEpochMs(t);
  }
  std::optional<int> first = c.TakeDigits(1, 2);
  if (!first) return std::nullopt;
  if (c.Take('/')) {
    // "02/17/02 20:01:03 EST": month/day/year.
    t.month = *first;
    std::optional<int> day = c.TakeDigits(1, 2);
    if (!day || !c.Take('/')) return std::nullopt;
    t.day = *day;
  } else {
    // "06 Nov 1994", "1 Sep 85", "06-Nov-94".
    t.day = *first;
    const char separator = c.Take('-') ? '-' : ' ';
    if (separator == ' ' && !c.SkipBlanks()) return std::nullopt;
    std::optional<int> month = TakeMonthName(c);
    if (!month) return std::nullopt;
    t.month = *month;
    if (separator == '-' ? !c.Take('-') : !c.SkipBlanks()) return std::nullopt;
  }
  std::optional<int> year = TakeYear(c);
  if (!year) return std::nullopt;
  t.year = *year;
  if (!c.AtEnd()) {
    if (!c.SkipBlanks() || !TakeTime(c, &t)) return std::nullopt;
  }
  if (!TakeZoneAndEnd(c, &t)) return std::nullopt;
  return ToEpochMs(t);
}

// An optional "-" and at most 18 digits: no int64 overflow possible.
std::optional<int64_t> ParseEpochMs(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

}  // namespace

FieldKind FieldKindFromType(std::string_view type) {
  if (base::EqualsIgnoreAsciiCase(type, "LONG")) return FieldKind::kLong;
  if (base::EqualsIgnoreAsciiCase(type, "LONG_64")) return FieldKind::kLong64;
  if (base::EqualsIgnoreAsciiCase(type, "DOUBLE")) return FieldKind::kDouble;
  if (base::EqualsIgnoreAsciiCase(type, "DATE")) return FieldKind::kDate;
  return FieldKind::kString;
}

bool IsNumericKind(FieldKind kind) { return kind != FieldKind::kString; }

std::optional<int64_t> ParseDateMs(std::string_view text) {
  text = Trim(text);
  if (std::optional<int64_t> ms = ParseEpochMs(text)) return ms;
  if (std::optional<int64_t> ms = ParseYearFirst(text)) return ms;
  return ParseWithWords(text);
}

std::optional<double> ParseDecimal(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> ParseFieldNumber(FieldKind kind, std::string_view text) {
  switch (kind) {
    case FieldKind::kString:
      return std::nullopt;
    case FieldKind::kLong:
    case FieldKind::kLong64: {
      std::optional<double> value = ParseDecimal(text);
      if (!value || *value != std::trunc(*value)) return std::nullopt;
      return value;
    }
    case FieldKind::kDouble:
      return ParseDecimal(text);
    case FieldKind::kDate: {
      std::optional<int64_t> ms = ParseDateMs(text);
      if (!ms) return std::nullopt;
      return static_cast<double>(*ms);
    }
  }
  return std::nullopt;
}

std::optional<double> ParseQueryNumber(std::string_view text) {
  if (std::optional<double> value = ParseDecimal(text)) return value;
  return ParseFieldNumber(FieldKind::kDate, text);
}

namespace {

constexpr int64_t kDayMs = int64_t{86400} * 1000;

// `epoch_ms` moved by `months` calendar months (UTC), the day of the month kept where the
// target month has it and cut to its last day otherwise.
int64_t AddMonths(int64_t epoch_ms, int64_t months) {
  const int64_t day_start = epoch_ms - ((epoch_ms % kDayMs) + kDayMs) % kDayMs;
  const std::time_t seconds = static_cast<std::time_t>(day_start / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  int64_t month_index = int64_t{tm.tm_year} * 12 + tm.tm_mon + months;
  const int64_t year = month_index / 12 - (month_index % 12 < 0 ? 1 : 0);
  const int month = static_cast<int>(month_index - year * 12);
  std::tm target{};
  target.tm_year = static_cast<int>(year);
  target.tm_mon = month;
  target.tm_mday = 1;
  const int64_t month_start = static_cast<int64_t>(::timegm(&target)) * 1000;
  target.tm_mon = month + 1;
  const int64_t next_month_start = static_cast<int64_t>(::timegm(&target)) * 1000;
  const int64_t days_in_month = (next_month_start - month_start) / kDayMs;
  const int64_t day = std::min<int64_t>(tm.tm_mday, days_in_month);
  return month_start + (day - 1) * kDayMs + (epoch_ms - day_start);
}

}  // namespace

std::optional<int64_t> ParseRelativeDateMs(std::string_view text, int64_t now_ms) {
  std::string lower;
  for (char c : text) {
    if (c != ' ' && c != '\t') lower.push_back(base::AsciiLower(c));
  }
  const int64_t today = now_ms - ((now_ms % kDayMs) + kDayMs) % kDayMs;
  int64_t base = 0;
  std::string_view rest = lower;
  if (rest.starts_with("now")) {
    base = now_ms;
    rest.remove_prefix(3);
  } else if (rest.starts_with("today")) {
    base = today;
    rest.remove_prefix(5);
  } else if (rest.starts_with("yesterday")) {
    base = today - kDayMs;
    rest.remove_prefix(9);
  } else {
    return std::nullopt;
  }
  if (rest.empty()) return base;
  const int64_t sign = rest.front() == '-' ? -1 : rest.front() == '+' ? 1 : 0;
  if (sign == 0) return std::nullopt;
  rest.remove_prefix(1);
  int64_t amount = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), amount);
  if (ec != std::errc() || end == rest.data() || amount > 100000) return std::nullopt;
  const std::string_view unit(end, rest.data() + rest.size() - end);
  constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", kDayMs}, {"w", 7 * kDayMs}};
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) return base + sign * amount * ms;
  }
  if (unit == "mo") return AddMonths(base, sign * amount);
  if (unit == "y") return AddMonths(base, sign * amount * 12);
  return std::nullopt;
}

}  // namespace sluice::index
