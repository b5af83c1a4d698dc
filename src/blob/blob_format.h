// Byte layout of an encrypted blob file, version 1 (documented in README.md).
// Internal to the blob module.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::blob::format {

inline constexpr std::string_view kMagic = "SLUICEBL";  // 8 bytes, no terminator
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kSaltSize = 32;
inline constexpr size_t kHeaderSize = 8 + 4 + 4 + kSaltSize;  // magic, version, chunk size, salt
inline constexpr uint32_t kChunkPlaintextSize = 64 * 1024;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kAadSize = kHeaderSize + 8 + 1;  // header, chunk index, final flag
inline constexpr std::string_view kKeyInfo = "sluice blob v1";

using Header = std::array<unsigned char, kHeaderSize>;
using Salt = std::array<unsigned char, kSaltSize>;
using Nonce = std::array<unsigned char, kNonceSize>;
using Aad = std::array<unsigned char, kAadSize>;

Header MakeHeader(const Salt& salt);

// Checks magic, version and chunk size; returns the salt. `what` names the blob
// in the error message.
base::Result<Salt> ParseHeader(const Header& header, std::string_view what);

// 96-bit big-endian chunk counter.
Nonce ChunkNonce(uint64_t chunk_index);

// Binds a chunk to its blob (via the header and its salt), its position, and
// whether it ends the blob, so reordering and truncation fail authentication.
Aad ChunkAad(const Header& header, uint64_t chunk_index, bool is_final);

// Where the chunks of a file of a given size lie. Every chunk but the last holds
// kChunkPlaintextSize bytes; the last holds 0..kChunkPlaintextSize.
struct Layout {
  uint64_t chunk_count = 0;
  uint32_t final_chunk_plaintext_size = 0;
  uint64_t plaintext_size = 0;

  static uint64_t ChunkOffset(uint64_t chunk_index);
};

// DataLoss when no whole number of chunks fits the file (no final chunk, or a
// stub shorter than a tag after the last whole chunk).
base::Result<Layout> LayoutForFileSize(uint64_t file_size, std::string_view what);

}  // namespace sluice::blob::format
