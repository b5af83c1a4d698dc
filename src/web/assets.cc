#include "web/assets.h"

#include "web/embedded_files.h"

namespace sluice::web {

const Asset* FindAsset(std::string_view path) {
  if (path == "/") path = "/index.html";
  // A handful of files: a linear scan is as fast as any index and needs no setup.
  for (const internal::EmbeddedFile& file : internal::EmbeddedFiles()) {
    if (file.path == path) return &file.asset;
  }
  return nullptr;
}

}  // namespace sluice::web
