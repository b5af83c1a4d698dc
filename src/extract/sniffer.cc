#include "extract/sniffer.h"

#include <magic.h>

namespace sluice::extract::internal {
namespace {

constexpr std::string_view kUnknown = "application/octet-stream";

// Owns one libmagic handle; libmagic's handles are not thread-safe, so none is shared.
class Magic {
 public:
  Magic()
      : cookie_(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
                           MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_CDF)) {
    if (cookie_ != nullptr && magic_load(cookie_, nullptr) != 0) {
      magic_close(cookie_);
      cookie_ = nullptr;
    }
  }
  ~Magic() {
    if (cookie_ != nullptr) magic_close(cookie_);
  }
  Magic(const Magic&) = delete;
  Magic& operator=(const Magic&) = delete;

  std::string TypeOf(std::string_view bytes) const {
    if (cookie_ == nullptr) return std::string(kUnknown);
    const char* type = magic_buffer(cookie_, bytes.data(), bytes.size());
    return type != nullptr ? std::string(type) : std::string(kUnknown);
  }

 private:
  magic_t cookie_;
};

}  // namespace

std::string SniffMimeType(std::string_view head) {
  return Magic().TypeOf(head.substr(0, kSniffBytes));
}

}  // namespace sluice::extract::internal
