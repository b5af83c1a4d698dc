// The Coveo Search API v2 subset (POST/GET /rest/search/v2) and query completion
// (/rest/search/v2/querySuggest).
#pragma once

#include <filesystem>
#include <variant>
#include <vector>

#include "http/router.h"
#include "index/commit_gate.h"
#include "search/search_caller.h"
#include "search/search_token.h"
#include "store/state_store.h"

namespace sluice::search {

class SearchApi {
 public:
  // `commit_gate` is the one the index's writers commit through; it and `signer`, which checks
  // search tokens, must outlive the SearchApi.
  SearchApi(store::StateStore& store, std::filesystem::path index_root,
            index::CommitGate& commit_gate, const SearchTokenSigner& signer);
  void Register(http::Router& router);

 private:
  http::Response Search(http::Request& request);
  http::Response QuerySuggest(http::Request& request);
  // The index directories of the caller's sources, or the error to send.
  std::variant<std::vector<std::filesystem::path>, http::Response> SourceDirs(
      const SearchCaller& who) const;

  store::StateStore& store_;
  std::filesystem::path index_root_;
  index::CommitGate& commit_gate_;
  SearchAuthenticator authenticator_;
};

}  // namespace sluice::search
