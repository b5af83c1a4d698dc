// One journaled operation after a worker prepared it for the applier.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/index_writer.h"
#include "pipeline/item_processor.h"
#include "store/state_store.h"

namespace sluice::pipeline {

struct Prepared {
  store::Operation op;
  std::optional<ProcessedItem> item;  // adds that processed cleanly (without their body)
  // Built from item by the worker, so that the applier only stores it.
  std::optional<index::PreparedDocument> index_document;
  size_t text_bytes = 0;               // the body's size
  std::string error;                   // adds and batches that failed, with the reason
  std::optional<std::string> file_id;  // the file container an add or a batch uses
  bool transient = false;              // the error may go away: try again later
  uint64_t batch_operations = 0;       // a batch: the operations it journaled
  std::vector<store::LogEntry> logs;   // a batch: its items that were refused
  // A merge: the journal seq of the version it was merged into (0: none). The applier
  // prepares it again when the item changed in between.
  std::optional<int64_t> merge_base_seq;
};

// Failures that come from the machine, not from the item's bytes.
bool IsTransient(base::StatusCode code);

}  // namespace sluice::pipeline
