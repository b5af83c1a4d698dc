// Which storage faults a test wants. Shared by FaultyFs and FaultyVfs, so one
// switch fails Sluice's own files and SQLite's alike. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice::faults {

class FaultPlan {
 public:
  // From now on, writes to files whose path contains `path_part` (empty: every
  // file) fail with `error`: ENOSPC is a full disk, EIO a failing device.
  void FailWrites(int error, std::string path_part = "");
  // From now on, fsyncs of such files fail with `error` (EIO).
  void FailSyncs(int error, std::string path_part = "");
  // The faults are gone: the disk has room again, the device answers.
  void Clear();

  // The errno to fail the operation with, or 0 to let it go ahead.
  int WriteError(std::string_view path);
  int SyncError(std::string_view path);
  // A full disk has no bytes available, whatever statvfs says.
  bool disk_full() const;
  // How many operations were failed on purpose.
  uint64_t injected() const;

 private:
  struct Rule {
    int error = 0;
    std::string path_part;
    bool Matches(std::string_view path) const {
      return error != 0 && path.find(path_part) != std::string_view::npos;
    }
  };
  int Inject(const Rule& rule, std::string_view path);

  mutable std::mutex mu_;
  Rule writes_;
  Rule syncs_;
  uint64_t injected_ = 0;
};

}  // namespace sluice::faults
