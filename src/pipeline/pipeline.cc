#include "pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <unordered_map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace sluice::pipeline {
namespace {

namespace json = boost::json;

using store::ItemState;
using store::OperationKind;

std::string OperationName(const Pipeline::Prepared& p) {
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
  }
  return "UNKNOWN";
}

// Failures that come from the machine, not from the item's bytes.
bool IsTransient(base::StatusCode code) {
  return code == base::StatusCode::kIoError || code == base::StatusCode::kUnavailable ||
         code == base::StatusCode::kInternal;
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

}  // namespace

std::filesystem::path SourceIndexDir(const std::filesystem::path& index_root,
                                     const std::string& organization_id,
                                     const std::string& source_id) {
  return index_root / organization_id / source_id;
}

Pipeline::Pipeline(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
                   PipelineOptions options)
    : store_(store),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)),
      work_(static_cast<size_t>(std::max(1, options_.workers)) * 2),
      applied_(static_cast<size_t>(std::max(1, options_.workers)) * 2) {}

Pipeline::~Pipeline() {
  for (auto& t : threads_) t.request_stop();
  wake_cv_.notify_all();
  threads_.clear();  // joins
}

void Pipeline::Start() {
  threads_.emplace_back([this](const std::stop_token& s) { Dispatch(s); });
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this](const std::stop_token& s) { Work(s); });
  }
  threads_.emplace_back([this](const std::stop_token& s) { Apply(s); });
}

void Pipeline::Wake() {
  std::lock_guard lock(wake_mu_);
  ++wake_count_;
  wake_cv_.notify_all();
}

void Pipeline::Dispatch(const std::stop_token& stop) {
  int64_t cursor = 0;
  while (!stop.stop_requested()) {
    uint64_t seen;
    {
      std::lock_guard lock(wake_mu_);
      seen = wake_count_;
    }
    for (auto& op : DueRetries()) {
      if (!work_.Push(std::move(op), stop)) return;
    }
    auto ops = store_.PendingOperations(cursor, 64);
    if (!ops.ok()) {
      std::fprintf(stderr, "pipeline: read journal: %s\n", ops.status().ToString().c_str());
    } else {
      for (auto& op : *ops) {
        cursor = op.seq;
        if (!work_.Push(std::move(op), stop)) return;
      }
      if (!ops->empty()) continue;
    }
    std::unique_lock lock(wake_mu_);
    int64_t wait_ms = 1000;
    for (const auto& entry : retries_) {
      wait_ms = std::clamp<int64_t>(entry.first - clock_.NowMs(), 1, wait_ms);
    }
    wake_cv_.wait_for(lock, stop, std::chrono::milliseconds(wait_ms),
                      [&] { return wake_count_ != seen; });
  }
}

void Pipeline::ScheduleRetries(std::vector<store::Operation> ops) {
  std::vector<std::pair<int64_t, store::Operation>> due;
  int64_t now = clock_.NowMs();
  for (auto& op : ops) due.emplace_back(now + options_.retry_delay_ms * op.attempts, std::move(op));
  ScheduleAt(std::move(due));
}

void Pipeline::ScheduleAt(std::vector<std::pair<int64_t, store::Operation>> ops) {
  if (ops.empty()) return;
  std::lock_guard lock(wake_mu_);
  for (auto& entry : ops) retries_.push_back(std::move(entry));
  ++wake_count_;  // the dispatcher shortens its wait to the earliest one
  wake_cv_.notify_all();
}

base::Result<int64_t> Pipeline::DeleteOlderThanDue(const store::Operation& op,
                                                   const std::vector<int64_t>& completed) {
  int64_t due = op.received_ms;
  if (!options_.ignore_queue_delay) {
    json::error_code ec;
    json::value payload = json::parse(op.payload, ec);
    if (!ec && payload.is_object()) {
      if (auto* delay = payload.as_object().if_contains("queuedelayms");
          delay && delay->is_int64()) {
        due += delay->as_int64();
      }
    }
  }
  // Operations journaled before this one go first, so an item refreshed just
  // before the call is not deleted by it.
  SLUICE_ASSIGN_OR_RETURN(auto pending, store_.PendingOperations(0, 256));
  for (const auto& earlier : pending) {
    if (earlier.seq >= op.seq) break;
    if (std::find(completed.begin(), completed.end(), earlier.seq) == completed.end()) {
      return std::max(due, clock_.NowMs() + 20);
    }
  }
  return due;
}

std::vector<store::Operation> Pipeline::DueRetries() {
  std::lock_guard lock(wake_mu_);
  int64_t now = clock_.NowMs();
  std::vector<store::Operation> due;
  auto ripe = [&](const auto& entry) { return entry.first <= now; };
  for (auto& [when, op] : retries_) {
    if (when <= now) due.push_back(std::move(op));
  }
  std::erase_if(retries_, ripe);
  return due;
}

void Pipeline::Work(const std::stop_token& stop) {
  while (auto op = work_.Pop(stop)) {
    if (!applied_.Push(Prepare(std::move(*op)), stop)) return;
  }
}

Pipeline::Prepared Pipeline::Prepare(store::Operation op) {
  Prepared p;
  p.op = std::move(op);
  if (p.op.kind == OperationKind::kBatch) return PrepareBatch(std::move(p));
  if (p.op.kind != OperationKind::kAddOrUpdate) return p;
  p.file_id = ReferencedFileId(p.op);
  // Cheap early exit: a stale add need not be decompressed. The applier checks again.
  auto existing = store_.GetItem(p.op.organization_id, p.op.source_id, p.op.document_id);
  if (existing.ok() && *existing && (*existing)->ordering_id >= p.op.ordering_id) return p;
  auto item = ProcessAdd(p.op, p.op.source_id, blobs_, options_.limits, clock_.NowMs());
  if (item.ok()) {
    p.item = std::move(*item);
    return p;
  }
  p.error = item.status().message();
  if (IsTransient(item.status().code())) {
    p.transient = p.op.attempts + 1 < options_.max_attempts;
    if (!p.transient) {
      p.error += " (gave up after " + std::to_string(options_.max_attempts) + " attempts)";
    }
  }
  return p;
}

Pipeline::Prepared Pipeline::PrepareBatch(Prepared p) {
  p.file_id = ReferencedFileId(p.op);
  auto outcome =
      ExpandBatch(p.op, blobs_, store_, options_.limits.max_decompressed_bytes, clock_.NowMs());
  if (!outcome.ok()) {
    p.error = outcome.status().message();
    p.transient = IsTransient(outcome.status().code()) && p.op.attempts + 1 < options_.max_attempts;
  } else {
    p.batch_operations = outcome->operations;
    p.logs = std::move(outcome->rejected);
  }
  Wake();  // the dispatcher picks up the items just journaled
  return p;
}

void Pipeline::Apply(const std::stop_token& stop) {
  while (auto first = applied_.Pop(stop)) {
    std::vector<Prepared> batch;
    batch.push_back(std::move(*first));
    for (auto& p : applied_.Drain(options_.apply_batch - 1)) batch.push_back(std::move(p));
    for (;;) {
      base::Status s = ApplyBatch(batch);
      if (s.ok()) break;
      // The batch stays in the journal; retrying is safe because applying is idempotent.
      std::fprintf(stderr, "pipeline: apply failed, retrying: %s\n", s.ToString().c_str());
      writers_.clear();
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      if (stop.stop_requested()) return;
    }
  }
}

base::Result<index::IndexWriter*> Pipeline::Writer(const std::string& org,
                                                   const std::string& source) {
  std::string key = org + "/" + source;
  auto it = writers_.find(key);
  if (it != writers_.end()) return it->second.get();
  SLUICE_ASSIGN_OR_RETURN(
      auto writer, index::IndexWriter::Open(SourceIndexDir(options_.index_root, org, source)));
  return writers_.emplace(key, std::move(writer)).first->second.get();
}

base::Status Pipeline::ApplyBatch(std::vector<Prepared>& batch) {
  int64_t now = clock_.NowMs();
  store::AppliedBatch out;
  // Items this batch already changed, so two operations on one item in one
  // batch see each other.
  std::unordered_map<std::string, store::Item> changed;
  std::map<std::string, index::IndexWriter*> touched;

  auto current = [&](const store::Operation& op,
                     const std::string& uri) -> base::Result<std::optional<store::Item>> {
    auto it = changed.find(op.organization_id + "\n" + op.source_id + "\n" + uri);
    if (it != changed.end()) return std::optional<store::Item>(it->second);
    return store_.GetItem(op.organization_id, op.source_id, uri);
  };
  auto record = [&](store::Item item) {
    changed[item.organization_id + "\n" + item.source_id + "\n" + item.uri] = item;
    out.items.push_back(std::move(item));
  };

  std::vector<store::Operation> retry;
  std::vector<std::pair<int64_t, store::Operation>> deferred;
  for (Prepared& p : batch) {
    const store::Operation& op = p.op;
    if (p.transient) {
      retry.push_back(op);
      continue;
    }
    if (op.kind == OperationKind::kBatch) {
      out.completed_seqs.push_back(op.seq);
      if (p.file_id) out.consumed_file_ids.push_back(*p.file_id);
      for (auto& log : p.logs) out.logs.push_back(std::move(log));
      out.logs.push_back(p.error.empty()
                             ? Log(op, "", "BATCH_FILE", "CONSUMING_BATCH", "COMPLETED",
                                   std::to_string(p.batch_operations) + " operations", now)
                             : Log(op, "", "BATCH_FILE", "CONSUMING_BATCH", "ERROR", p.error, now));
      continue;
    }
    if (op.kind == OperationKind::kDeleteOlderThan) {
      SLUICE_ASSIGN_OR_RETURN(int64_t due, DeleteOlderThanDue(op, out.completed_seqs));
      if (due > now) {
        deferred.emplace_back(due, op);
        continue;
      }
      out.completed_seqs.push_back(op.seq);
      SLUICE_ASSIGN_OR_RETURN(index::IndexWriter * writer,
                              Writer(op.organization_id, op.source_id));
      touched[op.organization_id + "/" + op.source_id] = writer;
      SLUICE_ASSIGN_OR_RETURN(
          auto stored, store_.ItemsOlderThan(op.organization_id, op.source_id, op.ordering_id));
      std::vector<store::Item> candidates = std::move(stored);
      for (const auto& [key, item] : changed) {
        if (item.organization_id == op.organization_id && item.source_id == op.source_id) {
          candidates.push_back(item);
        }
      }
      std::set<std::string> done;
      for (const auto& candidate : candidates) {
        // This batch may have changed the item since the store's copy.
        SLUICE_ASSIGN_OR_RETURN(auto latest, current(op, candidate.uri));
        if (!latest || latest->state == ItemState::kDeleted ||
            latest->ordering_id >= op.ordering_id || !done.insert(candidate.uri).second) {
          continue;
        }
        SLUICE_RETURN_IF_ERROR(writer->Delete(candidate.uri));
        // The tombstone sits just below the threshold: older adds stay out, newer ones come in.
        record(store::Item{op.organization_id, op.source_id, candidate.uri, op.ordering_id - 1,
                           ItemState::kDeleted, "", "", 0, now, ""});
        out.logs.push_back(
            Log(op, candidate.uri, "DELETE_OLDER_THAN", "INDEXING", "COMPLETED", "", now));
      }
      continue;
    }
    out.completed_seqs.push_back(op.seq);
    std::string operation = OperationName(p);
    // A container is used once, whether its item was indexed, failed or was stale.
    if (p.file_id) out.consumed_file_ids.push_back(*p.file_id);
    SLUICE_ASSIGN_OR_RETURN(auto existing, current(op, op.document_id));
    if (existing && existing->ordering_id >= op.ordering_id) {
      out.logs.push_back(Log(op, op.document_id, operation, "CONSUMING", "SKIPPED",
                             "orderingId " + std::to_string(op.ordering_id) + " not newer than " +
                                 std::to_string(existing->ordering_id),
                             now));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(index::IndexWriter * writer, Writer(op.organization_id, op.source_id));
    touched[op.organization_id + "/" + op.source_id] = writer;

    if (op.kind == OperationKind::kAddOrUpdate) {
      if (!p.item) {
        store::Item failed = existing.value_or(store::Item{});
        failed.organization_id = op.organization_id;
        failed.source_id = op.source_id;
        failed.uri = op.document_id;
        failed.state = ItemState::kFailed;
        failed.reason = p.error;
        failed.indexed_ms = now;
        record(std::move(failed));
        out.logs.push_back(Log(op, op.document_id, operation, "PROCESSING", "ERROR", p.error, now));
        continue;
      }
      const index::IndexDocument& doc = p.item->document;
      SLUICE_RETURN_IF_ERROR(writer->Put(doc));
      record(store::Item{op.organization_id, op.source_id, op.document_id, op.ordering_id,
                         ItemState::kIndexed, doc.title, doc.file_type, doc.size, now, ""});
      out.logs.push_back(Log(op, op.document_id, operation, "INDEXING", "COMPLETED", "", now));
      continue;
    }

    // Deletes leave a tombstone with their orderingId so that an older add
    // arriving late stays deleted.
    std::vector<std::string> uris = {op.document_id};
    if (op.kind == OperationKind::kDeleteWithChildren) {
      SLUICE_ASSIGN_OR_RETURN(
          auto children, store_.ItemsWithPrefix(op.organization_id, op.source_id, op.document_id));
      for (const auto& child : children) {
        if (child.uri != op.document_id) uris.push_back(child.uri);
      }
      SLUICE_RETURN_IF_ERROR(writer->DeleteWithChildren(op.document_id).status());
    } else {
      SLUICE_RETURN_IF_ERROR(writer->Delete(op.document_id));
    }
    for (const auto& uri : uris) {
      record(store::Item{op.organization_id, op.source_id, uri, op.ordering_id, ItemState::kDeleted,
                         "", "", 0, now, ""});
      out.logs.push_back(Log(op, uri, operation, "INDEXING", "COMPLETED", "", now));
    }
  }
  // Index first, then the item table: a crash between the two replays the
  // batch, and a replayed put or delete is harmless.
  for (auto& [key, writer] : touched) SLUICE_RETURN_IF_ERROR(writer->Commit());
  SLUICE_RETURN_IF_ERROR(store_.CommitApplied(out, now));
  for (auto& op : retry) {
    // The count survives a restart, so a poison item cannot loop forever.
    SLUICE_RETURN_IF_ERROR(store_.RecordAttempt(op.seq));
    ++op.attempts;
  }
  ScheduleRetries(std::move(retry));
  ScheduleAt(std::move(deferred));
  for (const auto& file_id : out.consumed_file_ids)
    (void)blobs_.Remove(store::ContainerBlobKey(file_id));
  return base::Status::Ok();
}

}  // namespace sluice::pipeline
