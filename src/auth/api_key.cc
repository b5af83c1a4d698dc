#include "auth/api_key.h"

#include "base/random.h"

namespace sluice::auth {

std::string GenerateApiKey() { return "xx" + base::NewUuid(); }

// A single fast SHA-256 is the right hash here, not a slow password hash
// (bcrypt, Argon2): generated keys carry 122 random bits, so a leaked hash
// cannot be brute-forced however fast the hash is, and every request pays
// for the hash while authenticating.
std::string HashApiKey(std::string_view key) { return Sha256Hex(key); }

}  // namespace sluice::auth
