// Index changes as bytes: when several Sluice nodes share one database, the node that processes
// an item records the change it made to its source index, and every node applies the recorded
// changes to its own copy of that index, in the same order. The format of an encoded put is
// described in README.md.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "index/document.h"
#include "index/index_writer.h"

namespace sluice::index {

// One change to a source's index, as the pipeline made it. Deletes need only the uri; a put
// carries the item, encoded by EncodePut.
enum class IndexChangeKind { kPut, kDelete, kDeleteWithChildren };

// The put of `document` as bytes: its uri, metadata and field kinds (what IndexWriter::Put reads
// of it; the body is not needed and may have been dropped) and the terms, positions, stored
// fields and values of `prepared`, built from `document`. The values of numeric and date fields
// are left to the index that applies the put, which gives those fields its own slots, so
// `prepared` may be encoded before or after it was stored. InvalidArgument for an empty uri.
base::Result<std::string> EncodePut(const IndexDocument& document,
                                    const PreparedDocument& prepared);

// Applies a put that EncodePut encoded to `writer`, exactly as writer.Put(document, prepared)
// would have: it adds the item or replaces the one with the same uri. Bytes that are not an
// encoded put are refused before anything is written: DataLoss when they are truncated or
// garbled (the Xapian document included), InvalidArgument for a format this Sluice does not
// read. Errors of the index itself are those of IndexWriter::Put.
base::Status ApplyEncodedPut(IndexWriter& writer, std::string_view encoded);

// The uri of an encoded put, read without decoding the rest (which ApplyEncodedPut may still
// refuse) and with no Xapian work; the checksum of the whole is checked. DataLoss when the
// checksum does not match or the uri is missing or empty, InvalidArgument for an unknown format.
base::Result<std::string> EncodedPutUri(std::string_view encoded);

// An encoded put read back: the item as far as the put carries it (uri, metadata, field kinds)
// and its prepared document. ApplyEncodedPut is writer.Put(decoded.document, decoded.prepared).
struct DecodedPut {
  IndexDocument document;
  PreparedDocument prepared;
};
base::Result<DecodedPut> DecodePut(std::string_view encoded);

}  // namespace sluice::index
