// The JSON the Content Browser renders (/api/v1/organizations/{org}/...): sources with
// counts, a source's items, one item's fields and text, and log lines.
#pragma once

#include <filesystem>
#include <optional>

#include "http/router.h"
#include "push/access.h"
#include "store/state_store.h"

namespace sluice::search {

class BrowserApi {
 public:
  BrowserApi(store::StateStore& store, std::filesystem::path index_root);
  void Register(http::Router& router);

 private:
  http::Response ListSources(http::Request& request);
  http::Response ListItems(http::Request& request);
  http::Response ItemDetail(http::Request& request);
  http::Response Logs(http::Request& request);
  // Checks the key and that the request's {source} exists; the error to send otherwise.
  std::optional<http::Response> CheckSource(const http::Request& request);

  store::StateStore& store_;
  std::filesystem::path index_root_;
  push::Access access_;
};

}  // namespace sluice::search
