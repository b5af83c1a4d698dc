// A base::Fs that is the operating system's, except where the FaultPlan says
// a write, a directory creation or an fsync fails.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "base/fs.h"
#include "faults/fault_plan.h"

namespace sluice::faults {

class FaultyFs final : public base::Fs {
 public:
  explicit FaultyFs(FaultPlan& plan) : plan_(plan) {}

  base::Result<base::UniqueFd> Open(const std::filesystem::path& path, int flags,
                                    unsigned mode) override;
  base::Status Write(int fd, const void* data, size_t size, std::string_view what) override;
  base::Status Sync(int fd, std::string_view what) override;
  base::Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  base::Status Unlink(const std::filesystem::path& path) override;
  base::Status MakeDir(const std::filesystem::path& dir) override;
  base::Status SyncDir(const std::filesystem::path& dir) override;
  base::Result<uint64_t> AvailableBytes(const std::filesystem::path& dir) override;

 private:
  // The path a descriptor was opened with: faults are chosen by path.
  std::string PathOf(int fd);

  FaultPlan& plan_;
  base::PosixFs real_;
  std::mutex mu_;
  std::map<int, std::string> paths_;
};

}  // namespace sluice::faults
