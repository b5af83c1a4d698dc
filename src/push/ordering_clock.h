// Default orderingIds: the time in ms, but strictly increasing, so two pushes
// of one item in the same millisecond are not taken for a stale repeat.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"

namespace sluice::push {

class OrderingClock {
 public:
  explicit OrderingClock(const base::Clock& clock) : clock_(clock) {}
  uint64_t Next();

 private:
  const base::Clock& clock_;
  std::atomic<uint64_t> last_{0};
};

}  // namespace sluice::push
