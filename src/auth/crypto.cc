#include "auth/crypto.h"

#include <cstdio>
#include <cstdlib>

#include <climits>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/random.h"

namespace sluice::auth {
namespace {

constexpr size_t kSha256Bytes = 32;

// OpenSSL only fails here when it is broken (no SHA-256 provider), and no key
// or signature may be produced then, so stop rather than return a wrong digest.
[[noreturn]] void DieOnCryptoFailure(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string digest(kSha256Bytes, '\0');
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &size,
                 EVP_sha256(), nullptr) != 1 ||
      size != kSha256Bytes) {
    DieOnCryptoFailure("SHA-256");
  }
  return digest;
}

std::string Sha256Hex(std::string_view data) { return base::HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  // HMAC replaces a key longer than the block size by its hash (RFC 2104 §2),
  // so doing it here is equivalent and keeps the length within OpenSSL's int.
  std::string hashed_key;
  if (key.size() > INT_MAX) {
    hashed_key = Sha256(key);
    key = hashed_key;
  }
  std::string mac(kSha256Bytes, '\0');
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(mac.data()), &size) == nullptr ||
      size != kSha256Bytes) {
    DieOnCryptoFailure("HMAC-SHA256");
  }
  return mac;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluice::auth
