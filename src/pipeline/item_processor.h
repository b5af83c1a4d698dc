// Turns one journaled add into an index document: fetch the bytes (file
// container, inline Base64 or inline text), decompress, extract. Streams end to
// end, so memory grows with the extracted text, not with the item's size.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "blob/blob_store.h"
#include "extract/extractor.h"
#include "extract/language.h"
#include "index/document.h"
#include "store/state_store.h"

namespace sluice::pipeline {

struct ProcessingLimits {
  uint64_t max_decompressed_bytes = 1024ull * 1024 * 1024;
  // The text cap (max_body_bytes), the extraction child and its limits, the spool directory.
  extract::ExtractOptions extraction;
};

struct ProcessedItem {
  index::IndexDocument document;
  std::optional<std::string> file_id;  // the container it consumed
  std::string operation;               // ADD or ADD_BY_REFERENCE
  // What extraction could not do (content not extracted, a mislabelled type), for the log.
  std::vector<std::string> warnings;
  // Items found inside this one (an e-mail's attachments, and theirs), each under the uri
  // ChildUri gives it, with the item's permissions and a "parentid" field naming its parent.
  std::vector<index::IndexDocument> children;
  uint64_t compressed_bytes = 0;  // what the decompressor read (0: the item was not compressed)
  double extract_seconds = 0;     // fetching, decompressing and extracting its text
};

// The uri of the n-th (from 1) file found inside the item at `parent_uri`: below it, so that
// deleting the item with its children deletes them too.
std::string ChildUri(const std::string& parent_uri, size_t n);
// Whether `uri` is one that ChildUri gives some item below `parent_uri`.
bool IsChildUri(const std::string& parent_uri, const std::string& uri);

// The compressedBinaryDataFileId of a journaled add, if it has one.
std::optional<std::string> ReferencedFileId(const store::Operation& op);

// The numeric and date fields of each organization's field catalog, read again when the
// store's catalog version moved (a field created just before a push is honoured) or the copy
// is older than a second (another process changed the catalog), not once per item.
// Thread-safe.
class FieldKindCache {
 public:
  FieldKindCache(store::StateStore& store, const base::Clock& clock)
      : store_(store), clock_(clock) {}
  index::FieldKinds Get(const std::string& organization_id);

 private:
  struct Entry {
    int64_t read_ms = 0;
    uint64_t version = 0;
    index::FieldKinds kinds;
  };
  store::StateStore& store_;
  const base::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by organization, guarded by mu_
};

// Failures are the item's (corrupt data, bomb, missing container): the message
// says what is wrong, e.g. "ZLIB stream truncated at byte 1048576". `field_kinds`
// (FieldKindCache::Get) says which metadata the index keeps as numbers or dates. `language`
// (null: none) fills the `language` field of items whose push does not set it.
base::Result<ProcessedItem> ProcessAdd(const store::Operation& op, const std::string& source_name,
                                       const index::FieldKinds& field_kinds, blob::BlobStore& blobs,
                                       const ProcessingLimits& limits, int64_t now_ms,
                                       const extract::LanguageDetector* language = nullptr);

}  // namespace sluice::pipeline
