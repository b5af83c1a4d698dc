#include "search/search_token.h"

#include <array>
#include <cstddef>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/crypto.h>

#include "auth/crypto.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/random.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

constexpr size_t kSecretBytes = 32;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The only header Sluice issues; a token with any other is not one of ours.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

// RFC 4648 §5 base64url, without padding (RFC 7515 §2).
std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = byte(i) << 16;
    for (int shift : {18, 12}) out += kAlphabet[(v >> shift) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    for (int shift : {18, 12, 6}) out += kAlphabet[(v >> shift) & 63];
  }
  return out;
}

int Base64UrlValue(char c) {
  size_t at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Strict: only the base64url alphabet, no padding, no length that no encoding produces.
std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::string Signature(std::string_view secret, std::string_view signed_part) {
  return Base64UrlEncode(auth::HmacSha256(secret, signed_part));
}

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

json::object ClaimsJson(const SearchToken& token) {
  json::array users;
  for (const auto& u : token.user_ids) {
    users.push_back(json::object{{"name", u.name}, {"provider", u.provider}, {"type", u.type}});
  }
  json::object claims{{"v8", true},
                      {"organization", token.organization_id},
                      {"apiKeyId", token.api_key_id},
                      {"sourceIds", StringArray(token.source_ids)},
                      {"userIds", std::move(users)},
                      {"roles", json::array{"queryExecutor"}},
                      {"iat", token.issued_at_s},
                      {"exp", token.expires_at_s}};
  // Optional claims appear only when set, as in Coveo's tokens.
  auto optional = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) claims[name] = value;
  };
  optional("userDisplayName", token.user_display_name);
  optional("searchHub", token.search_hub);
  optional("pipeline", token.pipeline);
  optional("filter", token.filter);
  if (!token.user_groups.empty()) claims["userGroups"] = StringArray(token.user_groups);
  return claims;
}

base::Status Malformed(std::string_view what) {
  return base::Unauthenticated("Search token is invalid: " + std::string(what) + ".");
}

base::Result<std::string> StringClaim(const json::object& claims, std::string_view name,
                                      bool required) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr) {
    if (required) return Malformed("the '" + std::string(name) + "' claim is missing");
    return std::string();
  }
  if (!v->is_string()) return Malformed("the '" + std::string(name) + "' claim is not a string");
  return std::string(v->as_string());
}

base::Result<std::vector<std::string>> StringsClaim(const json::object& claims,
                                                    std::string_view name) {
  std::vector<std::string> out;
  const json::value* v = claims.if_contains(name);
  if (v == nullptr) return out;
  if (!v->is_array()) return Malformed("the '" + std::string(name) + "' claim is not an array");
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) {
      return Malformed("the '" + std::string(name) + "' claim holds a value that is not a string");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

base::Result<int64_t> TimeClaim(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr || !v->is_int64()) {
    return Malformed("the '" + std::string(name) + "' claim is not a number of seconds");
  }
  return v->as_int64();
}

base::Result<SearchToken> ParseClaims(const json::object& claims) {
  SearchToken token;
  SLUICE_ASSIGN_OR_RETURN(token.organization_id, StringClaim(claims, "organization", true));
  SLUICE_ASSIGN_OR_RETURN(token.api_key_id, StringClaim(claims, "apiKeyId", true));
  SLUICE_ASSIGN_OR_RETURN(token.source_ids, StringsClaim(claims, "sourceIds"));
  SLUICE_ASSIGN_OR_RETURN(token.user_display_name, StringClaim(claims, "userDisplayName", false));
  SLUICE_ASSIGN_OR_RETURN(token.user_groups, StringsClaim(claims, "userGroups"));
  SLUICE_ASSIGN_OR_RETURN(token.search_hub, StringClaim(claims, "searchHub", false));
  SLUICE_ASSIGN_OR_RETURN(token.pipeline, StringClaim(claims, "pipeline", false));
  SLUICE_ASSIGN_OR_RETURN(token.filter, StringClaim(claims, "filter", false));
  SLUICE_ASSIGN_OR_RETURN(token.issued_at_s, TimeClaim(claims, "iat"));
  SLUICE_ASSIGN_OR_RETURN(token.expires_at_s, TimeClaim(claims, "exp"));
  const json::value* users = claims.if_contains("userIds");
  if (users == nullptr || !users->is_array()) return Malformed("the 'userIds' claim is missing");
  for (const json::value& u : users->as_array()) {
    if (!u.is_object()) return Malformed("a 'userIds' entry is not an object");
    index::IdentityRef id;
    SLUICE_ASSIGN_OR_RETURN(id.name, StringClaim(u.as_object(), "name", true));
    SLUICE_ASSIGN_OR_RETURN(id.provider, StringClaim(u.as_object(), "provider", true));
    SLUICE_ASSIGN_OR_RETURN(id.type, StringClaim(u.as_object(), "type", true));
    token.user_ids.push_back(std::move(id));
  }
  return token;
}

base::Result<std::string> ReadSecret(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string secret, base::ReadFile(path));
  if (secret.size() != kSecretBytes) {
    const size_t size = secret.size();
    OPENSSL_cleanse(secret.data(), secret.size());
    return base::DataLoss("search token key file " + path.string() + " is " + std::to_string(size) +
                          " bytes; it must be exactly " + std::to_string(kSecretBytes) +
                          ". Delete it to create a new key: search tokens issued so far then "
                          "stop working, nothing else is affected");
  }
  return secret;
}

}  // namespace

base::Result<SearchTokenSigner> SearchTokenSigner::LoadOrCreate(
    const std::filesystem::path& key_file) {
  base::Result<std::string> existing = ReadSecret(key_file);
  if (existing.ok()) return SearchTokenSigner(std::move(*existing));
  if (existing.status().code() != base::StatusCode::kNotFound) return existing.status();
  std::array<std::byte, kSecretBytes> bytes{};
  base::RandomBytes(bytes);
  std::string secret(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
  // One server owns a data directory, so no other process creates the file concurrently.
  SLUICE_RETURN_IF_ERROR(base::WriteFileAtomic(key_file, secret, 0600));
  return SearchTokenSigner(std::move(secret));
}

std::string SearchTokenSigner::Sign(const SearchToken& token) const {
  std::string out =
      Base64UrlEncode(kHeader) + "." + Base64UrlEncode(json::serialize(ClaimsJson(token)));
  std::string signature = Signature(secret_, out);
  return out + "." + signature;
}

base::Result<SearchToken> SearchTokenSigner::Verify(std::string_view token, int64_t now_ms,
                                                    std::string_view organization_id) const {
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');
  if (first == std::string_view::npos || first == last) {
    return Malformed("it is not a JSON web token");
  }
  const std::string_view signed_part = token.substr(0, last);
  if (!auth::ConstantTimeEquals(Signature(secret_, signed_part), token.substr(last + 1))) {
    return base::Unauthenticated(
        "Search token is invalid: its signature does not match (it was altered, or not issued "
        "by this server).");
  }
  // Signed by us, so the parts below are what Sign wrote; they are still checked, so that a
  // change of format can never be read as something else.
  if (std::optional<std::string> header = Base64UrlDecode(token.substr(0, first));
      !header || *header != kHeader) {
    return Malformed("its header is not {\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  }
  std::optional<std::string> payload = Base64UrlDecode(token.substr(first + 1, last - first - 1));
  if (!payload) return Malformed("its payload is not base64url");
  boost::system::error_code ec;
  json::value claims = json::parse(*payload, ec);
  if (ec || !claims.is_object()) return Malformed("its payload is not a JSON object");
  SLUICE_ASSIGN_OR_RETURN(SearchToken parsed, ParseClaims(claims.as_object()));
  if (now_ms / 1000 >= parsed.expires_at_s) {  // exp is whole seconds
    return base::FailedPrecondition("Search token has expired (at " +
                                    base::FormatIso8601Ms(parsed.expires_at_s * 1000) +
                                    "); ask for a new one.");
  }
  if (!organization_id.empty() && organization_id != parsed.organization_id) {
    return base::PermissionDenied("The search token was issued for organization '" +
                                  parsed.organization_id + "', not '" +
                                  std::string(organization_id) + "'.");
  }
  return parsed;
}

bool LooksLikeSearchToken(std::string_view credential) {
  if (!credential.starts_with("eyJ")) return false;
  int dots = 0;
  for (char c : credential) {
    if (c == '.') {
      ++dots;
    } else if (Base64UrlValue(c) < 0) {
      return false;
    }
  }
  return dots == 2;
}

}  // namespace sluice::search
