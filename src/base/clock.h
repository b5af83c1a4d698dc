// The Clock seam: code asks it for the time so tests can move time by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// "2026-11-26T21:29:24.123Z"
std::string FormatIso8601Ms(int64_t epoch_ms);

// Parses a W3C date-time into epoch ms: "2026-11-26", "2026-11-26T21:29Z",
// "2026-11-26T21:29:24.123+02:00"... A time needs a zone (Z or an offset).
std::optional<int64_t> ParseIso8601Ms(std::string_view text);

}  // namespace sluice::base
