// A cluster node's own index, kept as a projection of the shared state: applies the index
// changes every node's applier committed, in commit order, to this node's Xapian writers, and
// remembers how far it got in a file beside the index. A new node, or one whose index was wiped,
// starts from zero and catches up while the others go on.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "index/commit_gate.h"
#include "pipeline/index_target.h"
#include "store/state_store.h"
#include "telemetry/logger.h"

namespace sluice::pipeline {

class IndexProjector {
 public:
  IndexProjector(store::StateStore& store, std::filesystem::path index_root,
                 index::CommitGate* gate, telemetry::Logger* logger);
  ~IndexProjector();
  IndexProjector(const IndexProjector&) = delete;
  IndexProjector& operator=(const IndexProjector&) = delete;

  void Start();

  // Applies what is there to apply now, at most `limit` changes; how many it applied.
  base::Result<size_t> Step(uint32_t limit);

  // The seq of the last change this node's index holds.
  int64_t applied_seq() const { return applied_seq_.load(); }

 private:
  void Run(const std::stop_token& stop);
  base::Status SaveCursor(int64_t seq);

  store::StateStore& store_;
  std::filesystem::path index_root_;
  telemetry::Logger* logger_;
  LocalWriters writers_;
  std::atomic<int64_t> applied_seq_{0};
  std::jthread thread_;  // last
};

// The file below the index root that holds the seq of the last change applied.
std::filesystem::path ProjectionCursorFile(const std::filesystem::path& index_root);

}  // namespace sluice::pipeline
