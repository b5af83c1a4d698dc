#include "client/progress.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "base/utf8.h"

namespace sluice::client {
namespace {

constexpr int64_t kRedrawIntervalMs = 100;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // …
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Valid UTF-8: each ill-formed byte becomes U+FFFD. With `printable`, control characters
// also become '?', so a file name holding a newline or an escape sequence cannot break or
// restyle the output.
std::string Clean(std::string_view text, bool printable) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t n = base::Utf8SequenceLength(text);
    if (n == 0) {
      out += kReplacement;
      n = 1;
    } else if (printable && n == 1 &&
               (static_cast<unsigned char>(text[0]) < 0x20 || text[0] == 0x7f)) {
      out += '?';
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

std::string Printable(std::string_view text) { return Clean(text, true); }

std::string Json(std::string_view text) { return Clean(text, false); }

// Columns of valid UTF-8 text, one per code point.
size_t Columns(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The first (or, `from_end`, the last) `columns` code points of valid UTF-8 text.
std::string_view KeepColumns(std::string_view text, size_t columns, bool from_end) {
  size_t total = Columns(text);
  if (total <= columns) return text;
  size_t skip = from_end ? total - columns : columns;
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (seen++ == skip) return from_end ? text.substr(i) : text.substr(0, i);
  }
  return from_end ? std::string_view() : text;
}

// 1234567 -> "1,234,567"
std::string Count(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string OneDecimal(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", value);
  return buf;
}

// "0:12", "59:59", "1:00:00"
std::string Duration(int64_t seconds) {
  char buf[64];
  if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64, seconds / 60, seconds % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64 ":%02" PRId64, seconds / 3600,
                  seconds / 60 % 60, seconds % 60);
  }
  return buf;
}

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return Count(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

Progress::Progress(ProgressStyle style, std::FILE* out, const base::Clock& clock, int width)
    : style_(style), out_(out), clock_(clock), width_(width), start_ms_(clock.NowMs()) {}

void Progress::AddPlanned(uint64_t items, uint64_t bytes) {
  std::lock_guard lock(mu_);
  planned_items_ += items;
  planned_bytes_ += bytes;
  RedrawLocked(false);
}

void Progress::Started(std::string_view path) {
  std::lock_guard lock(mu_);
  current_ = Printable(path);
  RedrawLocked(false);
}

void Progress::Pushed(std::string_view path, uint64_t bytes, std::string_view how) {
  std::lock_guard lock(mu_);
  ++pushed_;
  pushed_bytes_ += bytes;
  if (style_ == ProgressStyle::kLines) {
    PrintLocked("pushed  " + Printable(path) + "  " + FormatBytes(bytes) + "  " + Printable(how) +
                "\n");
  } else if (style_ == ProgressStyle::kJson) {
    boost::json::object o{
        {"event", "pushed"}, {"path", Json(path)}, {"bytes", bytes}, {"how", Json(how)}};
    PrintLocked(boost::json::serialize(o) + "\n");
  } else {
    RedrawLocked(false);
  }
}

void Progress::Unchanged(std::string_view path, uint64_t bytes) {
  std::lock_guard lock(mu_);
  ++unchanged_;
  unchanged_bytes_ += bytes;
  if (style_ == ProgressStyle::kLines) {
    PrintLocked("unchanged  " + Printable(path) + "\n");
  } else if (style_ == ProgressStyle::kJson) {
    boost::json::object o{{"event", "unchanged"}, {"path", Json(path)}, {"bytes", bytes}};
    PrintLocked(boost::json::serialize(o) + "\n");
  } else {
    RedrawLocked(false);
  }
}

void Progress::Failed(std::string_view path, std::string_view reason) {
  std::lock_guard lock(mu_);
  failures_.push_back({std::string(path), std::string(reason)});
  if (style_ == ProgressStyle::kJson) {
    boost::json::object o{{"event", "failed"}, {"path", Json(path)}, {"reason", Json(reason)}};
    PrintLocked(boost::json::serialize(o) + "\n");
  } else {
    PrintLocked("FAILED  " + Printable(path) + ": " + Printable(reason) + "\n");
  }
}

void Progress::Retrying(std::string_view what, std::string_view reason, int64_t delay_ms) {
  std::lock_guard lock(mu_);
  ++retries_;
  if (style_ == ProgressStyle::kQuiet) return;
  if (style_ == ProgressStyle::kJson) {
    boost::json::object o{
        {"event", "retry"}, {"what", Json(what)}, {"reason", Json(reason)}, {"delay_ms", delay_ms}};
    PrintLocked(boost::json::serialize(o) + "\n");
  } else {
    PrintLocked("retry  " + Printable(what) + ": " + Printable(reason) + "; again in " +
                OneDecimal(static_cast<double>(delay_ms) / 1000) + " s\n");
  }
}

void Progress::Note(std::string_view line) {
  std::lock_guard lock(mu_);
  if (style_ == ProgressStyle::kQuiet) return;
  if (style_ == ProgressStyle::kJson) {
    boost::json::object o{{"event", "note"}, {"message", Json(line)}};
    PrintLocked(boost::json::serialize(o) + "\n");
  } else {
    PrintLocked(Printable(line) + "\n");
  }
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;  // before printing: no status line is drawn after the summary
  int64_t now = clock_.NowMs();
  PrintLocked(style_ == ProgressStyle::kJson ? JsonSummaryLocked(now) : SummaryLocked(now));
}

uint64_t Progress::pushed() const {
  std::lock_guard lock(mu_);
  return pushed_;
}

uint64_t Progress::failed() const {
  std::lock_guard lock(mu_);
  return failures_.size();
}

void Progress::PrintLocked(std::string_view lines) {
  if (style_ == ProgressStyle::kTerminal && drawn_) {
    std::fputs("\r\x1b[K", out_);
    drawn_ = false;
  }
  std::fwrite(lines.data(), 1, lines.size(), out_);
  if (style_ == ProgressStyle::kTerminal) RedrawLocked(true);
  std::fflush(out_);
}

void Progress::RedrawLocked(bool force) {
  if (style_ != ProgressStyle::kTerminal || finished_) return;
  int64_t now = clock_.NowMs();
  if (!force && drawn_ && now - drawn_ms_ < kRedrawIntervalMs) return;
  std::string line = "\r" + StatusLineLocked(now) + "\x1b[K";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
  drawn_ = true;
  drawn_ms_ = now;
}

std::string Progress::StatusLineLocked(int64_t now_ms) const {
  uint64_t done_items = pushed_ + unchanged_ + failures_.size();
  uint64_t done_bytes = pushed_bytes_ + unchanged_bytes_;
  int64_t elapsed_ms = now_ms - start_ms_;

  std::string line = "  " + Count(done_items);
  if (planned_items_ > 0) line += "/" + Count(std::max(planned_items_, done_items));
  line += " items  " + FormatBytes(done_bytes);
  if (planned_bytes_ > 0) {
    line += "/" + FormatBytes(std::max(planned_bytes_, done_bytes));
  }
  if (elapsed_ms > 0) {
    double rate = static_cast<double>(done_bytes) * 1000 / static_cast<double>(elapsed_ms);
    line += "  " + FormatBytes(rate) + "/s";
    // The time left at the pace so far, by bytes when the plan knows them, else by items.
    double left = 0;
    if (planned_bytes_ > 0 && done_bytes > 0) {
      left = static_cast<double>(planned_bytes_ - std::min(planned_bytes_, done_bytes)) /
             static_cast<double>(done_bytes);
    } else if (planned_items_ > 0 && done_items > 0) {
      left = static_cast<double>(planned_items_ - std::min(planned_items_, done_items)) /
             static_cast<double>(done_items);
    } else {
      left = -1;
    }
    if (left >= 0) {
      double seconds = left * static_cast<double>(elapsed_ms) / 1000;
      line += "  ETA " + Duration(static_cast<int64_t>(std::ceil(seconds)));
    }
  }

  size_t limit = static_cast<size_t>(std::max(width_ - 1, 1));
  size_t used = Columns(line);
  if (used >= limit) return std::string(KeepColumns(line, limit, false));
  if (current_.empty() || limit - used < 4) return line;  // no room for "  …x"
  size_t room = limit - used - 2;
  line += "  ";
  if (Columns(current_) <= room) return line + current_;
  return line + std::string(kEllipsis) + std::string(KeepColumns(current_, room - 1, true));
}

std::string Progress::SummaryLocked(int64_t now_ms) const {
  double seconds = static_cast<double>(now_ms - start_ms_) / 1000;
  std::string text = "pushed " + Plural(pushed_, "item", "items") + " (" +
                     FormatBytes(pushed_bytes_) + ") in " + OneDecimal(seconds) + " s";
  if (seconds > 0) {
    text += ", " + FormatBytes(static_cast<double>(pushed_bytes_) / seconds) + "/s";
  }
  if (unchanged_ > 0) text += "; " + Count(unchanged_) + " unchanged";
  if (retries_ > 0) text += "; " + Plural(retries_, "retry", "retries");
  if (failures_.empty()) return text + "\n";
  text += "; " + Count(failures_.size()) + " failed:\n";
  for (const Failure& f : failures_) {
    text += "  " + Printable(f.path) + ": " + Printable(f.reason) + "\n";
  }
  return text;
}

std::string Progress::JsonSummaryLocked(int64_t now_ms) const {
  boost::json::array failures;
  for (const Failure& f : failures_) {
    failures.push_back(boost::json::object{{"path", Json(f.path)}, {"reason", Json(f.reason)}});
  }
  boost::json::object o{
      {"event", "summary"},      {"pushed", pushed_},
      {"unchanged", unchanged_}, {"failed", failures_.size()},
      {"bytes", pushed_bytes_},  {"seconds", static_cast<double>(now_ms - start_ms_) / 1000},
      {"retries", retries_},     {"failures", std::move(failures)}};
  return boost::json::serialize(o) + "\n";
}

std::string FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(static_cast<uint64_t>(std::llround(bytes))) + " B";
  double value = bytes / 1024;
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && std::round(value * 10) / 10 >= 1024) {
    value /= 1024;
    ++unit;
  }
  return OneDecimal(value) + " " + kUnits[unit];
}

}  // namespace sluice::client
