// Where the applier's changes to the index go. On one node, straight into this node's Xapian
// writers. In a cluster, into the shared state as encoded changes, committed in the same
// transaction as the item table, which every node's IndexProjector then applies to its own index
// in commit order: the index is a projection of the shared journal, so any node answers search.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "index/commit_gate.h"
#include "index/document.h"
#include "index/index_writer.h"
#include "store/state_store.h"

namespace sluice::pipeline {

// One source's index, as the applier changes it.
class SourceIndex {
 public:
  virtual ~SourceIndex() = default;
  // `prepared` (may be null: built here) was built from `document` by a worker.
  virtual base::Status Put(const index::IndexDocument& document,
                           index::PreparedDocument* prepared) = 0;
  virtual base::Status Delete(std::string_view uri) = 0;
  virtual base::Status DeleteWithChildren(std::string_view uri) = 0;
};

class IndexTarget {
 public:
  virtual ~IndexTarget() = default;
  virtual base::Result<SourceIndex*> Source(const std::string& organization_id,
                                            const std::string& source_id) = 0;
  // Before the store transaction of `batch`: makes this batch's changes durable in the local
  // index, or moves them into batch.index_changes for that transaction.
  virtual base::Status Commit(store::AppliedBatch& batch) = 0;
  // After a failed batch: drops what was not committed (it is applied again on retry).
  virtual void Reset() = 0;
};

// This node's index writers, one per source, opened when first needed: the applier's on a
// single node, the IndexProjector's in a cluster.
class LocalWriters {
 public:
  LocalWriters(std::filesystem::path index_root, index::CommitGate* gate)
      : index_root_(std::move(index_root)), gate_(gate) {}

  // The source's writer, counted as changed until the next Commit.
  base::Result<index::IndexWriter*> Writer(const std::string& organization_id,
                                           const std::string& source_id);
  // Makes the changes of every writer changed since the last Commit durable and visible.
  base::Status Commit();
  // Reopens the writers, which drops their uncommitted changes.
  void Reset();

 private:
  std::filesystem::path index_root_;
  index::CommitGate* gate_;
  std::map<std::string, std::unique_ptr<index::IndexWriter>> writers_;
  std::set<index::IndexWriter*> touched_;
};

// Where a source's index lives below the index root.
std::filesystem::path SourceIndexDir(const std::filesystem::path& index_root,
                                     const std::string& organization_id,
                                     const std::string& source_id);

// This node's Xapian writers, one per source, committed through `gate` (may be null).
std::unique_ptr<IndexTarget> LocalIndexTarget(std::filesystem::path index_root,
                                              index::CommitGate* gate);

// Encoded changes for the shared state, which every node's IndexProjector applies.
std::unique_ptr<IndexTarget> SharedIndexTarget();

}  // namespace sluice::pipeline
