// Applies prepared operations to the index and the item table, a batch at a
// time: orderingId checks, Xapian puts and deletes, tombstones, item log lines,
// and one store transaction per batch. Owns the index writers; only the
// pipeline's applier thread uses it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "pipeline/index_target.h"
#include "pipeline/prepared.h"
#include "store/state_store.h"
#include "telemetry/metrics.h"

namespace sluice::pipeline {

class Applier {
 public:
  // Index changes go to `index` (LocalIndexTarget or, in a cluster, SharedIndexTarget).
  Applier(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
          std::unique_ptr<IndexTarget> index, bool ignore_queue_delay,
          telemetry::Metrics* metrics = nullptr);

  // What a batch left for later: operations to retry (transient failures) and
  // operations that may not run yet (a delete-older-than in its queueDelay).
  struct Leftovers {
    std::vector<store::Operation> retry;
    std::vector<std::pair<int64_t, store::Operation>> deferred;  // (due ms, op)
  };

  // Index first, then the item table: a crash between the two replays the
  // batch, and a replayed put or delete is harmless. On failure nothing of the
  // batch is recorded as done; the writers are reopened on the next call.
  base::Result<Leftovers> Apply(std::vector<Prepared>& batch);

 private:
  class Batch;  // the state of one Apply call

  store::StateStore& store_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  std::unique_ptr<IndexTarget> index_;
  bool ignore_queue_delay_;
  telemetry::Metrics* metrics_;  // null: not counted
};

}  // namespace sluice::pipeline
