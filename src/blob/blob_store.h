// BlobStore: where uploaded file-container bytes live. Blobs are written and read
// as streams (up to hundreds of MB), never held whole in memory. The interface is
// storage-neutral so that an object-store implementation can replace the local one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/fs.h"
#include "base/status.h"

namespace sluice::blob {

// Describes the plaintext of a committed blob.
struct BlobInfo {
  uint64_t size = 0;
  std::string sha256_hex;  // lower-case hex SHA-256 of the plaintext
};

// Streams one upload into the store. Not thread-safe.
class BlobWriter {
 public:
  // Without a successful Commit() the partial blob is discarded and nothing
  // visible remains.
  virtual ~BlobWriter() = default;

  virtual base::Status Append(std::string_view bytes) = 0;

  // Makes the blob durable and visible under its key before returning, replacing
  // an existing blob of the same key atomically. The writer accepts nothing after.
  virtual base::Result<BlobInfo> Commit() = 0;
};

// Streams one blob out of the store. Not thread-safe.
class BlobReader {
 public:
  virtual ~BlobReader() = default;

  // Returns up to `size` bytes, 0 at the end. Every byte returned has been
  // authenticated; tampering or truncation yields DataLoss naming the key and chunk.
  virtual base::Result<size_t> Read(char* buf, size_t size) = 0;

  // Plaintext size of the blob.
  virtual uint64_t size() const = 0;
};

// Thread-safe.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual base::Result<std::unique_ptr<BlobWriter>> Create(std::string_view key) = 0;

  // NotFound if no blob has that key.
  virtual base::Result<std::unique_ptr<BlobReader>> Open(std::string_view key) = 0;

  // OK if no blob has that key.
  virtual base::Status Remove(std::string_view key) = 0;

  // The plaintext size of the blob; NotFound if no blob has that key. Object stores answer
  // without reading the blob; this default opens it.
  virtual base::Result<uint64_t> Stat(std::string_view key) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, Open(key));
    return reader->size();
  }
};

inline constexpr size_t kMaxBlobKeyLength = 512;

// Keys are 1..512 characters of [A-Za-z0-9._-] in segments separated by '/'; no
// segment may be empty, "." or "..". Anything else is InvalidArgument.
base::Status ValidateBlobKey(std::string_view key);

using MasterKey = std::array<unsigned char, 32>;

// The embedded store: one encrypted file per blob under `root` (see README.md for
// the format). Creates `root` if needed and deletes temp files left by a crash, so
// only one process may use a given root at a time. Every write goes through
// `files` (null: the operating system's).
base::Result<std::unique_ptr<BlobStore>> OpenLocalBlobStore(
    const std::filesystem::path& root, const MasterKey& master_key,
    std::shared_ptr<base::Fs> files = nullptr);

// Loads the 32-byte master key from `path`, or creates it (random, mode 0600,
// written atomically and durably) if absent. A file of another size is DataLoss.
base::Result<MasterKey> LoadOrCreateKeyFile(const std::filesystem::path& path);

}  // namespace sluice::blob
