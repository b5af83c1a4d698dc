#include "push/access.h"

#include <algorithm>
#include <cmath>

#include "auth/api_key.h"
#include "base/ascii.h"
#include "push/errors.h"

namespace sluice::push {
namespace {

constexpr size_t kMaxTrackedAddresses = 100000;  // addresses with nothing counted are forgotten

size_t CountHeaders(const http::Request& request, std::string_view name) {
  return static_cast<size_t>(
      std::count_if(request.headers.begin(), request.headers.end(),
                    [&](const auto& h) { return base::EqualsIgnoreAsciiCase(h.first, name); }));
}

// 'a', 'b'
std::string JoinQuoted(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += "'" + v + "'";
  }
  return out;
}

}  // namespace

std::optional<std::string> BearerToken(const http::Request& request, bool allow_query) {
  if (auto h = request.Header("Authorization")) {
    if (CountHeaders(request, "Authorization") > 1) return std::string();
    std::string_view v = *h;
    constexpr std::string_view kBearer = "Bearer ";
    if (v.size() > kBearer.size() &&
        base::EqualsIgnoreAsciiCase(v.substr(0, kBearer.size()), kBearer)) {
      return std::string(v.substr(kBearer.size()));
    }
    return std::string();  // present but not a Bearer token
  }
  if (!allow_query) return std::nullopt;
  std::vector<std::string> tokens = request.QueryAll("access_token");
  if (tokens.empty()) return std::nullopt;
  if (tokens.size() > 1) return std::string();
  return std::move(tokens.front());
}

bool PresentsCredential(const http::Request& request) {
  return request.Header("Authorization").has_value() || !request.QueryAll("access_token").empty();
}

double FailedAuthLimiter::Remaining(const Budget& budget, int64_t now_ms) const {
  const double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - budget.updated_ms));
  const double rate =
      static_cast<double>(options_.max_failures) / static_cast<double>(options_.window_ms);
  return std::max(0.0, budget.failures - elapsed * rate);
}

double FailedAuthLimiter::Decay(Budget& budget, int64_t now_ms) const {
  budget.failures = Remaining(budget, now_ms);
  budget.updated_ms = now_ms;
  return budget.failures;
}

std::optional<http::Response> FailedAuthLimiter::Admit(const http::Request& request) {
  if (options_.max_failures == 0 || !PresentsCredential(request)) return std::nullopt;
  const int64_t now = clock_.NowMs();
  double over = 0;
  {
    std::lock_guard lock(mu_);
    auto it = budgets_.find(request.remote_address);
    if (it == budgets_.end()) return std::nullopt;
    // Full once max_failures are counted; one failure drains every window/max_failures.
    over = Decay(it->second, now) - (options_.max_failures - 1);
  }
  if (over <= 0) return std::nullopt;
  const double wait_ms = over * static_cast<double>(options_.window_ms) / options_.max_failures;
  const int64_t wait = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_ms / 1000)));
  http::Response r = CoveoError(
      429, "TOO_MANY_REQUESTS",
      "Too many requests from this address presented an invalid API key or token. Retry after " +
          std::to_string(wait) + " s.");
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  return r;
}

void FailedAuthLimiter::Observe(const http::Request& request, const http::Response& response) {
  if (options_.max_failures == 0 || response.status != 401 || !PresentsCredential(request)) {
    return;
  }
  const int64_t now = clock_.NowMs();
  std::lock_guard lock(mu_);
  if (budgets_.size() >= kMaxTrackedAddresses && !budgets_.contains(request.remote_address)) {
    std::erase_if(budgets_, [&](const auto& entry) { return Remaining(entry.second, now) < 1; });
  }
  auto [it, fresh] = budgets_.try_emplace(request.remote_address, Budget{0, now});
  Decay(it->second, now);
  it->second.failures = std::min<double>(it->second.failures + 1, options_.max_failures);
}

http::Router::Guard FailedAuthGuard(const std::shared_ptr<FailedAuthLimiter>& limiter) {
  return {[limiter](const http::Request& request) { return limiter->Admit(request); },
          [limiter](const http::Request& request, const http::Response& response) {
            limiter->Observe(request, response);
          }};
}

bool HasPrivilege(const store::ApiKey& key, std::string_view privilege) {
  return std::any_of(key.privileges.begin(), key.privileges.end(),
                     [&](const auto& p) { return p == kPrivilegeAdmin || p == privilege; });
}

Access::Outcome Access::Authenticate(const http::Request& request, std::string_view organization_id,
                                     bool allow_query_token) const {
  auto token = BearerToken(request, allow_query_token);
  if (!token) {
    return {std::nullopt,
            CoveoError(401, "UNAUTHORIZED", "Missing 'Authorization: Bearer <API key>' header.")};
  }
  const std::string hash = auth::HashApiKey(*token);
  auto key = store_.FindApiKeyByHash(hash);
  if (!key.ok()) return {std::nullopt, FromStatus(key.status())};
  // The store looks keys up by hash (an index lookup on a value the caller cannot choose);
  // the constant-time check keeps that true whatever the store matches on.
  if (!key->has_value() || !auth::ConstantTimeEquals((*key)->key_hash, hash)) {
    return {std::nullopt, CoveoError(401, "INVALID_TOKEN", "Token is invalid.")};
  }
  const store::ApiKey& k = **key;
  if (!organization_id.empty() && k.organization_id != organization_id) {
    auto exists = store_.OrganizationExists(std::string(organization_id));
    if (exists.ok() && !*exists) {
      return {std::nullopt,
              CoveoError(404, "ORGANIZATION_NOT_FOUND",
                         "Organization '" + std::string(organization_id) + "' does not exist.")};
    }
    return {std::nullopt, CoveoError(403, "ACCESS_DENIED",
                                     "The API key does not grant access to organization '" +
                                         std::string(organization_id) + "'.")};
  }
  if (auto source = request.path_params.find("source");
      source != request.path_params.end() && !k.source_ids.empty() &&
      std::find(k.source_ids.begin(), k.source_ids.end(), source->second) == k.source_ids.end()) {
    return {std::nullopt,
            CoveoError(403, "ACCESS_DENIED",
                       "The API key is limited to sources " + JoinQuoted(k.source_ids) +
                           " and may not act on source '" + source->second + "'.")};
  }
  return {std::move(*key), {}};
}

Access::Outcome Access::Check(const http::Request& request, std::string_view organization_id,
                              std::string_view privilege) const {
  Outcome outcome = Authenticate(request, organization_id, privilege == kPrivilegeSearch);
  if (outcome.key && !HasPrivilege(*outcome.key, privilege)) {
    return {std::nullopt, CoveoError(403, "ACCESS_DENIED",
                                     "The API key lacks the '" + std::string(privilege) +
                                         "' privilege required for this call.")};
  }
  return outcome;
}

std::variant<store::Source, http::Response> ResolveSource(const Access& access,
                                                          store::StateStore& store,
                                                          const http::Request& request,
                                                          std::string_view privilege) {
  const std::string& org = request.path_params.at("org");
  auto outcome = access.Check(request, org, privilege);
  if (!outcome.key) return outcome.error;
  const std::string& source_id = request.path_params.at("source");
  auto source = store.GetSource(org, source_id);
  if (!source.ok()) return FromStatus(source.status());
  if (!source->has_value()) {
    return CoveoError(412, "SOURCE_DOES_NOT_EXIST",
                      "Source '" + source_id + "' does not exist in organization '" + org + "'.");
  }
  return std::move(**source);
}

}  // namespace sluice::push
