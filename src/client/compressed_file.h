// CompressedFile: one item's bytes, compressed and hashed in a single streaming pass.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/fs.h"
#include "base/status.h"
#include "codec/compression.h"

namespace sluice::client {

// The compressed bytes stay in memory up to a limit (small items, sent inline or in a batch)
// and go to an unlinked temporary file beyond it (large items, sent to a file container,
// which needs the length before the first byte). Memory stays bounded whatever the size.
struct CompressedFile {
  uint64_t size = 0;  // uncompressed bytes read
  std::string sha256_hex;
  uint64_t compressed_size = 0;
  std::string bytes;    // the compressed bytes, when in memory
  base::UniqueFd file;  // otherwise the temporary file holding them

  bool in_memory() const { return !file.valid(); }
};

// Reads `fd` to its end. `memory_limit` is the compressed size kept in memory; `temp_dir` is
// where a larger one goes (O_TMPFILE: nothing is left behind, whatever happens).
base::Result<CompressedFile> CompressFile(int fd, codec::Compression compression,
                                          uint64_t memory_limit,
                                          const std::filesystem::path& temp_dir);

}  // namespace sluice::client
