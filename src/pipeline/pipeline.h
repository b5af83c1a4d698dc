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
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "index/index_writer.h"
#include "pipeline/batch_expander.h"
#include "pipeline/blocking_queue.h"
#include "pipeline/item_processor.h"
#include "store/state_store.h"

namespace sluice::pipeline {

struct PipelineOptions {
  std::filesystem::path index_root;  // one Xapian database per source below it
  int workers = 2;
  size_t apply_batch = 64;
  // An add that fails for a reason outside the item (an I/O error) is tried
  // again, after retry_delay_ms * attempts, up to max_attempts times in all.
  int max_attempts = 5;
  int64_t retry_delay_ms = 1000;
  // Run documents/olderthan at once instead of after its queueDelay (tests, tools).
  bool ignore_queue_delay = false;
  ProcessingLimits limits;
};

// Where a source's index lives.
std::filesystem::path SourceIndexDir(const std::filesystem::path& index_root,
                                     const std::string& organization_id,
                                     const std::string& source_id);

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

  // One operation after its worker ran.
  struct Prepared {
    store::Operation op;
    std::optional<ProcessedItem> item;   // adds that processed cleanly
    std::string error;                   // adds that failed, with the reason
    std::optional<std::string> file_id;  // the file container an add refers to
    bool transient = false;              // the error may go away: try again later
    uint64_t batch_operations = 0;       // a batch: the operations it journaled
    std::vector<store::LogEntry> logs;   // a batch: its items that were refused
  };

 private:
  void Dispatch(const std::stop_token& stop);
  void Work(const std::stop_token& stop);
  void Apply(const std::stop_token& stop);
  Prepared Prepare(store::Operation op);
  Prepared PrepareBatch(Prepared p);
  base::Status ApplyBatch(std::vector<Prepared>& batch);
  base::Result<index::IndexWriter*> Writer(const std::string& org, const std::string& source);

  store::StateStore& store_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  PipelineOptions options_;
  BlockingQueue<store::Operation> work_;
  BlockingQueue<Prepared> applied_;
  std::map<std::string, std::unique_ptr<index::IndexWriter>> writers_;  // applier thread only

  void ScheduleRetries(std::vector<store::Operation> ops);
  void ScheduleAt(std::vector<std::pair<int64_t, store::Operation>> ops);
  // When a delete-older-than may run: after its queueDelay and after every
  // operation journaled before it (those in `completed` count as done).
  base::Result<int64_t> DeleteOlderThanDue(const store::Operation& op,
                                           const std::vector<int64_t>& completed);
  std::vector<store::Operation> DueRetries();

  std::mutex wake_mu_;
  std::condition_variable_any wake_cv_;
  uint64_t wake_count_ = 0;
  std::vector<std::pair<int64_t, store::Operation>> retries_;  // (due ms, op), by wake_mu_

  std::vector<std::jthread> threads_;  // last: joined before the members they use go
};

}  // namespace sluice::pipeline
