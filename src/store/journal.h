// Group commit in front of StateStore::AppendOperations: concurrent callers
// share one transaction (and so one fsync), which is what lets many small
// pushes be acknowledged durably without paying a disk flush each.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"
#include "store/state_store.h"

namespace sluice::store {

// Thread-safe. Append() blocks until its operations are durable (or failed).
class Journal {
 public:
  // `on_append` runs after each durable group, before its callers return
  // (e.g. to wake the pipeline). It must not call Append.
  Journal(StateStore& store, std::function<void()> on_append);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Assigns each operation its sequence number.
  base::Status Append(std::vector<Operation>& ops);

  // For operations made durable by other means (StateStore::CloseStream): runs on_append.
  void NotifyAppended() { on_append_(); }

  // How many groups were committed; a test hook for group commit.
  uint64_t groups_committed() const;

 private:
  struct Waiter {
    std::vector<Operation>* ops;
    base::Status status;
    bool done = false;
  };
  void Run(const std::stop_token& stop);

  StateStore& store_;
  std::function<void()> on_append_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Waiter*> queue_;
  uint64_t groups_committed_ = 0;
  std::jthread writer_;  // last: started after the fields it uses
};

}  // namespace sluice::store
