// Cryptographically secure randomness for keys, file ids and request ids.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sluice::base {

// Fills `out` from the kernel CSPRNG (getrandom); aborts if the kernel refuses,
// since no id or key may ever be made from weak randomness.
void RandomBytes(std::span<std::byte> out);

// A random (version 4) UUID in canonical lower-case form.
std::string NewUuid();

// Lower-case hexadecimal of the bytes.
std::string HexEncode(std::span<const std::byte> bytes);
std::string HexEncode(std::string_view bytes);

}  // namespace sluice::base
