#include "base/random.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace sluice::base {

void RandomBytes(std::span<std::byte> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("getrandom");
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
}

std::string NewUuid() {
  std::array<std::byte, 16> b{};
  RandomBytes(b);
  b[6] = (b[6] & std::byte{0x0f}) | std::byte{0x40};
  b[8] = (b[8] & std::byte{0x3f}) | std::byte{0x80};
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string HexEncode(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    auto v = std::to_integer<unsigned>(b);
    out.push_back(kDigits[v >> 4]);
    out.push_back(kDigits[v & 0xf]);
  }
  return out;
}

std::string HexEncode(std::string_view bytes) {
  return HexEncode(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

}  // namespace sluice::base
