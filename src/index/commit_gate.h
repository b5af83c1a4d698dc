// CommitGate: lets a reader that writers' commits keep overtaking hold commits back for one read.
#pragma once

#include <mutex>
#include <shared_mutex>

namespace sluice::index {

// A Xapian reader can read the revision it opened only until the writer has committed twice
// more (glass reuses the older blocks); then it fails with DatabaseModifiedError. A read that
// lasts longer than two commits fails however often it starts over, so after a few attempts
// Search holds commits back while it reads. One gate serves every index of a process; readers
// and writers that share it must use the same one. Thread-safe.
class CommitGate {
 public:
  // Held by a writer while it commits: commits of any number of writers may run at once.
  [[nodiscard]] std::shared_lock<std::shared_mutex> Committing() {
    return std::shared_lock(mutex_);
  }
  // Held by a reader for its last attempt: waits for the commits under way, and no commit
  // starts until it is released.
  [[nodiscard]] std::unique_lock<std::shared_mutex> HoldCommits() {
    return std::unique_lock(mutex_);
  }

 private:
  std::shared_mutex mutex_;
};

}  // namespace sluice::index
