// The Content Browser's static files (the repository's web/ folder), embedded into
// the binary at build time so `sluice serve` needs no files beside it.
#pragma once

#include <string_view>

namespace sluice::web {

struct Asset {
  std::string_view content_type;  // e.g. "text/html; charset=utf-8", ready for the header
  std::string_view body;          // the file's bytes, exactly as in web/
};

// The asset for a request path without its query string: "/" is index.html,
// "/app.js" is web/app.js. nullptr when no embedded file has that path (the caller
// answers 404). The Asset lives for the whole program.
const Asset* FindAsset(std::string_view path);

}  // namespace sluice::web
