// API keys as Coveo shapes them ("xx" + UUID), and the hash under which Sluice
// stores them: a key is shown once at creation and never kept in clear.
#pragma once

#include <string>
#include <string_view>

#include "auth/crypto.h"  // IWYU pragma: export (ConstantTimeEquals for hash checks)

namespace sluice::auth {

// A new key: "xx" followed by a random version-4 UUID, e.g.
// "xx3f0c1a52-9d1e-4c8b-a7f2-5b0e6d4c2a19". 122 bits come from the kernel CSPRNG.
std::string GenerateApiKey();

// The value to store and look keys up by: lower-case hex SHA-256 of the key.
std::string HashApiKey(std::string_view key);

}  // namespace sluice::auth
