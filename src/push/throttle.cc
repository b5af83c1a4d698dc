#include "push/throttle.h"

#include <algorithm>
#include <cmath>

#include "auth/api_key.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

constexpr int64_t kBacklogRefreshMs = 250;
constexpr int64_t kBacklogRetrySeconds = 5;
constexpr size_t kMaxBuckets = 100000;  // idle callers are forgotten beyond this

std::string Caller(const http::Request& request) {
  auto authorization = request.Header("Authorization");
  return auth::HashApiKey(authorization.value_or(""));
}

}  // namespace

std::optional<http::Response> Throttle::Admit(const http::Request& request) {
  int64_t now = clock_.NowMs();
  std::string why;
  int64_t wait = options_.requests_per_second > 0 ? TakeToken(Caller(request), now) : 0;
  if (wait > 0) {
    why = "More than " + std::to_string(options_.requests_per_second).substr(0, 8) +
          " requests per second with this API key.";
  } else if (options_.max_pending_operations > 0 && (wait = BacklogWait(now)) > 0) {
    why = "Sluice has more than " + std::to_string(options_.max_pending_operations) +
          " operations waiting to be indexed.";
  }
  if (wait == 0) return std::nullopt;
  http::Response r =
      CoveoError(429, "TOO_MANY_REQUESTS", why + " Retry after " + std::to_string(wait) + " s.");
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

http::Handler Throttle::Guard(http::Handler handler) {
  return [this, handler = std::move(handler)](http::Request& request) {
    if (auto refused = Admit(request)) return *refused;
    return handler(request);
  };
}

int64_t Throttle::TakeToken(const std::string& caller, int64_t now_ms) {
  const double burst = std::max(1.0, options_.burst);
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxBuckets && !buckets_.contains(caller)) {
    std::erase_if(buckets_, [&](const auto& entry) {
      return entry.second.tokens >= burst ||
             now_ms - entry.second.refilled_ms >
                 static_cast<int64_t>(1000 * burst / options_.requests_per_second);
    });
  }
  auto [it, fresh] = buckets_.try_emplace(caller, Bucket{burst, now_ms});
  Bucket& bucket = it->second;
  double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - bucket.refilled_ms)) / 1000;
  bucket.tokens = std::min(burst, bucket.tokens + elapsed * options_.requests_per_second);
  bucket.refilled_ms = now_ms;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  double seconds = (1 - bucket.tokens) / options_.requests_per_second;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds)));
}

int64_t Throttle::BacklogWait(int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (!pending_checked_ms_ || now_ms - *pending_checked_ms_ >= kBacklogRefreshMs) {
    auto pending = store_.PendingCount();
    // An unreadable count admits the call: the journal append will report the real problem.
    pending_ = pending.ok() ? *pending : 0;
    pending_checked_ms_ = now_ms;
  }
  return pending_ > options_.max_pending_operations ? kBacklogRetrySeconds : 0;
}

}  // namespace sluice::push
