// The embedded BlobStore: one AES-256-GCM encrypted file per blob under a local
// directory. Layout and format are described in README.md.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "base/fs.h"
#include "base/random.h"
#include "blob/blob_crypto.h"
#include "blob/blob_format.h"
#include "blob/blob_store.h"

namespace sluice::blob {
namespace {

namespace fs = std::filesystem;
using format::kChunkPlaintextSize;
using format::kTagSize;

constexpr unsigned kBlobFileMode = 0600;

std::string Describe(std::string_view key) { return "blob '" + std::string(key) + "'"; }

std::span<const unsigned char> AsBytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// Reads exactly `size` bytes at `offset` unless the file ends first; returns the
// count actually read.
base::Result<size_t> ReadAt(int fd, unsigned char* out, size_t size, uint64_t offset,
                            std::string_view what) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::ErrnoError(what, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(base::Fs& files, std::string key, fs::path temp_path, fs::path final_path,
                  base::UniqueFd fd, const format::Header& header, crypto::ChunkCipher cipher,
                  crypto::Sha256 hasher)
      : files_(files),
        key_(std::move(key)),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)),
        fd_(std::move(fd)),
        header_(header),
        cipher_(std::move(cipher)),
        hasher_(std::move(hasher)),
        sealed_(kChunkPlaintextSize + kTagSize) {
    plaintext_.reserve(kChunkPlaintextSize);
  }

  ~LocalBlobWriter() override {
    if (state_ != State::kCommitted) Discard();
  }

  base::Status WriteHeader() {
    return Check(files_.Write(fd_.get(), header_.data(), header_.size(),
                              "write header of " + Describe(key_) + " to " + temp_path_.string()));
  }

  base::Status Append(std::string_view bytes) override {
    SLUICE_RETURN_IF_ERROR(RequireOpen());
    SLUICE_RETURN_IF_ERROR(Check(hasher_.Update(bytes)));
    size_ += bytes.size();
    while (!bytes.empty()) {
      // A full chunk is sealed only once more bytes arrive, so the chunk that
      // Commit() seals as final is never an unnecessary empty one.
      if (plaintext_.size() == kChunkPlaintextSize) {
        SLUICE_RETURN_IF_ERROR(SealAndWriteChunk(/*is_final=*/false));
      }
      size_t take = std::min(bytes.size(), kChunkPlaintextSize - plaintext_.size());
      auto piece = AsBytes(bytes.substr(0, take));
      plaintext_.insert(plaintext_.end(), piece.begin(), piece.end());
      bytes.remove_prefix(take);
    }
    return base::Status::Ok();
  }

  base::Result<BlobInfo> Commit() override {
    SLUICE_RETURN_IF_ERROR(RequireOpen());
    SLUICE_RETURN_IF_ERROR(SealAndWriteChunk(/*is_final=*/true));
    auto digest = hasher_.FinishHex();
    SLUICE_RETURN_IF_ERROR(Check(digest.status()));
    SLUICE_RETURN_IF_ERROR(Check(MakeDurableAndVisible()));
    state_ = State::kCommitted;
    return BlobInfo{.size = size_, .sha256_hex = std::move(digest).value()};
  }

 private:
  enum class State { kOpen, kCommitted, kFailed };

  base::Status RequireOpen() const {
    if (state_ == State::kCommitted) {
      return base::FailedPrecondition(Describe(key_) + " is already committed; start a new writer");
    }
    if (state_ == State::kFailed) {
      return base::FailedPrecondition("writer for " + Describe(key_) +
                                      " failed earlier and was discarded: " + failure_.ToString());
    }
    return base::Status::Ok();
  }

  // Any failure ends the upload: the partial file would be useless anyway.
  base::Status Check(base::Status status) {
    if (!status.ok() && state_ == State::kOpen) {
      state_ = State::kFailed;
      failure_ = status;
      Discard();
    }
    return status;
  }

  base::Status SealAndWriteChunk(bool is_final) {
    const uint64_t index = next_chunk_;
    SLUICE_RETURN_IF_ERROR(
        Check(cipher_.Seal(format::ChunkNonce(index), format::ChunkAad(header_, index, is_final),
                           plaintext_, sealed_.data())));
    SLUICE_RETURN_IF_ERROR(
        Check(files_.Write(fd_.get(), sealed_.data(), plaintext_.size() + kTagSize,
                           "write chunk " + std::to_string(index) + " of " + Describe(key_) +
                               " to " + temp_path_.string())));
    written_ += plaintext_.size() + kTagSize;
    plaintext_.clear();
    ++next_chunk_;
    // An upload of hundreds of MB would otherwise sit in the page cache until Commit()'s
    // fsync, which then waited for all of it: written back as it arrives, the disk works
    // while the socket is read.
    constexpr uint64_t kWritebackBytes = uint64_t{8} << 20;
    if (written_ - written_back_ >= kWritebackBytes) {
      files_.StartWriteback(fd_.get(), header_.size() + written_back_, written_ - written_back_);
      written_back_ = written_;
    }
    return base::Status::Ok();
  }

  // fsync the file, rename it into place, fsync the directory: after this the
  // blob survives a crash, and readers see either the old blob or the new one.
  base::Status MakeDurableAndVisible() {
    const std::string what = "commit " + Describe(key_) + ": ";
    SLUICE_RETURN_IF_ERROR(files_.Sync(fd_.get(), what + "fsync " + temp_path_.string()));
    if (::close(fd_.Release()) != 0) {
      return base::ErrnoError(what + "close " + temp_path_.string(), errno);
    }
    const fs::path dir = final_path_.parent_path();
    SLUICE_RETURN_IF_ERROR(base::MakeDirs(files_, dir).WithContext(what));
    SLUICE_RETURN_IF_ERROR(files_.Rename(temp_path_, final_path_).WithContext(what));
    return files_.SyncDir(dir).WithContext(what);
  }

  // Best effort: a temp file that cannot be removed now is removed by the next
  // OpenLocalBlobStore, and it is never visible under the key.
  void Discard() {
    fd_ = base::UniqueFd();
    (void)files_.Unlink(temp_path_);
  }

  base::Fs& files_;
  const std::string key_;
  const fs::path temp_path_;
  const fs::path final_path_;
  base::UniqueFd fd_;
  const format::Header header_;
  crypto::ChunkCipher cipher_;
  crypto::Sha256 hasher_;
  std::vector<unsigned char> plaintext_;  // the chunk being filled
  std::vector<unsigned char> sealed_;     // ciphertext + tag of the chunk being written
  uint64_t next_chunk_ = 0;
  uint64_t size_ = 0;
  uint64_t written_ = 0;       // chunk bytes written after the header
  uint64_t written_back_ = 0;  // of which writeback has been started
  State state_ = State::kOpen;
  base::Status failure_;
};

class LocalBlobReader final : public BlobReader {
 public:
  static base::Result<std::unique_ptr<BlobReader>> Open(std::string key, const fs::path& path,
                                                        const crypto::Key256& master_key) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOENT) return base::NotFound("no " + Describe(key) + " in the blob store");
      return base::ErrnoError("open " + Describe(key) + " at " + path.string(), errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      return base::ErrnoError("stat " + Describe(key) + " at " + path.string(), errno);
    }
    const std::string what = Describe(key);
    SLUICE_ASSIGN_OR_RETURN(format::Layout layout,
                            format::LayoutForFileSize(static_cast<uint64_t>(st.st_size), what));
    format::Header header{};
    SLUICE_ASSIGN_OR_RETURN(
        size_t got, ReadAt(fd.get(), header.data(), header.size(), 0, "read header of " + what));
    if (got != header.size()) {
      return base::DataLoss(what + ": file shrank to " + std::to_string(got) +
                            " bytes while its header was read");
    }
    SLUICE_ASSIGN_OR_RETURN(format::Salt salt, format::ParseHeader(header, what));
    SLUICE_ASSIGN_OR_RETURN(crypto::Key256 blob_key, crypto::DeriveBlobKey(master_key, salt));
    auto cipher = crypto::ChunkCipher::Create(blob_key);
    OPENSSL_cleanse(blob_key.data(), blob_key.size());
    if (!cipher.ok()) return cipher.status();

    std::unique_ptr<LocalBlobReader> reader(new LocalBlobReader(
        std::move(key), std::move(fd), header, layout, std::move(cipher).value()));
    // Authenticating the final chunk up front makes size() trustworthy and
    // reports truncation before the caller has consumed anything.
    SLUICE_RETURN_IF_ERROR(reader->AuthenticateFinalChunk());
    return std::unique_ptr<BlobReader>(std::move(reader));
  }

  base::Result<size_t> Read(char* buf, size_t size) override {
    if (!failure_.ok()) return failure_;
    size_t done = 0;
    while (done < size) {
      if (position_ == current_.size()) {
        if (next_chunk_ == layout_.chunk_count) break;
        base::Status loaded = LoadNextChunk();
        if (!loaded.ok()) {
          failure_ = loaded;
          return loaded;
        }
        continue;  // the final chunk may be empty
      }
      size_t take = std::min(size - done, current_.size() - position_);
      std::copy_n(current_.data() + position_, take, buf + done);
      position_ += take;
      done += take;
    }
    return done;
  }

  uint64_t size() const override { return layout_.plaintext_size; }

 private:
  LocalBlobReader(std::string key, base::UniqueFd fd, const format::Header& header,
                  const format::Layout& layout, crypto::ChunkCipher cipher)
      : key_(std::move(key)),
        fd_(std::move(fd)),
        header_(header),
        layout_(layout),
        cipher_(std::move(cipher)),
        sealed_(kChunkPlaintextSize + kTagSize) {}

  uint64_t final_index() const { return layout_.chunk_count - 1; }

  base::Status AuthenticateFinalChunk() { return ReadAndOpenChunk(final_index(), final_chunk_); }

  base::Status LoadNextChunk() {
    const uint64_t index = next_chunk_;
    if (index == final_index()) {
      current_ = std::move(final_chunk_);  // authenticated by Open()
    } else {
      SLUICE_RETURN_IF_ERROR(ReadAndOpenChunk(index, current_));
    }
    position_ = 0;
    ++next_chunk_;
    return base::Status::Ok();
  }

  // Reads chunk `index` and decrypts it into `out`; `out` holds nothing unless
  // the chunk authenticated.
  base::Status ReadAndOpenChunk(uint64_t index, std::vector<unsigned char>& out) {
    const bool is_final = index == final_index();
    const size_t plaintext_size =
        is_final ? layout_.final_chunk_plaintext_size : kChunkPlaintextSize;
    const size_t sealed_size = plaintext_size + kTagSize;
    const uint64_t offset = format::Layout::ChunkOffset(index);
    SLUICE_ASSIGN_OR_RETURN(
        size_t got, ReadAt(fd_.get(), sealed_.data(), sealed_size, offset,
                           "read chunk " + std::to_string(index) + " of " + Describe(key_)));
    if (got != sealed_size) {
      return base::DataLoss(ChunkName(index) + " is truncated: read " + std::to_string(got) +
                            " of " + std::to_string(sealed_size) + " bytes at offset " +
                            std::to_string(offset));
    }
    out.resize(plaintext_size);
    SLUICE_ASSIGN_OR_RETURN(
        bool authentic,
        cipher_.Open(format::ChunkNonce(index), format::ChunkAad(header_, index, is_final),
                     std::span<const unsigned char>(sealed_.data(), sealed_size), out.data()));
    if (!authentic) {
      out.clear();
      return base::DataLoss(ChunkName(index) + " at offset " + std::to_string(offset) +
                            " failed authentication: the file is corrupt, truncated or "
                            "extended, or was written under a different master key");
    }
    return base::Status::Ok();
  }

  std::string ChunkName(uint64_t index) const {
    return Describe(key_) + ": chunk " + std::to_string(index) + " of " +
           std::to_string(layout_.chunk_count) + (index == final_index() ? " (final)" : "");
  }

  const std::string key_;
  base::UniqueFd fd_;
  const format::Header header_;
  const format::Layout layout_;
  crypto::ChunkCipher cipher_;
  std::vector<unsigned char> sealed_;       // one chunk as read from disk
  std::vector<unsigned char> final_chunk_;  // plaintext of the final chunk, until reached
  std::vector<unsigned char> current_;      // plaintext of the chunk being served
  size_t position_ = 0;                     // next byte of current_ to return
  uint64_t next_chunk_ = 0;
  base::Status failure_;  // once a chunk fails, every later Read fails the same way
};

class LocalBlobStore final : public BlobStore {
 public:
  LocalBlobStore(std::shared_ptr<base::Fs> files, fs::path blobs_dir, fs::path temp_dir,
                 const MasterKey& master_key)
      : files_(std::move(files)),
        blobs_dir_(std::move(blobs_dir)),
        temp_dir_(std::move(temp_dir)),
        master_key_(master_key) {}

  ~LocalBlobStore() override { OPENSSL_cleanse(master_key_.data(), master_key_.size()); }

  base::Result<std::unique_ptr<BlobWriter>> Create(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(fs::path final_path, BlobPath(key));
    format::Salt salt{};
    base::RandomBytes(std::as_writable_bytes(std::span(salt)));
    SLUICE_ASSIGN_OR_RETURN(crypto::Key256 blob_key, crypto::DeriveBlobKey(master_key_, salt));
    auto cipher = crypto::ChunkCipher::Create(blob_key);
    OPENSSL_cleanse(blob_key.data(), blob_key.size());
    if (!cipher.ok()) return cipher.status();
    SLUICE_ASSIGN_OR_RETURN(crypto::Sha256 hasher, crypto::Sha256::Create());

    fs::path temp_path = temp_dir_ / (base::NewUuid() + ".part");
    auto fd = files_->Open(temp_path, O_WRONLY | O_CREAT | O_EXCL, kBlobFileMode);
    if (!fd.ok()) return fd.status().WithContext("create a temp file for " + Describe(key));
    auto writer = std::make_unique<LocalBlobWriter>(*files_, std::string(key), std::move(temp_path),
                                                    std::move(final_path), std::move(fd).value(),
                                                    format::MakeHeader(salt),
                                                    std::move(cipher).value(), std::move(hasher));
    SLUICE_RETURN_IF_ERROR(writer->WriteHeader());
    return std::unique_ptr<BlobWriter>(std::move(writer));
  }

  base::Result<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(fs::path path, BlobPath(key));
    return LocalBlobReader::Open(std::string(key), path, master_key_);
  }

  base::Status Remove(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(fs::path path, BlobPath(key));
    base::Status removed = files_->Unlink(path);
    if (removed.code() == base::StatusCode::kNotFound) return base::Status::Ok();
    SLUICE_RETURN_IF_ERROR(removed.WithContext("remove " + Describe(key)));
    return files_->SyncDir(path.parent_path()).WithContext("remove " + Describe(key));
  }

 private:
  // Files are named by the SHA-256 of the key, fanned out by its first byte:
  // keys may have 512-character segments (beyond NAME_MAX), and both "a" and
  // "a/b" must be storable, which a file-per-segment mapping cannot do.
  base::Result<fs::path> BlobPath(std::string_view key) const {
    SLUICE_RETURN_IF_ERROR(ValidateBlobKey(key));
    SLUICE_ASSIGN_OR_RETURN(crypto::Sha256 hasher, crypto::Sha256::Create());
    SLUICE_RETURN_IF_ERROR(hasher.Update(key));
    SLUICE_ASSIGN_OR_RETURN(std::string name, hasher.FinishHex());
    return blobs_dir_ / name.substr(0, 2) / name;
  }

  const std::shared_ptr<base::Fs> files_;
  const fs::path blobs_dir_;
  const fs::path temp_dir_;
  MasterKey master_key_;
};

// Temp files are only ever written by a live writer of this process, so at open
// every one of them is debris from a crash.
base::Status RemoveLeftoverTempFiles(const fs::path& temp_dir) {
  std::error_code ec;
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator it(temp_dir, ec), end; !ec && it != end; it.increment(ec)) {
    leftovers.push_back(it->path());
  }
  if (ec) return base::IoError("list temp dir " + temp_dir.string() + ": " + ec.message());
  for (const fs::path& path : leftovers) {
    fs::remove_all(path, ec);
    if (ec)
      return base::IoError("remove leftover temp file " + path.string() + ": " + ec.message());
  }
  if (leftovers.empty()) return base::Status::Ok();
  return base::SyncDir(temp_dir);
}

}  // namespace

base::Result<std::unique_ptr<BlobStore>> OpenLocalBlobStore(const fs::path& root,
                                                            const MasterKey& master_key,
                                                            std::shared_ptr<base::Fs> files) {
  if (files == nullptr) files = std::make_shared<base::PosixFs>();
  const fs::path blobs_dir = root / "blobs";
  const fs::path temp_dir = root / "tmp";
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(*files, blobs_dir).WithContext("open blob store"));
  SLUICE_RETURN_IF_ERROR(base::MakeDirs(*files, temp_dir).WithContext("open blob store"));
  SLUICE_RETURN_IF_ERROR(RemoveLeftoverTempFiles(temp_dir).WithContext("open blob store"));
  return std::unique_ptr<BlobStore>(
      std::make_unique<LocalBlobStore>(std::move(files), blobs_dir, temp_dir, master_key));
}

}  // namespace sluice::blob
