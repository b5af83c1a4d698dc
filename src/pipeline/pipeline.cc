#include "pipeline/pipeline.h"

#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/json/serialize.hpp>

#include "document/merge.h"
#include "index/search.h"

namespace sluice::pipeline {
Pipeline::Pipeline(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
                   PipelineOptions options)
    : store_(store),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)),
      work_(static_cast<size_t>(std::max(1, options_.workers)) * 2),
      applied_(static_cast<size_t>(std::max(1, options_.workers)) * 2),
      applier_(store, blobs, clock,
               clustered() ? SharedIndexTarget()
                           : LocalIndexTarget(options_.index_root, options_.commit_gate),
               options_.ignore_queue_delay, options_.metrics) {
  if (clustered()) {
    projector_ = std::make_unique<IndexProjector>(store_, options_.index_root, options_.commit_gate,
                                                  options_.logger);
  }
}

Pipeline::~Pipeline() {
  for (auto& t : threads_) t.request_stop();
  wake_cv_.notify_all();
  threads_.clear();  // joins
  if (clustered()) {
    // What this node claimed but did not finish goes to the other nodes now, not after the
    // node timeout. (A node that dies instead loses its claims when its heartbeat ages.)
    base::Status released = store_.ReleaseClaims(options_.cluster_node_id);
    if (!released.ok()) Trouble("pipeline: cannot release this node's claims", released);
  }
}

namespace {

// Names the calling thread, so that top, perf and /proc tell the stages apart, and lowers its
// priority: a push is answered once it is journaled, so answering comes first and processing
// uses the CPU that requests leave. A backlog that grows past --max-pending-operations turns
// into 429s, which is the answer a pusher that outruns indexing should get.
void BecomePipelineThread(const char* name) {
  pthread_setname_np(pthread_self(), name);
  constexpr int kNiceness = 5;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNiceness);
}

}  // namespace

void Pipeline::Start() {
  if (projector_) projector_->Start();
  threads_.emplace_back([this](const std::stop_token& s) {
    BecomePipelineThread("sluice-dispatch");
    Dispatch(s);
  });
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this](const std::stop_token& s) {
      BecomePipelineThread("sluice-work");
      Work(s);
    });
  }
  threads_.emplace_back([this](const std::stop_token& s) {
    BecomePipelineThread("sluice-apply");
    Apply(s);
  });
  if (clustered()) {
    threads_.emplace_back([this](const std::stop_token& s) {
      pthread_setname_np(pthread_self(), "sluice-heartbeat");
      Heartbeats(s);
    });
  }
}

// Its own thread, so that a long extraction, which keeps the dispatcher waiting for a free
// worker, does not make the node look dead and its claims free for the taking.
void Pipeline::Heartbeats(const std::stop_token& stop) {
  const auto interval =
      std::chrono::milliseconds(std::max<int64_t>(options_.node_timeout_ms / 5, 1));
  while (!stop.stop_requested()) {
    base::Status beat = store_.Heartbeat(options_.cluster_node_id, clock_.NowMs());
    if (!beat.ok()) Trouble("pipeline: cannot record this node's heartbeat", beat);
    std::unique_lock lock(wake_mu_);
    wake_cv_.wait_for(lock, stop, interval, [] { return false; });
  }
}

std::unique_lock<std::mutex> Pipeline::PauseApplying() { return std::unique_lock(apply_mu_); }

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
    auto ops = NextOperations(cursor);
    if (!ops.ok()) {
      Trouble("pipeline: cannot read the journal", ops.status());
    } else {
      for (auto& op : *ops) {
        if (!work_.Push(std::move(op), stop)) return;
      }
      if (!ops->empty()) continue;
    }
    std::unique_lock lock(wake_mu_);
    // Other nodes' pushes wake nobody here: a cluster node looks again soon.
    int64_t wait_ms = clustered() ? 100 : 1000;
    for (const auto& entry : retries_) {
      wait_ms = std::clamp<int64_t>(entry.first - clock_.NowMs(), 1, wait_ms);
    }
    wake_cv_.wait_for(lock, stop, std::chrono::milliseconds(wait_ms),
                      [&] { return wake_count_ != seen; });
  }
}

base::Result<std::vector<store::Operation>> Pipeline::NextOperations(int64_t& cursor) {
  if (!clustered()) {
    SLUICE_ASSIGN_OR_RETURN(auto ops, store_.PendingOperations(cursor, 64));
    if (!ops.empty()) cursor = ops.back().seq;
    return ops;
  }
  // Claim no more than the workers can start on soon, so that other nodes get the rest.
  return store_.ClaimOperations(options_.cluster_node_id, clock_.NowMs(), options_.node_timeout_ms,
                                static_cast<uint32_t>(std::max(1, options_.workers)) * 2);
}

void Pipeline::ScheduleRetries(std::vector<store::Operation> ops) {
  std::vector<std::pair<int64_t, store::Operation>> due;
  due.reserve(ops.size());
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
  const extract::LanguageDetector language;  // one per thread: it is not thread-safe
  while (auto op = work_.Pop(stop)) {
    if (!applied_.Push(Prepare(std::move(*op), language), stop)) return;
  }
}

Prepared Pipeline::Prepare(store::Operation op, const extract::LanguageDetector& language) {
  Prepared p;
  p.op = std::move(op);
  if (p.op.kind == store::OperationKind::kBatch) return PrepareBatch(std::move(p));
  if (p.op.kind == store::OperationKind::kMerge) {
    base::Status merged = MergeWithCurrent(p);
    if (!merged.ok()) {
      p.error = merged.message();
      p.transient = IsTransient(merged.code()) && p.op.attempts + 1 < options_.max_attempts;
      return p;
    }
  } else if (p.op.kind != store::OperationKind::kAddOrUpdate) {
    return p;
  }
  p.file_id = ReferencedFileId(p.op);
  // Cheap early exit: a stale add need not be decompressed. The applier checks again.
  auto existing = store_.GetItem(p.op.organization_id, p.op.source_id, p.op.document_id);
  if (existing.ok() && *existing && (*existing)->ordering_id >= p.op.ordering_id) return p;
  // Results and the @source field show the source's name, as Coveo's do.
  std::string source_name = p.op.source_id;
  if (auto source = store_.GetSource(p.op.organization_id, p.op.source_id);
      source.ok() && *source) {
    source_name = (*source)->name;
  }
  auto item = ProcessAdd(p.op, source_name, field_kinds_.Get(p.op.organization_id), blobs_,
                         options_.limits, clock_.NowMs(), &language);
  if (item.ok()) {
    p.item = std::move(*item);
    CountProcessed(*p.item);
    p.text_bytes = p.item->document.body.size();
    for (const index::IndexDocument& child : p.item->children) p.text_bytes += child.body.size();
    // The built document holds what the index keeps of the body, so the copy is dropped. If
    // it cannot be built, the applier's Put builds it again and reports why.
    if (auto built = index::PreparedDocument::Build(p.item->document); built.ok()) {
      p.index_document.emplace(std::move(built).value());
      p.item->document.body = std::string();
    }
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

namespace {

// The formats Sluice reads, by the file type its extractors report; anything else is "other",
// so that a pusher's made-up extensions cannot grow the metric's label values without bound.
std::string_view FormatLabel(std::string_view file_type) {
  static constexpr std::string_view kKnown[] = {
      "html", "xhtml", "htm", "xml", "txt", "csv", "md", "json", "pdf", "docx", "xlsx",
      "pptx", "odt",   "ods", "odp", "eml", "js",  "py", "c",    "cc",  "cpp",  "java"};
  for (std::string_view known : kKnown) {
    if (file_type == known) return known;
  }
  return "other";
}

}  // namespace

void Pipeline::CountProcessed(const ProcessedItem& item) const {
  if (options_.metrics == nullptr) return;
  if (item.compressed_bytes > 0) {
    options_.metrics->Decompressed(item.compressed_bytes, item.document.size);
  }
  if (item.extract_seconds > 0) {
    options_.metrics->Extracted(FormatLabel(item.document.file_type), item.extract_seconds);
  }
}

void Pipeline::Trouble(std::string_view what, const base::Status& why) const {
  if (options_.logger == nullptr) {
    std::fprintf(stderr, "pipeline: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 why.ToString().c_str());
    return;
  }
  options_.logger->Error(what, {{"error", why.ToString()}});
}

base::Status Pipeline::MergeWithCurrent(Prepared& p) {
  const store::Operation& op = p.op;
  SLUICE_ASSIGN_OR_RETURN(auto current,
                          store_.GetItem(op.organization_id, op.source_id, op.document_id));
  p.merge_base_seq = current ? current->op_seq : 0;
  // No current version to merge into: the merge creates the item from the fields it names.
  if (!current || current->state == store::ItemState::kDeleted || current->op_seq == 0) {
    return base::Status::Ok();
  }
  SLUICE_ASSIGN_OR_RETURN(auto base_op, store_.GetOperation(current->op_seq));
  if (!base_op) return base::DataLoss("the journaled operation of the current version is gone");
  SLUICE_ASSIGN_OR_RETURN(std::string base, KeepContentReadable(base_op->payload, op));
  SLUICE_ASSIGN_OR_RETURN(p.op.payload, document::MergeBodies(base, op.payload));
  return base::Status::Ok();
}

// A consumed file container's bytes are deleted, so a merge into an item that came from
// one carries the item's stored text (its first 1 MiB) as inline data instead.
base::Result<std::string> Pipeline::KeepContentReadable(const std::string& payload,
                                                        const store::Operation& op) {
  store::Operation base_op;
  base_op.payload = payload;
  auto file_id = ReferencedFileId(base_op);
  if (!file_id) return payload;
  // Stat, not Open: from an object store, Open would download the whole container.
  if (blobs_.Stat(store::ContainerBlobKey(*file_id)).ok()) return payload;
  SLUICE_ASSIGN_OR_RETURN(
      auto stored,
      index::GetItem(SourceIndexDir(options_.index_root, op.organization_id, op.source_id),
                     op.document_id, options_.commit_gate));
  std::string text = stored ? stored->body : "";
  return document::MergeBodies(payload, boost::json::serialize(boost::json::object{
                                            {"data", text}, {"fileextension", ".txt"}}));
}

Prepared Pipeline::PrepareBatch(Prepared p) {
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

// Adds to `batch` what the workers prepare next, until it holds apply_batch operations or
// kMaxBatchTextBytes of text, no operation comes within kNextOperationWait, or kMaxCollectTime
// has passed. A Xapian commit costs about the same for a few items as for hundreds (it writes
// every block the batch touched and syncs), and that cost grows with the index: committing each
// handful of items as it came held a 100,000-item index to about 40 items per second. Idle, the
// batch is committed after one short wait.
void Pipeline::CollectBatch(std::vector<Prepared>& batch, const std::stop_token& stop) {
  constexpr auto kNextOperationWait = std::chrono::milliseconds(10);
  constexpr auto kMaxCollectTime = std::chrono::milliseconds(500);
  constexpr size_t kMaxBatchTextBytes = size_t{64} << 20;
  size_t bytes = batch.front().text_bytes;
  const auto deadline = std::chrono::steady_clock::now() + kMaxCollectTime;
  while (batch.size() < options_.apply_batch && bytes < kMaxBatchTextBytes &&
         std::chrono::steady_clock::now() < deadline) {
    std::optional<Prepared> next = applied_.PopFor(kNextOperationWait, stop);
    if (!next) break;
    bytes += next->text_bytes;
    batch.push_back(std::move(*next));
  }
}

// In a cluster, one node applies at a time: the applier's orderingId checks read the shared
// item table, and two nodes deciding about one item at once could let the older version win.
base::Result<Applier::Leftovers> Pipeline::ApplyOnce(std::vector<Prepared>& batch) {
  if (!clustered()) return applier_.Apply(batch);
  SLUICE_ASSIGN_OR_RETURN(auto lock, store_.LockApplying());
  return applier_.Apply(batch);
}

void Pipeline::Apply(const std::stop_token& stop) {
  // A burst of work leaves freed memory in the allocator's per-thread arenas; once the
  // pipeline has been idle for a moment it is handed back, so a server's memory returns
  // near its baseline after a flood instead of staying at its peak.
  constexpr auto kIdleBeforeTrim = std::chrono::seconds(1);
  bool trimmed = true;
  for (;;) {
    std::optional<Prepared> first = applied_.PopFor(kIdleBeforeTrim, stop);
    if (stop.stop_requested()) return;
    if (!first) {
      if (!trimmed) ::malloc_trim(0);
      trimmed = true;
      continue;
    }
    trimmed = false;
    std::vector<Prepared> batch;
    batch.push_back(std::move(*first));
    CollectBatch(batch, stop);
    for (;;) {
      std::unique_lock applying(apply_mu_);
      auto leftovers = ApplyOnce(batch);
      applying.unlock();
      if (leftovers.ok()) {
        ScheduleRetries(std::move(leftovers->retry));
        ScheduleAt(std::move(leftovers->deferred));
        break;
      }
      // The batch stays in the journal; retrying is safe because applying is idempotent.
      Trouble("pipeline: applying a batch failed; retrying", leftovers.status());
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      if (stop.stop_requested()) return;
    }
  }
}

}  // namespace sluice::pipeline
