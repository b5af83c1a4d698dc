// Turns a journaled batch — a batch file in a file container — into one
// journaled operation per item, appended durably in groups as the file is read,
// so a 256 MB batch flows through bounded memory.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "blob/blob_store.h"
#include "store/state_store.h"

namespace sluice::pipeline {

struct BatchOutcome {
  uint64_t operations = 0;                // journaled
  std::vector<store::LogEntry> rejected;  // items refused, with the reason
};

// Each group of items is journaled in one transaction with the count of the batch's entries
// it covers (Operation::expanded), so expanding the batch again after a crash, here or on
// another node, journals only the entries not journaled yet. A batch file may be raw JSON, or gzip
// or zlib compressed (recognised by its first bytes).
base::Result<BatchOutcome> ExpandBatch(const store::Operation& batch, blob::BlobStore& blobs,
                                       store::StateStore& store, uint64_t max_decompressed_bytes,
                                       int64_t now_ms);

}  // namespace sluice::pipeline
