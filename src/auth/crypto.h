// Small cryptographic primitives on OpenSSL that other modules share: SHA-256,
// HMAC-SHA256 and a comparison that does not leak where two secrets differ.
#pragma once

#include <string>
#include <string_view>

namespace sluice::auth {

// The 32 raw bytes of SHA-256(data).
std::string Sha256(std::string_view data);

// Lower-case hexadecimal SHA-256(data), 64 characters.
std::string Sha256Hex(std::string_view data);

// The 32 raw bytes of HMAC-SHA256(key, data) (RFC 2104).
std::string HmacSha256(std::string_view key, std::string_view data);

// True when a and b hold the same bytes. The time taken depends only on the
// lengths, never on the contents, so a caller comparing a secret (signature,
// key hash) cannot be probed byte by byte. Lengths are not secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluice::auth
