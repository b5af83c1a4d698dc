// Admission control for the Push API: a token bucket per API key, and
// backpressure when the journal holds more operations than the pipeline can
// catch up on soon. Either answers 429 TOO_MANY_REQUESTS with Retry-After,
// which Coveo's clients retry with backoff.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "http/router.h"
#include "store/state_store.h"

namespace sluice::push {

struct ThrottleOptions {
  double requests_per_second = 0;       // per API key; 0 turns the bucket off
  double burst = 0;                     // bucket size; at least 1 when the bucket is on
  uint64_t max_pending_operations = 0;  // journal backlog that refuses new calls; 0: never
};

class Throttle {
 public:
  Throttle(store::StateStore& store, const base::Clock& clock, ThrottleOptions options)
      : store_(store), clock_(clock), options_(options) {}

  // The 429 to send instead of running the call, or nullopt to let it in.
  std::optional<http::Response> Admit(const http::Request& request);

  // `handler`, behind Admit.
  http::Handler Guard(http::Handler handler);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t refilled_ms = 0;
  };
  // Seconds until the caller's bucket holds a token again; 0 when it took one.
  int64_t TakeToken(const std::string& caller, int64_t now_ms);
  // Seconds to wait for the journal to drain; 0 when it is short enough.
  int64_t BacklogWait(int64_t now_ms);

  store::StateStore& store_;
  const base::Clock& clock_;
  ThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // by SHA-256 of the key, never the key
  uint64_t pending_ = 0;                             // journal backlog, refreshed every 250 ms
  std::optional<int64_t> pending_checked_ms_;
};

}  // namespace sluice::push
