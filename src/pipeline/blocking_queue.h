// A bounded multi-producer multi-consumer queue whose waits end on stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>

namespace sluice::pipeline {

template <typename T>
class BlockingQueue {
 public:
  explicit BlockingQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false when stop was requested first.
  bool Push(T value, const std::stop_token& stop) {
    std::unique_lock lock(mu_);
    if (!not_full_.wait(lock, stop, [&] { return items_.size() < capacity_; })) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty; nullopt when stop was requested first.
  std::optional<T> Pop(const std::stop_token& stop) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait(lock, stop, [&] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return value;
  }

  // Like Pop, but gives up after `timeout`: nullopt then too.
  template <typename Rep, typename Period>
  std::optional<T> PopFor(std::chrono::duration<Rep, Period> timeout, const std::stop_token& stop) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, stop, timeout, [&] { return !items_.empty(); })) {
      return std::nullopt;
    }
    T value = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return value;
  }

 private:
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable_any not_full_;
  std::condition_variable_any not_empty_;
  std::deque<T> items_;
};

}  // namespace sluice::pipeline
