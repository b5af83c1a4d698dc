// POST /rest/search/v2/token: issues a search token (search_token.h) for a trusted back end
// holding an API key with `impersonate`, with Coveo's RestTokenParams body.
#pragma once

#include <cstdint>
#include <string_view>

#include <boost/json/value.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "http/router.h"
#include "push/access.h"
#include "search/search_token.h"
#include "store/state_store.h"

namespace sluice::search {

// At most this many userIds in one token; the token must also fit kMaxTokenBytes.
inline constexpr size_t kMaxTokenUserIds = 100;

// A RestTokenParams body, read.
struct TokenParams {
  SearchToken claims;  // userIds and the optional claims; no organization, key or times yet
  int64_t valid_for_ms = kMaxTokenValidityMs;
};

// Reads a RestTokenParams body as document::ParseCaseInsensitiveJson parsed it: userIds (required,
// each with a name; provider defaults to the Email Security Provider and type to User), validFor
// (ms, within [kMinTokenValidityMs, kMaxTokenValidityMs]), userDisplayName, userGroups, searchHub,
// pipeline and filter. Other RestTokenParams keys (Salesforce internals, deprecated ones) are
// ignored. NotFound when userIds is missing, InvalidArgument otherwise; both name the offending
// key, e.g. "userIds[1].name".
base::Result<TokenParams> ParseTokenParams(const boost::json::value& body);

class TokenApi {
 public:
  TokenApi(store::StateStore& store, const SearchTokenSigner& signer, const base::Clock& clock)
      : signer_(signer), clock_(clock), access_(store) {}
  void Register(http::Router& router);

 private:
  http::Response Create(http::Request& request);

  const SearchTokenSigner& signer_;
  const base::Clock& clock_;
  push::Access access_;
};

}  // namespace sluice::search
