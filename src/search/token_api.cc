#include "search/token_api.h"

#include <cctype>
#include <optional>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "document/json_body.h"
#include "push/errors.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

// The type as Coveo's RestUserId enum spells it, from any case and with or without "_".
std::optional<std::string> UserIdType(std::string_view type) {
  std::string folded;
  for (char c : type) {
    if (c != '_') folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (folded == "user") return "User";
  if (folded == "group") return "Group";
  if (folded == "virtualgroup") return "VirtualGroup";
  if (folded == "unknown") return "Unknown";
  return std::nullopt;
}

// A string member; "" when absent or null.
base::Result<std::string> OptionalString(const json::object& o, std::string_view key,
                                         const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return base::InvalidArgument("'" + where + "' must be a string");
  return std::string(v->as_string());
}

base::Result<index::IdentityRef> UserId(const json::value& v, const std::string& where) {
  if (!v.is_object()) return base::InvalidArgument("'" + where + "' must be an object");
  const json::object& o = v.as_object();
  index::IdentityRef id;
  SLUICE_ASSIGN_OR_RETURN(id.name, OptionalString(o, "name", where + ".name"));
  if (id.name.empty()) {
    return base::InvalidArgument("'" + where + ".name' is required: the identity to impersonate");
  }
  SLUICE_ASSIGN_OR_RETURN(id.provider, OptionalString(o, "provider", where + ".provider"));
  if (id.provider.empty()) id.provider = kEmailSecurityProvider;
  SLUICE_ASSIGN_OR_RETURN(std::string type, OptionalString(o, "type", where + ".type"));
  if (type.empty()) type = "User";
  std::optional<std::string> canonical = UserIdType(type);
  if (!canonical) {
    return base::InvalidArgument("'" + where + ".type' must be User, Group, VirtualGroup or " +
                                 "Unknown (got '" + type + "')");
  }
  id.type = *canonical;
  return id;
}

base::Result<std::vector<index::IdentityRef>> UserIds(const json::object& body) {
  const json::value* v = body.if_contains("userids");
  if (v == nullptr || v->is_null()) {
    return base::NotFound("'userIds' is required: the security identities to impersonate");
  }
  if (!v->is_array() || v->as_array().empty()) {
    return base::InvalidArgument("'userIds' must be a non-empty array of {name, provider, type}");
  }
  if (v->as_array().size() > kMaxTokenUserIds) {
    return base::InvalidArgument("'userIds' may name at most " + std::to_string(kMaxTokenUserIds) +
                                 " identities");
  }
  std::vector<index::IdentityRef> out;
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(index::IdentityRef id,
                            UserId(v->as_array()[i], "userIds[" + std::to_string(i) + "]"));
    out.push_back(std::move(id));
  }
  return out;
}

base::Result<int64_t> ValidFor(const json::object& body) {
  const json::value* v = body.if_contains("validfor");
  if (v == nullptr || v->is_null()) return kMaxTokenValidityMs;
  const std::string bounds = "between " + std::to_string(kMinTokenValidityMs) + " (15 minutes) " +
                             "and " + std::to_string(kMaxTokenValidityMs) + " (24 hours)";
  if (!v->is_int64() || v->as_int64() < kMinTokenValidityMs ||
      v->as_int64() > kMaxTokenValidityMs) {
    return base::InvalidArgument("'validFor' must be a number of milliseconds " + bounds +
                                 " (got " + json::serialize(*v) + ")");
  }
  return v->as_int64();
}

base::Result<std::vector<std::string>> UserGroups(const json::object& body) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains("usergroups");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return base::InvalidArgument("'userGroups' must be an array of strings");
  for (const json::value& g : v->as_array()) {
    if (!g.is_string()) return base::InvalidArgument("'userGroups' must be an array of strings");
    out.emplace_back(g.as_string());
  }
  return out;
}

}  // namespace

base::Result<TokenParams> ParseTokenParams(const json::value& parsed) {
  if (!parsed.is_object()) {
    return base::InvalidArgument("the body must be a JSON object (RestTokenParams)");
  }
  const json::object& body = parsed.as_object();
  TokenParams params;
  SearchToken& c = params.claims;
  SLUICE_ASSIGN_OR_RETURN(c.user_ids, UserIds(body));
  SLUICE_ASSIGN_OR_RETURN(params.valid_for_ms, ValidFor(body));
  SLUICE_ASSIGN_OR_RETURN(c.user_display_name,
                          OptionalString(body, "userdisplayname", "userDisplayName"));
  SLUICE_ASSIGN_OR_RETURN(c.user_groups, UserGroups(body));
  SLUICE_ASSIGN_OR_RETURN(c.search_hub, OptionalString(body, "searchhub", "searchHub"));
  SLUICE_ASSIGN_OR_RETURN(c.pipeline, OptionalString(body, "pipeline", "pipeline"));
  SLUICE_ASSIGN_OR_RETURN(c.filter, OptionalString(body, "filter", "filter"));
  return params;
}

void TokenApi::Register(http::Router& router) {
  router.Add("POST", "/rest/search/v2/token", [this](http::Request& r) { return Create(r); });
}

http::Response TokenApi::Create(http::Request& request) {
  auto access = access_.Check(request, request.Query("organizationId").value_or(""),
                              push::kPrivilegeImpersonate);
  if (!access.key) return access.error;
  const store::ApiKey& key = *access.key;

  if (request.body.empty()) {
    return push::CoveoError(400, "MISSING_PARAMETER",
                            "The body is required: a RestTokenParams object with 'userIds'.");
  }
  base::Result<json::value> body = document::ParseCaseInsensitiveJson(request.body);
  if (!body.ok()) return push::CoveoError(400, "INVALID_JSON", body.status().message());
  base::Result<TokenParams> params = ParseTokenParams(*body);
  if (!params.ok()) {
    const base::Status& why = params.status();
    if (why.code() == base::StatusCode::kNotFound) {
      return push::CoveoError(400, "MISSING_PARAMETER", why.message() + ".");
    }
    if (why.code() == base::StatusCode::kInvalidArgument) {
      return push::CoveoError(400, "INVALID_PARAMETER", why.message() + ".");
    }
    return push::FromStatus(why);
  }
  SearchToken& token = params->claims;
  token.organization_id = key.organization_id;
  token.api_key_id = key.id;
  token.source_ids = key.source_ids;
  token.issued_at_s = clock_.NowMs() / 1000;
  token.expires_at_s = token.issued_at_s + params->valid_for_ms / 1000;

  std::string signed_token = signer_.Sign(token);
  if (signed_token.size() > kMaxTokenBytes) {
    return push::CoveoError(400, "INVALID_PARAMETER",
                            "The search token would be " + std::to_string(signed_token.size()) +
                                " bytes; at most " + std::to_string(kMaxTokenBytes) +
                                " fit in an Authorization header. Send fewer userIds or a "
                                "shorter filter.");
  }
  return http::Response::Json(200, json::serialize(json::object{{"token", signed_token}}));
}

}  // namespace sluice::search
