#include "base/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sluice::base {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Status SyncDir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open directory " + dir.string(), errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("fsync directory " + dir.string(), errno);
  return Status::Ok();
}

Status WriteAll(int fd, const void* data, size_t size, std::string_view what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(what, errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<UniqueFd> PosixFs::Open(const std::filesystem::path& path, int flags, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, mode));
  if (!fd.valid()) {
    if (errno == ENOENT) return NotFound("no such file: " + path.string());
    return ErrnoError("open " + path.string(), errno);
  }
  return fd;
}

Status PosixFs::Write(int fd, const void* data, size_t size, std::string_view what) {
  return WriteAll(fd, data, size, what);
}

Status PosixFs::Sync(int fd, std::string_view what) {
  if (::fsync(fd) != 0) return ErrnoError(what, errno);
  return Status::Ok();
}

void PosixFs::StartWriteback(int fd, uint64_t offset, uint64_t length) {
  (void)::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                          SYNC_FILE_RANGE_WRITE);
}

Status PosixFs::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoError("rename " + from.string() + " to " + to.string(), errno);
  }
  return Status::Ok();
}

Status PosixFs::Unlink(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) == 0) return Status::Ok();
  if (errno == ENOENT) return NotFound("no such file: " + path.string());
  return ErrnoError("remove " + path.string(), errno);
}

Status PosixFs::MakeDir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoError("mkdir " + dir.string(), errno);
  }
  return Status::Ok();
}

Status PosixFs::SyncDir(const std::filesystem::path& dir) { return base::SyncDir(dir); }

Result<uint64_t> PosixFs::AvailableBytes(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return ErrnoError("statvfs " + dir.string(), errno);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

Status MakeDirs(Fs& fs, const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::Ok();
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    SLUICE_RETURN_IF_ERROR(MakeDirs(fs, dir.parent_path()));
  }
  SLUICE_RETURN_IF_ERROR(fs.MakeDir(dir));
  if (dir.has_parent_path()) return fs.SyncDir(dir.parent_path());
  return Status::Ok();
}

Status MakeDirs(const std::filesystem::path& dir) {
  PosixFs fs;
  return MakeDirs(fs, dir);
}

Result<size_t> ReadSome(int fd, void* data, size_t size, std::string_view what) {
  for (;;) {
    ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoError(what, errno);
  }
}

Status WriteFileAtomic(Fs& fs, const std::filesystem::path& path, std::string_view contents,
                       unsigned mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    SLUICE_ASSIGN_OR_RETURN(UniqueFd fd, fs.Open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
    SLUICE_RETURN_IF_ERROR(
        fs.Write(fd.get(), contents.data(), contents.size(), "write " + tmp.string()));
    SLUICE_RETURN_IF_ERROR(fs.Sync(fd.get(), "fsync " + tmp.string()));
  }
  SLUICE_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(path.parent_path().empty() ? "." : path.parent_path());
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents,
                       unsigned mode) {
  PosixFs fs;
  return WriteFileAtomic(fs, path, contents, mode);
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return NotFound("no such file: " + path.string());
    return ErrnoError("open " + path.string(), errno);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, ReadSome(fd.get(), buf, sizeof buf, "read " + path.string()));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace sluice::base
