#include "pipeline/applier.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace sluice::pipeline {
namespace {

namespace json = boost::json;

using store::ItemState;
using store::OperationKind;

std::string OperationName(const Prepared& p) {
  switch (p.op.kind) {
    case OperationKind::kAddOrUpdate:
      return p.file_id ? "ADD_BY_REFERENCE" : "ADD";
    case OperationKind::kDelete:
      return "DELETE";
    case OperationKind::kDeleteWithChildren:
      return "DELETE_AND_CHILDREN";
    case OperationKind::kDeleteOlderThan:
      return "DELETE_OLDER_THAN";
    case OperationKind::kBatch:
      return "BATCH_FILE";
    case OperationKind::kMerge:
      return "UPDATE";
  }
  return "UNKNOWN";
}

store::LogEntry Log(const store::Operation& op, const std::string& uri, std::string operation,
                    std::string task, std::string result, std::string reason, int64_t now_ms) {
  return store::LogEntry{0,
                         now_ms,
                         op.organization_id,
                         op.source_id,
                         uri,
                         std::move(operation),
                         std::move(task),
                         std::move(result),
                         std::move(reason),
                         op.request_id};
}

// A delete's tombstone: keeps an older add that arrives late out.
store::Item Tombstone(const store::Operation& op, const std::string& uri, uint64_t ordering_id,
                      int64_t now_ms) {
  return store::Item{op.organization_id,
                     op.source_id,
                     uri,
                     ordering_id,
                     ItemState::kDeleted,
                     "",
                     "",
                     0,
                     now_ms,
                     ""};
}

int64_t QueueDelayMs(const store::Operation& op) {
  json::error_code ec;
  json::value payload = json::parse(op.payload, ec);
  if (ec || !payload.is_object()) return 0;
  const json::value* delay = payload.as_object().if_contains("queuedelayms");
  return delay != nullptr && delay->is_int64() ? delay->as_int64() : 0;
}

}  // namespace

bool IsTransient(base::StatusCode code) {
  return code == base::StatusCode::kIoError || code == base::StatusCode::kUnavailable ||
         code == base::StatusCode::kInternal || code == base::StatusCode::kStorageFull;
}

class Applier::Batch {
 public:
  Batch(Applier& applier, int64_t now_ms) : a_(applier), now_(now_ms) {}

  base::Status Apply(Prepared& p) {
    if (p.transient) {
      leftovers_.retry.push_back(p.op);
      return base::Status::Ok();
    }
    switch (p.op.kind) {
      case OperationKind::kBatch:
        ApplyBatchFile(p);
        return base::Status::Ok();
      case OperationKind::kDeleteOlderThan:
        return ApplyDeleteOlderThan(p.op);
      case OperationKind::kAddOrUpdate:
      case OperationKind::kMerge:
      case OperationKind::kDelete:
      case OperationKind::kDeleteWithChildren:
        return ApplyItemOperation(p);
    }
    return base::Internal("unknown operation kind");
  }

  base::Result<Leftovers> Commit() {
    SLUICE_RETURN_IF_ERROR(a_.index_->Commit(out_));
    SLUICE_RETURN_IF_ERROR(a_.store_.CommitApplied(out_, now_));
    if (a_.metrics_ != nullptr) {
      for (const store::LogEntry& log : out_.logs) {
        a_.metrics_->ItemLogged(log.operation, log.task, log.result);
      }
    }
    for (auto& op : leftovers_.retry) {
      // The count survives a restart, so a poison item cannot loop forever.
      SLUICE_RETURN_IF_ERROR(a_.store_.RecordAttempt(op.seq));
      ++op.attempts;
    }
    for (const auto& file_id : out_.consumed_file_ids) {
      (void)a_.blobs_.Remove(store::ContainerBlobKey(file_id));
    }
    return std::move(leftovers_);
  }

 private:
  static std::string Key(const std::string& org, const std::string& source,
                         const std::string& uri) {
    return org + "\n" + source + "\n" + uri;
  }

  // The item as this batch left it, else as stored.
  base::Result<std::optional<store::Item>> Current(const store::Operation& op,
                                                   const std::string& uri) {
    auto it = changed_.find(Key(op.organization_id, op.source_id, uri));
    if (it != changed_.end()) return std::optional<store::Item>(it->second);
    return a_.store_.GetItem(op.organization_id, op.source_id, uri);
  }

  void Record(store::Item item) {
    changed_[Key(item.organization_id, item.source_id, item.uri)] = item;
    out_.items.push_back(std::move(item));
  }

  base::Result<SourceIndex*> Writer(const store::Operation& op) {
    return a_.index_->Source(op.organization_id, op.source_id);
  }

  void ApplyBatchFile(Prepared& p) {
    const store::Operation& op = p.op;
    out_.completed_seqs.push_back(op.seq);
    if (p.file_id) out_.consumed_file_ids.push_back(*p.file_id);
    for (auto& log : p.logs) out_.logs.push_back(std::move(log));
    out_.logs.push_back(p.error.empty()
                            ? Log(op, "", "BATCH_FILE", "CONSUMING_BATCH", "COMPLETED",
                                  std::to_string(p.batch_operations) + " operations", now_)
                            : Log(op, "", "BATCH_FILE", "CONSUMING_BATCH", "ERROR", p.error, now_));
  }

  // After its queueDelay and after every operation received before it, so an
  // item refreshed just before the call is not deleted by it. "Received before"
  // includes the items of an earlier batch file, which are journaled (with the
  // batch's receipt time) only once the batch is read, after this operation.
  base::Result<int64_t> DueTime(const store::Operation& op) {
    int64_t due = op.received_ms + (a_.ignore_queue_delay_ ? 0 : QueueDelayMs(op));
    SLUICE_ASSIGN_OR_RETURN(auto pending, a_.store_.PendingOperations(0, 256));
    const auto& done = out_.completed_seqs;
    for (const auto& other : pending) {
      bool earlier = other.seq < op.seq || (other.received_ms <= op.received_ms &&
                                            other.kind != OperationKind::kDeleteOlderThan);
      if (other.seq != op.seq && earlier &&
          std::find(done.begin(), done.end(), other.seq) == done.end()) {
        return std::max(due, now_ + 20);
      }
    }
    return due;
  }

  base::Status ApplyDeleteOlderThan(const store::Operation& op) {
    SLUICE_ASSIGN_OR_RETURN(int64_t due, DueTime(op));
    if (due > now_) {
      leftovers_.deferred.emplace_back(due, op);
      return base::Status::Ok();
    }
    out_.completed_seqs.push_back(op.seq);
    SLUICE_ASSIGN_OR_RETURN(SourceIndex * writer, Writer(op));
    SLUICE_ASSIGN_OR_RETURN(auto candidates, a_.store_.ItemsOlderThan(
                                                 op.organization_id, op.source_id, op.ordering_id));
    for (const auto& [key, item] : changed_) {
      if (item.organization_id == op.organization_id && item.source_id == op.source_id) {
        candidates.push_back(item);
      }
    }
    std::set<std::string> deleted;
    for (const auto& candidate : candidates) {
      SLUICE_ASSIGN_OR_RETURN(auto latest, Current(op, candidate.uri));
      if (!latest || latest->state == ItemState::kDeleted ||
          latest->ordering_id >= op.ordering_id || !deleted.insert(candidate.uri).second) {
        continue;
      }
      SLUICE_RETURN_IF_ERROR(writer->Delete(candidate.uri));
      // Just below the threshold: older adds stay out, newer ones come back in.
      Record(Tombstone(op, candidate.uri, op.ordering_id - 1, now_));
      out_.logs.push_back(
          Log(op, candidate.uri, "DELETE_OLDER_THAN", "INDEXING", "COMPLETED", "", now_));
    }
    return base::Status::Ok();
  }

  base::Status ApplyItemOperation(Prepared& p) {
    const store::Operation& op = p.op;
    SLUICE_ASSIGN_OR_RETURN(auto existing, Current(op, op.document_id));
    if (p.merge_base_seq && *p.merge_base_seq != (existing ? existing->op_seq : 0)) {
      // Merged into a version that has been replaced since: merge again into the new one.
      leftovers_.retry.push_back(op);
      return base::Status::Ok();
    }
    out_.completed_seqs.push_back(op.seq);
    // A container is used once, whether its item was indexed, failed or was stale.
    if (p.file_id) out_.consumed_file_ids.push_back(*p.file_id);
    if (existing && existing->ordering_id >= op.ordering_id) {
      out_.logs.push_back(Log(op, op.document_id, OperationName(p), "CONSUMING", "SKIPPED",
                              "orderingId " + std::to_string(op.ordering_id) + " not newer than " +
                                  std::to_string(existing->ordering_id),
                              now_));
      return base::Status::Ok();
    }
    if (op.kind == OperationKind::kAddOrUpdate || op.kind == OperationKind::kMerge) {
      return ApplyAdd(p, existing);
    }
    return ApplyDelete(p);
  }

  base::Status ApplyAdd(Prepared& p, const std::optional<store::Item>& existing) {
    const store::Operation& op = p.op;
    if (!p.item) {
      // The previous version, if any, stays searchable; the row says what failed.
      store::Item failed = existing.value_or(store::Item{});
      failed.organization_id = op.organization_id;
      failed.source_id = op.source_id;
      failed.uri = op.document_id;
      failed.state = ItemState::kFailed;
      failed.reason = p.error;
      failed.indexed_ms = now_;
      Record(std::move(failed));
      out_.logs.push_back(
          Log(op, op.document_id, OperationName(p), "PROCESSING", "ERROR", p.error, now_));
      return base::Status::Ok();
    }
    SLUICE_ASSIGN_OR_RETURN(SourceIndex * writer, Writer(op));
    const index::IndexDocument& doc = p.item->document;
    SLUICE_RETURN_IF_ERROR(writer->Put(doc, p.index_document ? &*p.index_document : nullptr));
    Record(store::Item{op.organization_id, op.source_id, op.document_id, op.ordering_id,
                       ItemState::kIndexed, doc.title, doc.file_type, doc.size, now_, "", op.seq});
    for (const std::string& warning : p.item->warnings) {
      out_.logs.push_back(
          Log(op, op.document_id, OperationName(p), "PROCESSING", "WARNING", warning, now_));
    }
    out_.logs.push_back(
        Log(op, op.document_id, OperationName(p), "INDEXING", "COMPLETED", "", now_));
    // Only a version still in the index can have left attachments behind.
    const bool replaces = existing && existing->state != ItemState::kDeleted;
    return ApplyChildren(p, replaces, *writer);
  }

  // The files found inside an added item (an e-mail's attachments) replace those its previous
  // version had, if `replaces` (a version of it is in the index), looked up in the item table.
  base::Status ApplyChildren(const Prepared& p, bool replaces, SourceIndex& writer) {
    const store::Operation& op = p.op;
    std::set<std::string> kept;
    for (const index::IndexDocument& child : p.item->children) {
      SLUICE_RETURN_IF_ERROR(writer.Put(child, nullptr));
      kept.insert(child.uri);
      Record(store::Item{op.organization_id, op.source_id, child.uri, op.ordering_id,
                         ItemState::kIndexed, child.title, child.file_type, child.size, now_, "",
                         op.seq});
      out_.logs.push_back(Log(op, child.uri, OperationName(p), "INDEXING", "COMPLETED",
                              "inside " + op.document_id, now_));
    }
    if (!replaces) return base::Status::Ok();
    SLUICE_ASSIGN_OR_RETURN(
        auto below, a_.store_.ItemsWithPrefix(op.organization_id, op.source_id, op.document_id));
    for (const store::Item& old : below) {
      if (!IsChildUri(op.document_id, old.uri) || kept.contains(old.uri)) continue;
      SLUICE_RETURN_IF_ERROR(writer.Delete(old.uri));
      Record(Tombstone(op, old.uri, op.ordering_id, now_));
      out_.logs.push_back(Log(op, old.uri, "DELETE", "INDEXING", "COMPLETED",
                              "no longer inside " + op.document_id, now_));
    }
    return base::Status::Ok();
  }

  base::Status ApplyDelete(const Prepared& p) {
    const store::Operation& op = p.op;
    SLUICE_ASSIGN_OR_RETURN(SourceIndex * writer, Writer(op));
    std::vector<std::string> uris = {op.document_id};
    if (op.kind == OperationKind::kDeleteWithChildren) {
      SLUICE_ASSIGN_OR_RETURN(auto children, a_.store_.ItemsWithPrefix(
                                                 op.organization_id, op.source_id, op.document_id));
      for (const auto& child : children) {
        if (child.uri != op.document_id) uris.push_back(child.uri);
      }
      SLUICE_RETURN_IF_ERROR(writer->DeleteWithChildren(op.document_id));
    } else {
      SLUICE_RETURN_IF_ERROR(writer->Delete(op.document_id));
      // The files Sluice found inside the item (its attachments) go with it.
      SLUICE_ASSIGN_OR_RETURN(
          auto below, a_.store_.ItemsWithPrefix(op.organization_id, op.source_id, op.document_id));
      for (const store::Item& child : below) {
        if (!IsChildUri(op.document_id, child.uri)) continue;
        SLUICE_RETURN_IF_ERROR(writer->Delete(child.uri));
        uris.push_back(child.uri);
      }
    }
    for (const auto& uri : uris) {
      Record(Tombstone(op, uri, op.ordering_id, now_));
      out_.logs.push_back(Log(op, uri, OperationName(p), "INDEXING", "COMPLETED", "", now_));
    }
    return base::Status::Ok();
  }

  Applier& a_;
  int64_t now_;
  store::AppliedBatch out_;
  // Items this batch already changed, so two operations on one item in one
  // batch see each other.
  std::unordered_map<std::string, store::Item> changed_;
  Leftovers leftovers_;
};

Applier::Applier(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
                 std::unique_ptr<IndexTarget> index, bool ignore_queue_delay,
                 telemetry::Metrics* metrics)
    : store_(store),
      blobs_(blobs),
      clock_(clock),
      index_(std::move(index)),
      ignore_queue_delay_(ignore_queue_delay),
      metrics_(metrics) {}

base::Result<Applier::Leftovers> Applier::Apply(std::vector<Prepared>& batch) {
  Batch b(*this, clock_.NowMs());
  base::Status s;
  for (Prepared& p : batch) {
    s = b.Apply(p);
    if (!s.ok()) break;
  }
  auto leftovers = s.ok() ? b.Commit() : base::Result<Leftovers>(s);
  // Drop what the failed batch changed; it is applied again, identically, when retried.
  if (!leftovers.ok()) index_->Reset();
  return leftovers;
}

}  // namespace sluice::pipeline
