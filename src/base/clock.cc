#include "base/clock.h"

#include <chrono>
#include <ctime>

namespace sluice::base {

int64_t SystemClock::NowMs() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormatIso8601Ms(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(epoch_ms % 1000));
  return buf;
}

namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> Digits(std::string_view s, size_t& pos, size_t digits) {
  if (pos + digits > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += digits;
  return v;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<int64_t> ParseIso8601Ms(std::string_view s) {
  size_t pos = 0;
  auto year = Digits(s, pos, 4);
  if (!year || !Expect(s, pos, '-')) return std::nullopt;
  auto month = Digits(s, pos, 2);
  if (!month || !Expect(s, pos, '-')) return std::nullopt;
  auto day = Digits(s, pos, 2);
  if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  int hour = 0, minute = 0, second = 0, millis = 0, offset_minutes = 0;
  if (pos < s.size()) {
    if (!Expect(s, pos, 'T')) return std::nullopt;
    auto h = Digits(s, pos, 2);
    if (!h || !Expect(s, pos, ':')) return std::nullopt;
    auto m = Digits(s, pos, 2);
    if (!m) return std::nullopt;
    hour = *h;
    minute = *m;
    if (Expect(s, pos, ':')) {
      auto sec = Digits(s, pos, 2);
      if (!sec) return std::nullopt;
      second = *sec;
      if (Expect(s, pos, '.')) {
        size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return std::nullopt;
        std::string fraction(s.substr(start, std::min<size_t>(3, pos - start)));
        fraction.resize(3, '0');
        millis = std::stoi(fraction);
      }
    }
    if (!Expect(s, pos, 'Z')) {
      bool negative = pos < s.size() && s[pos] == '-';
      if (!Expect(s, pos, '+') && !Expect(s, pos, '-')) return std::nullopt;
      auto oh = Digits(s, pos, 2);
      if (!oh || !Expect(s, pos, ':')) return std::nullopt;
      auto om = Digits(s, pos, 2);
      if (!om) return std::nullopt;
      offset_minutes = (negative ? -1 : 1) * (*oh * 60 + *om);
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t secs = ::timegm(&tm);
  return (secs - int64_t{offset_minutes} * 60) * 1000 + millis;
}

}  // namespace sluice::base
