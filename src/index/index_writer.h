// IndexWriter: adds, replaces and deletes the items of one source's full-text index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "index/commit_gate.h"
#include "index/document.h"

namespace sluice::index {

// An item's terms, values and stored fields in the form the index stores them. Building it is
// most of the work of adding an item, and any thread may do it, so that the writer's thread
// only has to store it.
class PreparedDocument {
 public:
  static base::Result<PreparedDocument> Build(const IndexDocument& document);
  // The document as bytes (Xapian's serialisation: terms, positions, stored fields, values),
  // for another index to store (index_change.h).
  base::Result<std::string> Serialise() const;
  // The document Serialise() gave as `bytes` for the item `uri`, without the values of numeric
  // and date fields (the writer that stores it gives those fields its own slots). DataLoss when
  // `bytes` are not a serialised document, not the item `uri`'s, or hold a term no index stores.
  static base::Result<PreparedDocument> Unserialise(std::string_view bytes, std::string_view uri);
  PreparedDocument(PreparedDocument&& other) noexcept;
  PreparedDocument& operator=(PreparedDocument&& other) noexcept;
  PreparedDocument(const PreparedDocument&) = delete;
  PreparedDocument& operator=(const PreparedDocument&) = delete;
  ~PreparedDocument();

 private:
  friend class IndexWriter;
  struct Impl;
  explicit PreparedDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One per source directory. Not thread-safe: a single writer thread owns it. A second writer on
// the same directory (in this or another process) fails to open with kUnavailable. Readers
// (Search, GetItem) see changes once Commit() returns; those given the same CommitGate can hold
// its commits back.
class IndexWriter {
 public:
  // Opens the index in `dir`, creating the directory and an empty index if absent. Every commit
  // waits while a reader holds `gate` (when not null), which must outlive the writer.
  static base::Result<std::unique_ptr<IndexWriter>> Open(const std::filesystem::path& dir,
                                                         CommitGate* gate = nullptr);

  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;
  // Closes the index. Xapian writes out uncommitted changes on close; call Commit() first to
  // learn whether they are durable.
  ~IndexWriter();

  // Adds the item, or replaces the one with the same uri.
  base::Status Put(const IndexDocument& document);
  // The same with the document built beforehand from `document` (whose body may have been
  // dropped since: only its uri, metadata and field kinds are read here). `prepared` may be
  // stored again, by this or another writer, if the first attempt's changes were lost.
  base::Status Put(const IndexDocument& document, PreparedDocument& prepared);
  // Deletes the item with this uri; OK when there is none.
  base::Status Delete(std::string_view uri);
  // Deletes the item with this uri and every item whose uri starts with uri + "/".
  // Returns how many items were deleted.
  base::Result<uint64_t> DeleteWithChildren(std::string_view uri);
  // Makes every change so far durable (fsynced) and visible to readers.
  base::Status Commit();
  // Items in the index, counting uncommitted changes.
  uint64_t document_count() const;

 private:
  struct Impl;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::index
