// Who is searching: resolves a search's credential (a search token or an API key) to the
// organization, source scope and viewer the index filters results for.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "http/message.h"
#include "index/search.h"
#include "push/access.h"
#include "search/search_token.h"
#include "store/state_store.h"

namespace sluice::search {

struct SearchCaller {
  std::string organization_id;
  std::vector<std::string> source_ids;  // the key's (or token's) source scope; empty = all sources
  index::Viewer viewer;
  std::string filter;  // token filter expression, "" if none; to AND with the query's cq
};

// Thread-safe: holds references only; the store and signer must outlive it.
class SearchAuthenticator {
 public:
  SearchAuthenticator(store::StateStore& store, const SearchTokenSigner& signer,
                      const base::Clock& clock);
  // With the system clock.
  SearchAuthenticator(store::StateStore& store, const SearchTokenSigner& signer);
  SearchAuthenticator(const SearchAuthenticator&) = delete;
  SearchAuthenticator& operator=(const SearchAuthenticator&) = delete;

  // The Bearer value (or ?access_token=) is a search token or an API key with `search`.
  // A key with `viewallcontent` (or admin) gets viewer.sees_everything; any other key searches
  // as anonymous (viewer with no identities). A token's viewer holds its userIds expanded
  // (viewer.h). An empty `organization_id` means the credential's own organization.
  // Errors, in push::Access's shape {"statusCode","errorCode","message"}:
  //   401 UNAUTHORIZED (no credential), 401 INVALID_TOKEN (unknown key; a token altered, not
  //   issued here, or whose issuing key was deleted or lost `impersonate`), 419 EXPIRED_TOKEN
  //   (as Coveo answers, so its clients renew the token), 403 ACCESS_DENIED (another
  //   organization; a key without `search`), 404 ORGANIZATION_NOT_FOUND, and 500 when the
  //   token's identities cannot be expanded within viewer.h's bounds.
  std::variant<SearchCaller, http::Response> Authenticate(const http::Request& request,
                                                          std::string_view organization_id) const;

 private:
  std::variant<SearchCaller, http::Response> FromToken(std::string_view token,
                                                       std::string_view organization_id) const;

  store::StateStore& store_;
  const SearchTokenSigner& signer_;
  base::SystemClock system_clock_;
  const base::Clock& clock_;
  push::Access access_;
};

}  // namespace sluice::search
