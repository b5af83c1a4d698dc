#include "store/journal.h"

namespace sluice::store {

Journal::Journal(StateStore& store, std::function<void(size_t)> on_append)
    : store_(store),
      on_append_(std::move(on_append)),
      writer_([this](const std::stop_token& stop) { Run(stop); }) {}

Journal::~Journal() {
  writer_.request_stop();
  cv_.notify_all();
}

base::Status Journal::Append(std::vector<Operation>& ops) {
  Waiter w{&ops, base::Status::Ok()};
  std::unique_lock lock(mu_);
  if (!stopped_.ok()) return stopped_;
  queue_.push_back(&w);
  cv_.notify_all();
  cv_.wait(lock, [&] { return w.done; });
  return w.status;
}

uint64_t Journal::groups_committed() const {
  std::lock_guard lock(mu_);
  return groups_committed_;
}

base::Status Journal::Health() const {
  std::lock_guard lock(mu_);
  return stopped_.ok() ? full_ : stopped_;
}

void Journal::Record(const base::Status& status) {
  full_ = status.code() == base::StatusCode::kStorageFull ? status : base::Status::Ok();
  if (status.code() == base::StatusCode::kIoError || status.code() == base::StatusCode::kDataLoss) {
    stopped_ = base::Unavailable(
        "the journal stopped taking writes after a failed write (" + status.message() +
        "); operations acknowledged before it are safe; restart Sluice once the storage is "
        "healthy");
  }
}

void Journal::Run(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, stop, [&] { return !queue_.empty(); });
    if (queue_.empty()) return;  // stop requested and nothing left to write
    std::deque<Waiter*> group;
    group.swap(queue_);
    base::Status stopped = stopped_;
    lock.unlock();

    std::vector<Operation> all;
    for (Waiter* w : group) {
      for (auto& op : *w->ops) all.push_back(op);
    }
    base::Status status = stopped.ok() ? store_.AppendOperations(all) : stopped;
    size_t i = 0;
    for (Waiter* w : group) {
      for (auto& op : *w->ops) op.seq = status.ok() ? all[i++].seq : 0;
    }
    // Before the callers return, so that whatever they answer, the pipeline already knows.
    if (status.ok() && on_append_) on_append_(all.size());

    lock.lock();
    Record(status);
    ++groups_committed_;
    for (Waiter* w : group) {
      w->status = status;
      w->done = true;
    }
    cv_.notify_all();
  }
}

}  // namespace sluice::store
