// Search tokens: short-lived JSON Web Tokens (HS256) that let a search page query as one user,
// as Coveo's POST /rest/search/v2/token issues them. A trusted back end with an `impersonate` key
// asks for one per signed-in user; the browser then searches with it as its Bearer credential.
// The secret that signs them never leaves the data directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "index/search.h"

namespace sluice::search {

// Coveo's default provider for a userId that names none.
inline constexpr std::string_view kEmailSecurityProvider = "Email Security Provider";

// RestTokenParams.validFor bounds, in milliseconds: at least 15 minutes, at most (and by
// default) 24 hours.
inline constexpr int64_t kMinTokenValidityMs = 900'000;
inline constexpr int64_t kMaxTokenValidityMs = 86'400'000;

// The token travels in an Authorization header, which the HTTP server caps at 16 KiB; a longer
// token could be issued but never used, so it is refused when issued.
inline constexpr size_t kMaxTokenBytes = 12'288;  // 12 KiB

// The claims of a token. On the wire (JWT payload): organization, apiKeyId, sourceIds, userIds
// [{name, provider, type}], userDisplayName, userGroups, searchHub, pipeline, filter, roles,
// iat and exp (seconds since the epoch, as JWT has them).
struct SearchToken {
  std::string organization_id;
  std::string api_key_id;                    // the key that issued it; the token dies with the key
  std::vector<std::string> source_ids;       // that key's source scope; empty: every source
  std::vector<index::IdentityRef> user_ids;  // type as Coveo spells it: User, Group, ...
  std::string user_display_name;
  std::vector<std::string> user_groups;
  std::string search_hub;
  std::string pipeline;
  std::string filter;  // a query expression every search with the token must also match
  int64_t issued_at_s = 0;
  int64_t expires_at_s = 0;
};

// Signs and verifies tokens with one secret. Thread-safe (immutable after construction).
class SearchTokenSigner {
 public:
  // The secret in `key_file` (32 random bytes, created with mode 0600 when missing). DataLoss
  // when the file exists with another size: deleting it makes a new secret and invalidates
  // every token issued so far, nothing else.
  static base::Result<SearchTokenSigner> LoadOrCreate(const std::filesystem::path& key_file);
  // A signer with the given secret (nodes of a cluster share one, kept in the shared state).
  static SearchTokenSigner FromSecret(std::string secret) {
    return SearchTokenSigner(std::move(secret));
  }

  // header.payload.signature, each base64url without padding.
  std::string Sign(const SearchToken& token) const;

  // The claims of a token this signer issued. Failures, with a message for the caller:
  //   Unauthenticated     not a token, a signature that does not match (tampered or signed
  //                       with another secret), or claims that are not well-formed;
  //   FailedPrecondition  expired: `now_ms` is at or past exp;
  //   PermissionDenied    `organization_id` is not empty and not the token's organization.
  // The signature is compared in constant time and checked before anything else is read.
  base::Result<SearchToken> Verify(std::string_view token, int64_t now_ms,
                                   std::string_view organization_id) const;

 private:
  explicit SearchTokenSigner(std::string secret) : secret_(std::move(secret)) {}
  std::string secret_;
};

// Whether `credential` is shaped like a JSON Web Token: three base64url parts joined by dots, the
// first a JSON object ("eyJ" is how base64 of '{"' starts). Generated API keys ("xx" + UUID)
// never are, and a key chosen by hand (SLUICE_API_KEY) would have to be shaped so on purpose.
bool LooksLikeSearchToken(std::string_view credential);

}  // namespace sluice::search
