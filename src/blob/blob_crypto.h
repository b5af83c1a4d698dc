// Thin, checked wrappers over the OpenSSL EVP APIs the blob format needs.
// Internal to the blob module; every OpenSSL failure becomes a base::Status.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "base/status.h"
#include "blob/blob_format.h"

namespace sluice::blob::crypto {

using Key256 = std::array<unsigned char, 32>;

// HKDF-SHA256(ikm = master_key, salt, info = "sluice blob v1"): a fresh key per
// blob, so the chunk-counter nonces never repeat under one key.
base::Result<Key256> DeriveBlobKey(const Key256& master_key, const format::Salt& salt);

// Incremental SHA-256.
class Sha256 {
 public:
  static base::Result<Sha256> Create();

  base::Status Update(std::string_view bytes);
  // Lower-case hex digest; the hasher may not be used afterwards.
  base::Result<std::string> FinishHex();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  explicit Sha256(std::unique_ptr<EVP_MD_CTX, CtxFree> ctx) : ctx_(std::move(ctx)) {}

  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

// AES-256-GCM sealing and opening of whole chunks under one key.
class ChunkCipher {
 public:
  static base::Result<ChunkCipher> Create(const Key256& key);
  ChunkCipher(ChunkCipher&&) = default;
  ChunkCipher& operator=(ChunkCipher&&) = default;
  ~ChunkCipher();

  // Writes ciphertext followed by the 16-byte tag; `out` must hold
  // plaintext.size() + format::kTagSize bytes.
  base::Status Seal(const format::Nonce& nonce, const format::Aad& aad,
                    std::span<const unsigned char> plaintext, unsigned char* out);

  // Decrypts ciphertext-then-tag into `plaintext_out` (sealed.size() - kTagSize
  // bytes). Returns false, with `plaintext_out` wiped, when authentication fails.
  base::Result<bool> Open(const format::Nonce& nonce, const format::Aad& aad,
                          std::span<const unsigned char> sealed, unsigned char* plaintext_out);

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
  };
  ChunkCipher(const Key256& key, std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx)
      : key_(key), ctx_(std::move(ctx)) {}

  Key256 key_;
  // Set up for AES-256-GCM once; each chunk re-initialises it with key and nonce.
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
};

}  // namespace sluice::blob::crypto
