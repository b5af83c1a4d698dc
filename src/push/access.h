// Who is calling: resolves the Bearer API key and checks its privileges.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "base/clock.h"
#include "http/message.h"
#include "http/router.h"
#include "store/state_store.h"

namespace sluice::push {

inline constexpr std::string_view kPrivilegeAdmin = "admin";  // implies every other
inline constexpr std::string_view kPrivilegePush = "push";
inline constexpr std::string_view kPrivilegeSearch = "search";
inline constexpr std::string_view kPrivilegeFields = "fields";  // view, create and edit fields
// Issue search tokens (POST /rest/search/v2/token) that impersonate security identities.
inline constexpr std::string_view kPrivilegeImpersonate = "impersonate";
// Search every item regardless of its permissions.
inline constexpr std::string_view kPrivilegeViewAllContent = "viewallcontent";

// Whether the key holds `privilege`, directly or through admin.
bool HasPrivilege(const store::ApiKey& key, std::string_view privilege);

// The credential of "Authorization: Bearer <value>" (the scheme in any case, RFC 7235); ""
// when the header is present but not a Bearer one, or sent more than once (which of two
// credentials counts is ambiguous, so neither does); otherwise, when `allow_query`,
// ?access_token= ("" when repeated). nullopt when the request names no credential at all.
std::optional<std::string> BearerToken(const http::Request& request, bool allow_query);

// Whether the request presents a credential of any kind (Authorization header or
// ?access_token=), i.e. whether answering it could confirm or refute a guessed key.
bool PresentsCredential(const http::Request& request);

struct FailedAuthOptions {
  // Refused credentials a remote address may present per window; 0 turns the limit off.
  uint32_t max_failures = 20;
  int64_t window_ms = 60'000;
};

// Slows down key guessing: counts, per remote address, the requests whose credential was
// refused (401), and once an address has used up `max_failures` in a window, answers its
// requests that present any credential with 429 TOO_MANY_REQUESTS and Retry-After, without
// checking the credential, until the budget refills (max_failures per window, smoothly).
// Requests without a credential, and every other address, are not affected. Every route
// shares one limiter (http::Router::SetGuard), so the budget covers all APIs together.
// Thread-safe.
class FailedAuthLimiter {
 public:
  FailedAuthLimiter(const base::Clock& clock, FailedAuthOptions options)
      : clock_(clock), options_(options) {}

  // The 429 to send instead of running the request, or nullopt to let it in.
  std::optional<http::Response> Admit(const http::Request& request);
  // Counts `response` against the request's address when it refused a presented credential.
  void Observe(const http::Request& request, const http::Response& response);

 private:
  struct Budget {
    double failures = 0;  // decays by max_failures per window
    int64_t updated_ms = 0;
  };
  // The failures `budget` still counts at `now_ms`.
  double Remaining(const Budget& budget, int64_t now_ms) const;
  // Brings `budget` to `now_ms`; returns Remaining.
  double Decay(Budget& budget, int64_t now_ms) const;

  const base::Clock& clock_;
  FailedAuthOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Budget> budgets_;  // by remote address
};

class Access {
 public:
  explicit Access(store::StateStore& store) : store_(store) {}

  // The caller's key when it is valid for `organization_id` and holds
  // `privilege`; otherwise the Coveo error to send (401, 403, 404).
  // An empty `organization_id` means the key's own organization.
  // Search also accepts the key as ?access_token= (as Coveo's Search API does).
  // A key scoped to some sources is refused (403) on routes whose {source} is another.
  struct Outcome {
    std::optional<store::ApiKey> key;
    http::Response error;
  };
  Outcome Check(const http::Request& request, std::string_view organization_id,
                std::string_view privilege) const;

  // Check without the privilege test, for callers that decide privileges themselves.
  Outcome Authenticate(const http::Request& request, std::string_view organization_id,
                       bool allow_query_token = false) const;

 private:
  store::StateStore& store_;
};

// The router guard that puts `limiter` in front of every route added after it.
http::Router::Guard FailedAuthGuard(const std::shared_ptr<FailedAuthLimiter>& limiter);

// The source a ".../sources/{source}/..." call names, once the caller's key holds `privilege`
// for it; otherwise the error to send (401, 403, 404, 412 SOURCE_DOES_NOT_EXIST).
std::variant<store::Source, http::Response> ResolveSource(const Access& access,
                                                          store::StateStore& store,
                                                          const http::Request& request,
                                                          std::string_view privilege);

}  // namespace sluice::push
