#include "pipeline/batch_expander.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "codec/decompressor.h"
#include "document/batch_reader.h"
#include "document/document_body.h"
#include "pipeline/item_processor.h"

namespace sluice::pipeline {
namespace {

namespace json = boost::json;

constexpr size_t kJournalGroup = 500;

// A merge batch (PUT stream/merge) journals kMerge operations for its items.
bool IsMergeBatch(const store::Operation& batch) {
  json::error_code ec;
  json::value payload = json::parse(batch.payload, ec);
  if (ec || !payload.is_object()) return false;
  const json::value* merge = payload.as_object().if_contains("merge");
  return merge != nullptr && merge->is_bool() && merge->as_bool();
}

// Builds the operations of a batch and journals them in groups.
class Expansion {
 public:
  // The first `already_journaled` entries were journaled by an earlier expansion of this batch.
  Expansion(const store::Operation& batch, uint64_t already_journaled, store::StateStore& store,
            int64_t now_ms)
      : batch_(batch),
        merge_(IsMergeBatch(batch)),
        store_(store),
        now_ms_(now_ms),
        already_journaled_(already_journaled) {}

  base::Status OnItem(document::BatchSection section, json::value item) {
    ++index_;
    base::Result<store::Operation> op = base::InvalidArgument("");
    switch (section) {
      case document::BatchSection::kAddOrUpdate:
        op = AddOperation(std::move(item));
        break;
      case document::BatchSection::kDelete:
        op = DeleteOperation(std::move(item));
        break;
      case document::BatchSection::kPartialUpdate:
        op = PartialUpdate(item);
        break;
    }
    if (!op.ok()) {
      // Refusals are only logged, when the batch is applied, so they are reported again.
      Reject(section, op.status().message());
      return base::Status::Ok();
    }
    if (index_ <= already_journaled_) {
      ++outcome_.operations;
      return base::Status::Ok();
    }
    pending_.push_back(std::move(*op));
    if (pending_.size() >= kJournalGroup) return Flush();
    return base::Status::Ok();
  }

  base::Status Flush() {
    if (pending_.empty()) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(store_.AppendBatchItems(batch_.seq, index_, pending_));
    outcome_.operations += pending_.size();
    pending_.clear();
    return base::Status::Ok();
  }

  BatchOutcome& outcome() { return outcome_; }

 private:
  store::Operation Base(std::string document_id) const {
    store::Operation op;
    op.organization_id = batch_.organization_id;
    op.source_id = batch_.source_id;
    op.document_id = std::move(document_id);
    op.ordering_id = batch_.ordering_id;
    op.received_ms = batch_.received_ms;
    op.request_id = batch_.request_id;
    return op;
  }

  static base::Result<std::string> DocumentId(const json::value& item) {
    if (!item.is_object()) return base::InvalidArgument("the item is not a JSON object");
    const json::value* id = item.as_object().if_contains("documentid");
    if (id == nullptr || !id->is_string() || id->as_string().empty()) {
      return base::InvalidArgument("the item has no 'documentId'");
    }
    return std::string(id->as_string());
  }

  base::Result<store::Operation> AddOperation(json::value item) {
    SLUICE_ASSIGN_OR_RETURN(std::string id, DocumentId(item));
    last_id_ = id;
    SLUICE_ASSIGN_OR_RETURN(document::DocumentBody body,
                            document::ValidateDocumentBody(std::move(item), id, std::nullopt));
    store::Operation op = Base(std::move(id));
    op.kind = merge_ ? store::OperationKind::kMerge : store::OperationKind::kAddOrUpdate;
    op.payload = json::serialize(body.fields);
    return op;
  }

  base::Result<store::Operation> DeleteOperation(json::value item) {
    SLUICE_ASSIGN_OR_RETURN(std::string id, DocumentId(item));
    last_id_ = id;
    bool children = false;
    if (const json::value* v = item.as_object().if_contains("deletechildren")) {
      if (!v->is_bool()) return base::InvalidArgument("'deleteChildren' must be true or false");
      children = v->as_bool();
    }
    store::Operation op = Base(std::move(id));
    op.kind = children ? store::OperationKind::kDeleteWithChildren : store::OperationKind::kDelete;
    op.payload = "{}";
    return op;
  }

  // Field-level operators (arrayAppend, dictionaryPut, ...) are not applied: each entry is
  // refused in the log by name, so nothing vanishes silently. Whole-field changes go
  // through PUT stream/merge.
  base::Result<store::Operation> PartialUpdate(const json::value& item) {
    auto id = DocumentId(item);
    last_id_ = id.ok() ? *id : "";
    return base::InvalidArgument(
        "partialUpdate is not supported; send the changed fields with PUT stream/merge instead");
  }

  void Reject(document::BatchSection section, const std::string& why) {
    static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
        {"ADD", "addOrUpdate"}, {"DELETE", "delete"}, {"UPDATE", "partialUpdate"}};
    auto [operation, name] = kNames[static_cast<int>(section)];
    outcome_.rejected.push_back(store::LogEntry{
        0, now_ms_, batch_.organization_id, batch_.source_id, last_id_, std::string(operation),
        "CONSUMING_BATCH", "REJECTED",
        "batch item " + std::to_string(index_) + " (" + std::string(name) + "): " + why,
        batch_.request_id});
    last_id_.clear();
  }

  const store::Operation& batch_;
  bool merge_;
  store::StateStore& store_;
  int64_t now_ms_;
  uint64_t already_journaled_;
  std::vector<store::Operation> pending_;
  BatchOutcome outcome_;
  uint64_t index_ = 0;
  std::string last_id_;
};

}  // namespace

base::Result<BatchOutcome> ExpandBatch(const store::Operation& batch, blob::BlobStore& blobs,
                                       store::StateStore& store, uint64_t max_decompressed_bytes,
                                       int64_t now_ms) {
  auto file_id = ReferencedFileId(batch);
  if (!file_id) return base::DataLoss("journaled batch names no file container");
  auto reader = blobs.Open(store::ContainerBlobKey(*file_id));
  if (!reader.ok()) {
    if (reader.status().code() == base::StatusCode::kNotFound) {
      return base::NotFound("the content of file container '" + *file_id + "' is gone");
    }
    return reader.status();
  }
  // What an earlier, interrupted expansion journaled (this process's copy of the batch may be
  // older than the journal's, e.g. when retried): those entries are not journaled twice.
  SLUICE_ASSIGN_OR_RETURN(std::optional<store::Operation> journaled, store.GetOperation(batch.seq));
  Expansion expansion(batch, journaled ? journaled->expanded : 0, store, now_ms);
  document::BatchReader batch_reader([&](document::BatchSection section, json::value item) {
    return expansion.OnItem(section, std::move(item));
  });
  auto read_all = [&]() -> base::Status {
    auto read = [&](char* buffer, size_t size) { return (*reader)->Read(buffer, size); };
    auto feed = [&](std::string_view chunk) { return batch_reader.Write(chunk); };
    SLUICE_ASSIGN_OR_RETURN(uint64_t bytes,
                            codec::DecompressSniffed(read, max_decompressed_bytes, feed));
    if (bytes == 0) return base::Status::Ok();  // an empty container is an empty batch
    return batch_reader.Finish();
  };
  // Items read before a damaged part are still journaled; the error is reported after them.
  base::Status read = read_all();
  SLUICE_RETURN_IF_ERROR(expansion.Flush());
  SLUICE_RETURN_IF_ERROR(read);
  return std::move(expansion.outcome());
}

}  // namespace sluice::pipeline
