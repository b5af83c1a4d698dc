#include "faults/faulty_fs.h"

namespace sluice::faults {

base::Result<base::UniqueFd> FaultyFs::Open(const std::filesystem::path& path, int flags,
                                            unsigned mode) {
  auto fd = real_.Open(path, flags, mode);
  if (fd.ok()) {
    std::lock_guard lock(mu_);
    paths_[fd->get()] = path.string();  // a reused descriptor number takes the new path
  }
  return fd;
}

base::Status FaultyFs::Write(int fd, const void* data, size_t size, std::string_view what) {
  if (int error = plan_.WriteError(PathOf(fd))) return base::ErrnoError(what, error);
  return real_.Write(fd, data, size, what);
}

base::Status FaultyFs::Sync(int fd, std::string_view what) {
  if (int error = plan_.SyncError(PathOf(fd))) return base::ErrnoError(what, error);
  return real_.Sync(fd, what);
}

base::Status FaultyFs::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  return real_.Rename(from, to);
}

base::Status FaultyFs::Unlink(const std::filesystem::path& path) { return real_.Unlink(path); }

base::Status FaultyFs::MakeDir(const std::filesystem::path& dir) {
  if (int error = plan_.WriteError(dir.string())) {
    return base::ErrnoError("mkdir " + dir.string(), error);
  }
  return real_.MakeDir(dir);
}

base::Status FaultyFs::SyncDir(const std::filesystem::path& dir) {
  if (int error = plan_.SyncError(dir.string())) {
    return base::ErrnoError("fsync directory " + dir.string(), error);
  }
  return real_.SyncDir(dir);
}

base::Result<uint64_t> FaultyFs::AvailableBytes(const std::filesystem::path& dir) {
  if (plan_.disk_full()) return uint64_t{0};
  return real_.AvailableBytes(dir);
}

std::string FaultyFs::PathOf(int fd) {
  std::lock_guard lock(mu_);
  auto it = paths_.find(fd);
  return it == paths_.end() ? std::string() : it->second;
}

}  // namespace sluice::faults
