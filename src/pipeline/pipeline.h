// The asynchronous half of a push: tails the journal, processes items on a
// pool of workers and applies the results to the index and the item table on
// one applier thread, which alone owns the index writers.
//
// Life of an operation: journal (durable, acknowledged) -> dispatcher ->
// worker (fetch, decompress, extract) -> applier (orderingId check, index put
// or delete, commit) -> item table + item log + journal "done", in one
// transaction. A crash anywhere before that transaction replays the operation;
// replays are harmless because the orderingId check makes them idempotent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "extract/language.h"
#include "index/commit_gate.h"
#include "pipeline/applier.h"
#include "pipeline/batch_expander.h"
#include "pipeline/blocking_queue.h"
#include "pipeline/index_projector.h"
#include "pipeline/item_processor.h"
#include "pipeline/prepared.h"
#include "store/state_store.h"
#include "telemetry/logger.h"
#include "telemetry/metrics.h"

namespace sluice::pipeline {

struct PipelineOptions {
  std::filesystem::path index_root;  // one Xapian database per source below it
  // The gate the index's readers in this process hold commits back with (see CommitGate); must
  // outlive the Pipeline. Null: readers may fail while the pipeline commits fast.
  index::CommitGate* commit_gate = nullptr;
  int workers = 2;
  size_t apply_batch = 256;  // operations per index commit, at most
  // An add that fails for a reason outside the item (an I/O error) is tried
  // again, after retry_delay_ms * attempts, up to max_attempts times in all.
  int max_attempts = 5;
  int64_t retry_delay_ms = 1000;
  // Run documents/olderthan at once instead of after its queueDelay (tests, tools).
  bool ignore_queue_delay = false;
  ProcessingLimits limits;
  telemetry::Metrics* metrics = nullptr;  // null: not counted
  telemetry::Logger* logger = nullptr;    // null: trouble goes to stderr
  // Set when this node is one of several sharing the state (PostgreSQL): work is claimed from
  // the shared journal under this id, batches are applied one node at a time, and this node's
  // index is a projection of the index changes every node commits. Empty: a single node.
  std::string cluster_node_id;
  // A node that has not said it is alive for this long loses the operations it claimed.
  int64_t node_timeout_ms = 15000;
};

class Pipeline {
 public:
  Pipeline(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
           PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void Start();
  // Tells the dispatcher that the journal grew. Thread-safe.
  void Wake();

  // Holds the applier between two batches for as long as the returned lock lives: nothing is
  // committed to the index or the item table and no consumed container is deleted meanwhile,
  // while pushes are still journaled and workers still prepare items. For a consistent backup.
  std::unique_lock<std::mutex> PauseApplying();

  // In a cluster, this node's index projection (null on a single node).
  const IndexProjector* projector() const { return projector_.get(); }

 private:
  void Dispatch(const std::stop_token& stop);
  void Heartbeats(const std::stop_token& stop);
  // The next operations to process: the journal after `cursor` on a single node; in a
  // cluster, those this node claims (and a heartbeat, so that its claims stay its own).
  base::Result<std::vector<store::Operation>> NextOperations(int64_t& cursor);
  bool clustered() const { return !options_.cluster_node_id.empty(); }
  void Work(const std::stop_token& stop);
  void Apply(const std::stop_token& stop);
  // Grows `batch` with what the workers prepare next, so one commit serves many operations.
  void CollectBatch(std::vector<Prepared>& batch, const std::stop_token& stop);
  base::Result<Applier::Leftovers> ApplyOnce(std::vector<Prepared>& batch);
  Prepared Prepare(store::Operation op, const extract::LanguageDetector& language);
  Prepared PrepareBatch(Prepared p);
  void CountProcessed(const ProcessedItem& item) const;
  void Trouble(std::string_view what, const base::Status& why) const;
  // Turns a merge's partial body into the whole merged body of the item.
  base::Status MergeWithCurrent(Prepared& p);
  base::Result<std::string> KeepContentReadable(const std::string& payload,
                                                const store::Operation& op);

  store::StateStore& store_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  PipelineOptions options_;
  BlockingQueue<store::Operation> work_;
  BlockingQueue<Prepared> applied_;
  Applier applier_;                             // the applier thread's
  FieldKindCache field_kinds_{store_, clock_};  // the workers', for ProcessAdd

  void ScheduleRetries(std::vector<store::Operation> ops);
  void ScheduleAt(std::vector<std::pair<int64_t, store::Operation>> ops);
  std::vector<store::Operation> DueRetries();

  std::mutex apply_mu_;  // held by the applier while it applies a batch, and by PauseApplying
  std::mutex wake_mu_;
  std::condition_variable_any wake_cv_;
  uint64_t wake_count_ = 0;
  std::vector<std::pair<int64_t, store::Operation>> retries_;  // (due ms, op), by wake_mu_

  std::unique_ptr<IndexProjector> projector_;  // a cluster node's
  std::vector<std::jthread> threads_;          // last: joined before the members they use go
};

}  // namespace sluice::pipeline
