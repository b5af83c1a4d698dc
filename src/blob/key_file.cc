#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include <openssl/crypto.h>

#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_store.h"

namespace sluice::blob {
namespace {

namespace fs = std::filesystem;

base::Result<MasterKey> ReadKeyFile(const fs::path& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string contents, base::ReadFile(path));
  if (contents.size() != MasterKey().size()) {
    const size_t size = contents.size();
    OPENSSL_cleanse(contents.data(), contents.size());
    return base::DataLoss("master key file " + path.string() + " is " + std::to_string(size) +
                          " bytes; it must be exactly " + std::to_string(MasterKey().size()) +
                          ". Restore it from backup: a new key cannot decrypt existing blobs");
  }
  MasterKey key;
  std::copy(contents.begin(), contents.end(), key.begin());
  OPENSSL_cleanse(contents.data(), contents.size());
  return key;
}

// Writes the key under a unique temp name, then link()s it into place: unlike
// rename(), link() refuses to replace, so two processes creating the key at once
// cannot end up using different keys; the loser reads the winner's key.
base::Result<MasterKey> CreateKeyFile(const fs::path& path) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(dir));
  MasterKey key;
  base::RandomBytes(std::as_writable_bytes(std::span(key)));

  const fs::path temp = dir / ("." + path.filename().string() + "." + base::NewUuid() + ".tmp");
  {
    base::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return base::ErrnoError("create master key file " + temp.string(), errno);
    base::Status written =
        base::WriteAll(fd.get(), key.data(), key.size(), "write master key file " + temp.string());
    if (written.ok() && ::fsync(fd.get()) != 0) {
      written = base::ErrnoError("fsync master key file " + temp.string(), errno);
    }
    if (!written.ok()) {
      ::unlink(temp.c_str());
      OPENSSL_cleanse(key.data(), key.size());
      return written;
    }
  }
  const int link_result = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (link_result != 0) {
    OPENSSL_cleanse(key.data(), key.size());
    if (link_errno == EEXIST) return ReadKeyFile(path);
    return base::ErrnoError("link master key file " + temp.string() + " to " + path.string(),
                            link_errno);
  }
  SLUICE_RETURN_IF_ERROR(base::SyncDir(dir));
  return key;
}

}  // namespace

base::Result<MasterKey> LoadOrCreateKeyFile(const fs::path& path) {
  base::Result<MasterKey> existing = ReadKeyFile(path);
  if (existing.ok() || existing.status().code() != base::StatusCode::kNotFound) return existing;
  return CreateKeyFile(path);
}

}  // namespace sluice::blob
