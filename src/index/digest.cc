#include "index/digest.h"

#include <array>
#include <cstdlib>

#include <openssl/evp.h>

#include "base/random.h"

namespace sluice::index {

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  // EVP_Digest only fails when the library cannot allocate a context; an id must never be
  // derived from garbage, so treat that like an out-of-memory abort.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &digest_length, EVP_sha256(),
                 nullptr) != 1) {
    std::abort();
  }
  return base::HexEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest_length));
}

}  // namespace sluice::index
