// Progress: what `sluice push` shows while it works and the summary it ends with.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace sluice::client {

enum class ProgressStyle {
  kTerminal,  // one status line redrawn in place (bytes, items, rate, ETA, current file)
  kLines,     // a plain line per file: output that is not a terminal
  kQuiet,     // failures and the summary only
  kJson,      // one JSON object per line (event per file, then the summary)
};

// Counts what a push has done and reports it in the chosen style. Thread-safe: the push
// workers report concurrently.
//
// The status line (kTerminal) reads `  1,234/2,003 items  512.3 MiB/1.0 GiB  45.6 MiB/s  ETA
// 0:12  docs/big.pdf`. Items and bytes done include unchanged (skipped) and failed items, so
// the rate is how fast the planned work gets done and ETA = bytes left / rate. The line is cut
// to `width` - 1 columns (the file's path from the left, with `…`) so the cursor never wraps.
// Paths and reasons are shown with control characters as `?` and invalid UTF-8 as U+FFFD.
class Progress {
 public:
  // `out` is usually stderr; `width` is the terminal's width in columns (kTerminal only).
  Progress(ProgressStyle style, std::FILE* out, const base::Clock& clock, int width = 80);

  // What the push will cover, as far as known; may be raised while the walk goes on.
  void AddPlanned(uint64_t items, uint64_t bytes);
  // A file is being read and compressed: shown as the current file.
  void Started(std::string_view path);
  // The server acknowledged the item; `how` says the way it went: "inline", "batch" or
  // "container". `bytes` is the file's uncompressed size.
  void Pushed(std::string_view path, uint64_t bytes, std::string_view how);
  // Skipped because the manifest says it was pushed unchanged before.
  void Unchanged(std::string_view path, uint64_t bytes);
  // The item could not be pushed (or, after --wait, the server failed it).
  void Failed(std::string_view path, std::string_view reason);
  // A request is retried: printed as a line (not in kQuiet), and counted.
  void Retrying(std::string_view what, std::string_view reason, int64_t delay_ms);
  // Any other line to show the user (e.g. "waiting for 12 items to be processed").
  void Note(std::string_view line);

  // Ends the status line and prints the summary: counts, bytes, time, rate, retries,
  // and every failure with its reason.
  void Finish();

  uint64_t pushed() const;
  uint64_t failed() const;

 private:
  struct Failure {
    std::string path;
    std::string reason;
  };
  // Writes whole lines; in kTerminal they go above the status line, which is redrawn after.
  void PrintLocked(std::string_view lines);
  // Redraws the status line (kTerminal), at most every 100 ms unless `force`.
  void RedrawLocked(bool force);
  std::string StatusLineLocked(int64_t now_ms) const;
  std::string SummaryLocked(int64_t now_ms) const;
  std::string JsonSummaryLocked(int64_t now_ms) const;

  const ProgressStyle style_;
  std::FILE* const out_;
  const base::Clock& clock_;
  const int width_;
  const int64_t start_ms_;

  mutable std::mutex mu_;
  uint64_t planned_items_ = 0;
  uint64_t planned_bytes_ = 0;
  uint64_t pushed_ = 0;
  uint64_t pushed_bytes_ = 0;
  uint64_t unchanged_ = 0;
  uint64_t unchanged_bytes_ = 0;
  uint64_t retries_ = 0;
  std::vector<Failure> failures_;
  std::string current_;   // the file last Started
  bool drawn_ = false;    // a status line has been drawn since the last Print
  int64_t drawn_ms_ = 0;  // when it was last drawn
  bool finished_ = false;
};

// "512 B", "12.3 KiB", "1.0 GiB": the largest unit in which the rounded figure stays < 1024.
std::string FormatBytes(double bytes);
inline std::string FormatBytes(uint64_t bytes) { return FormatBytes(static_cast<double>(bytes)); }

}  // namespace sluice::client
