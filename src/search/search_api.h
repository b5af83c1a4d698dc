// The Coveo Search API v2 subset (POST/GET /rest/search/v2).
#pragma once

#include <filesystem>

#include "http/router.h"
#include "search/search_caller.h"
#include "search/search_token.h"
#include "store/state_store.h"

namespace sluice::search {

class SearchApi {
 public:
  // `signer` checks search tokens; it must outlive the SearchApi.
  SearchApi(store::StateStore& store, std::filesystem::path index_root,
            const SearchTokenSigner& signer);
  void Register(http::Router& router);

 private:
  http::Response Search(http::Request& request);

  store::StateStore& store_;
  std::filesystem::path index_root_;
  SearchAuthenticator authenticator_;
};

}  // namespace sluice::search
