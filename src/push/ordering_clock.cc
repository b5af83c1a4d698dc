#include "push/ordering_clock.h"

#include <algorithm>

namespace sluice::push {

uint64_t OrderingClock::Next() {
  auto now = static_cast<uint64_t>(clock_.NowMs());
  uint64_t last = last_.load();
  for (;;) {
    uint64_t next = std::max(now, last + 1);
    if (last_.compare_exchange_weak(last, next)) return next;
  }
}

}  // namespace sluice::push
