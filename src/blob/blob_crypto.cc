#include "blob/blob_crypto.h"

#include <climits>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/random.h"

namespace sluice::blob::crypto {
namespace {

// Internal, because OpenSSL failing on valid inputs means a broken build or
// library, not bad data; drains the error queue so later calls start clean.
base::Status OpenSslError(std::string_view what) {
  std::string detail;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  if (detail.empty()) detail = "no OpenSSL error recorded";
  return base::Internal("OpenSSL " + std::string(what) + " failed: " + detail);
}

struct KdfFree {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

}  // namespace

base::Result<Key256> DeriveBlobKey(const Key256& master_key, const format::Salt& salt) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  if (!kdf) return OpenSslError("EVP_KDF_fetch(HKDF)");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return OpenSslError("EVP_KDF_CTX_new");

  // OSSL_PARAM takes non-const pointers but only reads through them here.
  char digest[] = "SHA256";
  std::string info(format::kKeyInfo);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(master_key.data()), master_key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        const_cast<unsigned char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  Key256 key{};
  if (EVP_KDF_derive(ctx.get(), key.data(), key.size(), params) != 1) {
    return OpenSslError("HKDF-SHA256 derive");
  }
  return key;
}

base::Result<Sha256> Sha256::Create() {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return OpenSslError("SHA-256 init");
  }
  return Sha256(std::move(ctx));
}

base::Status Sha256::Update(std::string_view bytes) {
  if (bytes.empty()) return base::Status::Ok();
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
    return OpenSslError("SHA-256 update");
  }
  return base::Status::Ok();
}

base::Result<std::string> Sha256::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1) {
    return OpenSslError("SHA-256 final");
  }
  return base::HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

base::Result<ChunkCipher> ChunkCipher::Create(const Key256& key) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  // Selects the cipher once; key and nonce are supplied per chunk. GCM's default
  // nonce length is the 12 bytes the format uses.
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, 1) != 1) {
    return OpenSslError("AES-256-GCM init");
  }
  if (EVP_CIPHER_CTX_get_iv_length(ctx.get()) != static_cast<int>(format::kNonceSize)) {
    return base::Internal("AES-256-GCM nonce length is not " + std::to_string(format::kNonceSize) +
                          " bytes");
  }
  return ChunkCipher(key, std::move(ctx));
}

ChunkCipher::~ChunkCipher() { OPENSSL_cleanse(key_.data(), key_.size()); }

base::Status ChunkCipher::Seal(const format::Nonce& nonce, const format::Aad& aad,
                               std::span<const unsigned char> plaintext, unsigned char* out) {
  if (plaintext.size() > INT_MAX) return base::Internal("chunk too large for AES-GCM call");
  EVP_CIPHER_CTX* ctx = ctx_.get();
  int length = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, key_.data(), nonce.data()) != 1) {
    return OpenSslError("AES-256-GCM encrypt init");
  }
  if (EVP_EncryptUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-256-GCM AAD");
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx, out, &written, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return OpenSslError("AES-256-GCM encrypt");
    }
  }
  if (EVP_EncryptFinal_ex(ctx, out + written, &length) != 1) {
    return OpenSslError("AES-256-GCM encrypt final");
  }
  written += length;
  if (static_cast<size_t>(written) != plaintext.size()) {
    return base::Internal("AES-256-GCM produced " + std::to_string(written) +
                          " ciphertext bytes for " + std::to_string(plaintext.size()) +
                          " plaintext bytes");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(format::kTagSize),
                          out + written) != 1) {
    return OpenSslError("AES-256-GCM get tag");
  }
  return base::Status::Ok();
}

base::Result<bool> ChunkCipher::Open(const format::Nonce& nonce, const format::Aad& aad,
                                     std::span<const unsigned char> sealed,
                                     unsigned char* plaintext_out) {
  if (sealed.size() < format::kTagSize) return false;
  if (sealed.size() > INT_MAX) return base::Internal("chunk too large for AES-GCM call");
  const size_t ciphertext_size = sealed.size() - format::kTagSize;
  EVP_CIPHER_CTX* ctx = ctx_.get();
  int length = 0;
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, key_.data(), nonce.data()) != 1) {
    return OpenSslError("AES-256-GCM decrypt init");
  }
  if (EVP_DecryptUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-256-GCM AAD");
  }
  int written = 0;
  if (ciphertext_size > 0) {
    if (EVP_DecryptUpdate(ctx, plaintext_out, &written, sealed.data(),
                          static_cast<int>(ciphertext_size)) != 1) {
      return OpenSslError("AES-256-GCM decrypt");
    }
  }
  // The tag argument is not modified for SET_TAG; the API just is not const-correct.
  auto* tag = const_cast<unsigned char*>(sealed.data() + ciphertext_size);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(format::kTagSize), tag) !=
      1) {
    return OpenSslError("AES-256-GCM set tag");
  }
  if (EVP_DecryptFinal_ex(ctx, plaintext_out + written, &length) != 1) {
    // A tag mismatch is expected data, not a library fault; drop the error queue.
    ERR_clear_error();
    OPENSSL_cleanse(plaintext_out, ciphertext_size);
    return false;
  }
  return true;
}

}  // namespace sluice::blob::crypto
