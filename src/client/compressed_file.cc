#include "client/compressed_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "blob/blob_crypto.h"
#include "codec/compressor.h"

namespace sluice::client {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// A file with no name in `dir`: nothing is left behind, whatever happens to the process.
base::Result<base::UniqueFd> AnonymousFile(const std::filesystem::path& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return base::UniqueFd(fd);
  // Some file systems have no O_TMPFILE: create a named file and unlink it at once.
  std::string name = (dir / "sluice-push-XXXXXX").string();
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return base::ErrnoError("creating a temporary file in " + dir.string(), errno);
  unlink(name.c_str());
  return base::UniqueFd(fd);
}

// Moves the compressed output to the temporary file once it outgrows memory_limit.
base::Status Spill(CompressedFile& out, uint64_t memory_limit,
                   const std::filesystem::path& temp_dir) {
  if (out.in_memory() && out.bytes.size() <= memory_limit) return base::Status::Ok();
  if (out.in_memory()) {
    SLUICE_ASSIGN_OR_RETURN(out.file, AnonymousFile(temp_dir));
  }
  base::PosixFs fs;
  SLUICE_RETURN_IF_ERROR(
      fs.Write(out.file.get(), out.bytes.data(), out.bytes.size(), "the compressed item"));
  out.bytes.clear();
  return base::Status::Ok();
}

}  // namespace

base::Result<CompressedFile> CompressFile(int fd, codec::Compression compression,
                                          uint64_t memory_limit,
                                          const std::filesystem::path& temp_dir) {
  CompressedFile out;
  SLUICE_ASSIGN_OR_RETURN(auto hasher, blob::crypto::Sha256::Create());
  auto compressor = codec::MakeCompressor(compression);
  // Not zero-filled: a million small files would otherwise cost a million 1 MiB memsets.
  auto buffer = std::make_unique_for_overwrite<char[]>(kReadChunk);
  uint64_t written = 0;
  for (;;) {
    ssize_t got = read(fd, buffer.get(), kReadChunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return base::ErrnoError("reading", errno);
    if (got == 0) break;
    const std::string_view chunk(buffer.get(), static_cast<size_t>(got));
    out.size += chunk.size();
    SLUICE_RETURN_IF_ERROR(hasher.Update(chunk));
    const size_t before = out.bytes.size();
    SLUICE_RETURN_IF_ERROR(compressor->Update(chunk, &out.bytes));
    written += out.bytes.size() - before;
    SLUICE_RETURN_IF_ERROR(Spill(out, memory_limit, temp_dir));
  }
  const size_t before = out.bytes.size();
  SLUICE_RETURN_IF_ERROR(compressor->Finish(&out.bytes));
  written += out.bytes.size() - before;
  SLUICE_RETURN_IF_ERROR(Spill(out, memory_limit, temp_dir));
  out.compressed_size = written;
  SLUICE_ASSIGN_OR_RETURN(out.sha256_hex, hasher.FinishHex());
  return out;
}

}  // namespace sluice::client
