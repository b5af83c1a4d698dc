// Durable file-system helpers: every write that Sluice acknowledges goes through
// these, so "written" always means "on stable storage".
#pragma once

#include <cstddef>
#include <cstdint>
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

// The file operations behind every durable write Sluice acknowledges. Production
// uses PosixFs; tests substitute one that runs out of space, fails a write or
// fails an fsync on demand, as RocksDB's FaultInjectionTestFS does.
class Fs {
 public:
  virtual ~Fs() = default;

  virtual Result<UniqueFd> Open(const std::filesystem::path& path, int flags, unsigned mode) = 0;
  // Writes all bytes, retrying on short writes and EINTR.
  virtual Status Write(int fd, const void* data, size_t size, std::string_view what) = 0;
  // Makes the file's bytes durable. A failure is final: the kernel may already
  // have dropped the dirty pages, so a second fsync could succeed and lie.
  virtual Status Sync(int fd, std::string_view what) = 0;
  // A hint: start writing this range to disk now, without waiting. A large file written
  // this way as it grows leaves Sync() little to wait for. Failures show up in Sync().
  virtual void StartWriteback(int /*fd*/, uint64_t /*offset*/, uint64_t /*length*/) {}
  virtual Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // NotFound when there is no such file.
  virtual Status Unlink(const std::filesystem::path& path) = 0;
  // Creates one directory; Ok when it already exists.
  virtual Status MakeDir(const std::filesystem::path& dir) = 0;
  // fsyncs a directory so that renames and creations inside it survive a crash.
  virtual Status SyncDir(const std::filesystem::path& dir) = 0;
  // Bytes an unprivileged writer may still add on the directory's file system.
  virtual Result<uint64_t> AvailableBytes(const std::filesystem::path& dir) = 0;
};

// The operating system's file system.
class PosixFs final : public Fs {
 public:
  Result<UniqueFd> Open(const std::filesystem::path& path, int flags, unsigned mode) override;
  Status Write(int fd, const void* data, size_t size, std::string_view what) override;
  Status Sync(int fd, std::string_view what) override;
  void StartWriteback(int fd, uint64_t offset, uint64_t length) override;
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status Unlink(const std::filesystem::path& path) override;
  Status MakeDir(const std::filesystem::path& dir) override;
  Status SyncDir(const std::filesystem::path& dir) override;
  Result<uint64_t> AvailableBytes(const std::filesystem::path& dir) override;
};

// Creates the directory and its parents; fsyncs each directory it created.
Status MakeDirs(Fs& fs, const std::filesystem::path& dir);
Status MakeDirs(const std::filesystem::path& dir);

// fsyncs a directory so that renames and creations inside it survive a crash.
Status SyncDir(const std::filesystem::path& dir);

// Writes all bytes, retrying on short writes and EINTR.
Status WriteAll(int fd, const void* data, size_t size, std::string_view what);

// Reads up to size bytes; returns the count (0 at end of file).
Result<size_t> ReadSome(int fd, void* data, size_t size, std::string_view what);

// Writes `contents` to `path` atomically and durably: temp file, fsync, rename,
// fsync of the directory. `mode` applies to the new file.
Status WriteFileAtomic(Fs& fs, const std::filesystem::path& path, std::string_view contents,
                       unsigned mode = 0644);
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode = 0644);

Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace sluice::base
