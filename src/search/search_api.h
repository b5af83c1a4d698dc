// The Coveo Search API v2 subset (POST/GET /rest/search/v2).
#pragma once

#include <filesystem>

#include "http/router.h"
#include "push/access.h"
#include "store/state_store.h"

namespace sluice::search {

class SearchApi {
 public:
  SearchApi(store::StateStore& store, std::filesystem::path index_root);
  void Register(http::Router& router);

 private:
  http::Response Search(http::Request& request);

  store::StateStore& store_;
  std::filesystem::path index_root_;
  push::Access access_;
};

}  // namespace sluice::search
