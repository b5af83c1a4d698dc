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
  // `on_append` runs after each durable group with the number of operations it made
  // durable, before its callers return (e.g. to wake the pipeline). It must not call Append.
  Journal(StateStore& store, std::function<void(size_t operations)> on_append);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Assigns each operation its sequence number.
  base::Status Append(std::vector<Operation>& ops);

  // For operations made durable by other means (StateStore::CloseStream): runs on_append.
  void NotifyAppended(size_t operations) { on_append_(operations); }

  // How many groups were committed; a test hook for group commit.
  uint64_t groups_committed() const;

  // Ok while the journal takes writes. StorageFull while the disk is full (the
  // next group that commits clears it). Unavailable for good after a failed
  // write or fsync: the kernel may have dropped the pages, so no later commit
  // could be trusted (PostgreSQL's "fsyncgate"); only a restart, which
  // recovers from what is on disk, clears it.
  base::Status Health() const;

 private:
  struct Waiter {
    std::vector<Operation>* ops;
    base::Status status;
    bool done = false;
  };
  void Run(const std::stop_token& stop);
  // Updates the health after a group; mu_ held.
  void Record(const base::Status& status);

  StateStore& store_;
  std::function<void(size_t)> on_append_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Waiter*> queue_;
  uint64_t groups_committed_ = 0;
  base::Status stopped_;  // set once by a failed write or fsync
  base::Status full_;     // the last group's StorageFull, until one commits
  std::jthread writer_;   // last: started after the fields it uses
};

}  // namespace sluice::store
