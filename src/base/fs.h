// Durable file-system helpers: every write that Sluice acknowledges goes through
// these, so "written" always means "on stable storage".
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::base {

// Owns a POSIX file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();

 private:
  int fd_ = -1;
};

// Creates the directory and its parents; fsyncs each directory it created.
Status MakeDirs(const std::filesystem::path& dir);

// fsyncs a directory so that renames and creations inside it survive a crash.
Status SyncDir(const std::filesystem::path& dir);

// Writes all bytes, retrying on short writes and EINTR.
Status WriteAll(int fd, const void* data, size_t size, std::string_view what);

// Reads up to size bytes; returns the count (0 at end of file).
Result<size_t> ReadSome(int fd, void* data, size_t size, std::string_view what);

// Writes `contents` to `path` atomically and durably: temp file, fsync, rename,
// fsync of the directory. `mode` applies to the new file.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode = 0644);

Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace sluice::base
