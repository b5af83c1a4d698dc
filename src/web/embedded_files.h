// The table the build generates from web/ (embed_files.cmake), and the content
// types it records. Internal to the web module; use FindAsset (assets.h).
#pragma once

#include <span>
#include <string_view>

#include "web/assets.h"

namespace sluice::web::internal {

struct EmbeddedFile {
  std::string_view path;  // "/app.js": the file's path under web/ with a leading "/"
  Asset asset;
};

// The Content-Type to serve a file with, from its name's extension (lower case).
constexpr std::string_view ContentTypeForFileName(std::string_view name) {
  struct Mapping {
    std::string_view extension;
    std::string_view content_type;
  };
  constexpr Mapping kMappings[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  };
  for (const Mapping& mapping : kMappings) {
    if (name.ends_with(mapping.extension)) return mapping.content_type;
  }
  return "application/octet-stream";
}

// Every file of web/, sorted by path. Defined in the generated embedded_files.cc.
std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace sluice::web::internal
