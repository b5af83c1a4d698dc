#include "faults/fault_plan.h"

#include <cerrno>

namespace sluice::faults {

void FaultPlan::FailWrites(int error, std::string path_part) {
  std::lock_guard lock(mu_);
  writes_ = Rule{error, std::move(path_part)};
}

void FaultPlan::FailSyncs(int error, std::string path_part) {
  std::lock_guard lock(mu_);
  syncs_ = Rule{error, std::move(path_part)};
}

void FaultPlan::Clear() {
  std::lock_guard lock(mu_);
  writes_ = Rule{};
  syncs_ = Rule{};
}

int FaultPlan::WriteError(std::string_view path) {
  std::lock_guard lock(mu_);
  return Inject(writes_, path);
}

int FaultPlan::SyncError(std::string_view path) {
  std::lock_guard lock(mu_);
  return Inject(syncs_, path);
}

int FaultPlan::Inject(const Rule& rule, std::string_view path) {
  if (!rule.Matches(path)) return 0;
  ++injected_;
  return rule.error;
}

bool FaultPlan::disk_full() const {
  std::lock_guard lock(mu_);
  return writes_.error == ENOSPC;
}

uint64_t FaultPlan::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

}  // namespace sluice::faults
