#include "blob/blob_format.h"

#include <algorithm>

namespace sluice::blob::format {
namespace {

constexpr size_t kVersionOffset = kMagic.size();
constexpr size_t kChunkSizeOffset = kVersionOffset + 4;
constexpr size_t kSaltOffset = kChunkSizeOffset + 4;
constexpr uint64_t kChunkFileSize = kChunkPlaintextSize + kTagSize;

void PutBigEndian(unsigned char* out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) {
    out[width - 1 - i] = static_cast<unsigned char>(value >> (8 * i));
  }
}

uint32_t GetBigEndian32(const unsigned char* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) |
         uint32_t{in[3]};
}

}  // namespace

Header MakeHeader(const Salt& salt) {
  Header header{};
  std::copy(kMagic.begin(), kMagic.end(), header.begin());
  PutBigEndian(header.data() + kVersionOffset, kVersion, 4);
  PutBigEndian(header.data() + kChunkSizeOffset, kChunkPlaintextSize, 4);
  std::copy(salt.begin(), salt.end(), header.begin() + kSaltOffset);
  return header;
}

base::Result<Salt> ParseHeader(const Header& header, std::string_view what) {
  if (!std::equal(kMagic.begin(), kMagic.end(), header.begin())) {
    return base::DataLoss(std::string(what) + ": header does not start with the magic \"" +
                          std::string(kMagic) + "\"; the file is not a Sluice blob or is corrupt");
  }
  uint32_t version = GetBigEndian32(header.data() + kVersionOffset);
  if (version != kVersion) {
    return base::DataLoss(std::string(what) + ": header has format version " +
                          std::to_string(version) + "; this build reads only version " +
                          std::to_string(kVersion));
  }
  uint32_t chunk_size = GetBigEndian32(header.data() + kChunkSizeOffset);
  if (chunk_size != kChunkPlaintextSize) {
    return base::DataLoss(std::string(what) + ": header declares chunk size " +
                          std::to_string(chunk_size) + "; version 1 requires " +
                          std::to_string(kChunkPlaintextSize));
  }
  Salt salt{};
  std::copy_n(header.begin() + kSaltOffset, kSaltSize, salt.begin());
  return salt;
}

Nonce ChunkNonce(uint64_t chunk_index) {
  Nonce nonce{};  // the top 4 bytes of the 96-bit counter stay zero
  PutBigEndian(nonce.data() + 4, chunk_index, 8);
  return nonce;
}

Aad ChunkAad(const Header& header, uint64_t chunk_index, bool is_final) {
  Aad aad{};
  std::copy(header.begin(), header.end(), aad.begin());
  PutBigEndian(aad.data() + kHeaderSize, chunk_index, 8);
  aad[kHeaderSize + 8] = is_final ? 1 : 0;
  return aad;
}

uint64_t Layout::ChunkOffset(uint64_t chunk_index) {
  return kHeaderSize + chunk_index * kChunkFileSize;
}

base::Result<Layout> LayoutForFileSize(uint64_t file_size, std::string_view what) {
  if (file_size < kHeaderSize + kTagSize) {
    return base::DataLoss(std::string(what) + ": file is " + std::to_string(file_size) +
                          " bytes, shorter than a " + std::to_string(kHeaderSize) +
                          "-byte header plus one " + std::to_string(kTagSize) +
                          "-byte chunk tag (truncated)");
  }
  uint64_t body = file_size - kHeaderSize;
  uint64_t whole_chunks = body / kChunkFileSize;
  uint64_t remainder = body % kChunkFileSize;
  Layout layout;
  if (remainder == 0) {
    layout.chunk_count = whole_chunks;
    layout.final_chunk_plaintext_size = kChunkPlaintextSize;
  } else if (remainder < kTagSize) {
    return base::DataLoss(std::string(what) + ": " + std::to_string(remainder) + " bytes after " +
                          std::to_string(whole_chunks) +
                          " whole chunks are too few for a chunk (a chunk needs at least a " +
                          std::to_string(kTagSize) +
                          "-byte tag); the file is truncated or "
                          "has extra bytes");
  } else {
    layout.chunk_count = whole_chunks + 1;
    layout.final_chunk_plaintext_size = static_cast<uint32_t>(remainder - kTagSize);
  }
  layout.plaintext_size =
      (layout.chunk_count - 1) * kChunkPlaintextSize + layout.final_chunk_plaintext_size;
  return layout;
}

}  // namespace sluice::blob::format
