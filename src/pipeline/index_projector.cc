#include "pipeline/index_projector.h"

#include <pthread.h>

#include <charconv>
#include <chrono>

#include "base/fs.h"
#include "index/index_change.h"

namespace sluice::pipeline {
namespace {

// How long the projector sleeps when it found nothing new: the delay before a change another
// node committed becomes searchable here, at most.
constexpr auto kPollInterval = std::chrono::milliseconds(100);
// Changes per local commit: a Xapian commit costs about the same for one change as for many.
constexpr uint32_t kChangesPerCommit = 1024;

base::Result<int64_t> ReadCursor(const std::filesystem::path& file) {
  auto text = base::ReadFile(file);
  if (text.status().code() == base::StatusCode::kNotFound) return 0;  // a new or wiped index
  if (!text.ok()) return text.status();
  int64_t seq = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seq);
  if (ec != std::errc() || end != text->data() + text->size() || seq < 0) {
    return base::DataLoss(file.string() +
                          " does not hold a change number; remove the index "
                          "directory to rebuild it from the shared state");
  }
  return seq;
}

}  // namespace

std::filesystem::path ProjectionCursorFile(const std::filesystem::path& index_root) {
  return index_root / "projected-seq";
}

IndexProjector::IndexProjector(store::StateStore& store, std::filesystem::path index_root,
                               index::CommitGate* gate, telemetry::Logger* logger)
    : store_(store),
      index_root_(index_root),
      logger_(logger),
      writers_(std::move(index_root), gate) {}

IndexProjector::~IndexProjector() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void IndexProjector::Start() {
  thread_ = std::jthread([this](const std::stop_token& stop) {
    pthread_setname_np(pthread_self(), "sluice-project");
    Run(stop);
  });
}

void IndexProjector::Run(const std::stop_token& stop) {
  bool cursor_read = false;
  while (!stop.stop_requested()) {
    base::Result<size_t> applied = 0;
    if (!cursor_read) {
      auto cursor = ReadCursor(ProjectionCursorFile(index_root_));
      if (cursor.ok()) {
        applied_seq_ = *cursor;
        cursor_read = true;
      } else {
        applied = cursor.status();
      }
    }
    if (cursor_read) applied = Step(kChangesPerCommit);
    if (!applied.ok() && logger_ != nullptr) {
      logger_->Error("index projection: cannot apply the shared index changes; retrying",
                     {{"error", applied.status().ToString()}});
      writers_.Reset();  // reopened, without what was not committed
    }
    if (applied.ok() && *applied > 0) continue;
    std::this_thread::sleep_for(applied.ok() ? kPollInterval : std::chrono::seconds(1));
  }
}

base::Result<size_t> IndexProjector::Step(uint32_t limit) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<store::IndexChange> changes,
                          store_.IndexChangesAfter(applied_seq_, limit));
  if (changes.empty()) return 0;
  for (const store::IndexChange& change : changes) {
    SLUICE_ASSIGN_OR_RETURN(index::IndexWriter * writer,
                            writers_.Writer(change.organization_id, change.source_id));
    switch (change.kind) {
      case store::IndexChangeKind::kPut:
        SLUICE_RETURN_IF_ERROR(index::ApplyEncodedPut(*writer, change.encoded));
        break;
      case store::IndexChangeKind::kDelete:
        SLUICE_RETURN_IF_ERROR(writer->Delete(change.uri));
        break;
      case store::IndexChangeKind::kDeleteWithChildren:
        SLUICE_RETURN_IF_ERROR(writer->DeleteWithChildren(change.uri).status());
        break;
    }
  }
  SLUICE_RETURN_IF_ERROR(writers_.Commit());
  // After the index commits: a crash in between applies some changes again, which puts and
  // deletes by uri, applied in the same order, make harmless.
  SLUICE_RETURN_IF_ERROR(SaveCursor(changes.back().seq));
  applied_seq_ = changes.back().seq;
  return changes.size();
}

base::Status IndexProjector::SaveCursor(int64_t seq) {
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(index_root_));
  return base::WriteFileAtomic(ProjectionCursorFile(index_root_), std::to_string(seq), 0600);
}

}  // namespace sluice::pipeline
