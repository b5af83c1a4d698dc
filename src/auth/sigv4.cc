#include "auth/sigv4.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "auth/crypto.h"
#include "base/ascii.h"
#include "base/random.h"

namespace sluice::auth {
namespace {

using base::Result;
using base::Status;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

constexpr std::string_view kAlgorithmParam = "X-Amz-Algorithm";
constexpr std::string_view kCredentialParam = "X-Amz-Credential";
constexpr std::string_view kDateParam = "X-Amz-Date";
constexpr std::string_view kExpiresParam = "X-Amz-Expires";
constexpr std::string_view kSignedHeadersParam = "X-Amz-SignedHeaders";
constexpr std::string_view kSignatureParam = "X-Amz-Signature";
constexpr std::string_view kSecurityTokenParam = "X-Amz-Security-Token";

constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";
constexpr std::string_view kMissingParametersMessage =
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters";

// 9999-12-31T23:59:59Z: the last instant the four-digit year of X-Amz-Date can spell.
constexpr int64_t kLatestAmzDateEpochSeconds = 253402300799;

// ---------------------------------------------------------------- encoding

bool IsAsciiAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// RFC 3986 unreserved characters: the only ones SigV4 leaves unencoded.
bool IsUnreserved(char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// SigV4's UriEncode: every byte but the unreserved ones as %XX with upper-case
// hex. WHATWG URL serialisers leave such a string untouched, which is what
// keeps a URL byte-identical after a client re-parses it.
std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0xf]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; anything else is kept as is ('+' stays '+', as RFC 3986
// says). Returns the offset of the first malformed escape, if any.
std::optional<size_t> PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    int high = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
    int low = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
    if (high < 0 || low < 0) return i;
    out->push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- dates

// "20130524T000000Z" (ISO 8601 basic format, UTC).
std::string FormatAmzDate(int64_t epoch_seconds) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::hh_mm_ss;
  using std::chrono::seconds;
  using std::chrono::sys_days;
  using std::chrono::sys_seconds;
  using std::chrono::year_month_day;
  const sys_seconds instant{seconds{epoch_seconds}};
  const sys_days day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss time{instant - day};
  char text[32];
  std::snprintf(text, sizeof(text), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

std::optional<int> ParseDigits(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Parses "YYYYMMDDTHHMMSSZ" into epoch seconds; nullopt unless every field is
// a real calendar value (no 30 February, no hour 24).
std::optional<int64_t> ParseAmzDate(std::string_view text) {
  using std::chrono::day;
  using std::chrono::month;
  using std::chrono::sys_days;
  using std::chrono::year;
  using std::chrono::year_month_day;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto y = ParseDigits(text.substr(0, 4));
  auto mo = ParseDigits(text.substr(4, 2));
  auto d = ParseDigits(text.substr(6, 2));
  auto h = ParseDigits(text.substr(9, 2));
  auto mi = ParseDigits(text.substr(11, 2));
  auto s = ParseDigits(text.substr(13, 2));
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const int64_t day_seconds = int64_t{sys_days{date}.time_since_epoch().count()} * 86400;
  return day_seconds + int64_t{*h} * 3600 + int64_t{*mi} * 60 + *s;
}

// ---------------------------------------------------------------- canonical request

// SigV4's Trimall: no leading or trailing whitespace, inner runs become one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool space_pending = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space_pending = !out.empty();
      continue;
    }
    if (space_pending) out.push_back(' ');
    space_pending = false;
    out.push_back(c);
  }
  return out;
}

// Host names are case-insensitive and clients leave a default port out of the
// Host header (WHATWG URL drops it), so both sides sign this form.
std::string CanonicalHost(std::string_view host) {
  std::string out = base::AsciiLower(CanonicalHeaderValue(host));
  for (std::string_view default_port : {":80", ":443"}) {
    if (out.size() > default_port.size() && out.ends_with(default_port)) {
      out.resize(out.size() - default_port.size());
    }
  }
  return out;
}

using ParamList = std::vector<std::pair<std::string, std::string>>;  // decoded name, value

// Encoded "name=value" pairs sorted by encoded name, then value, joined by '&'.
std::string CanonicalQuery(const ParamList& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [name, value] : params) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Lower-case name -> canonical value; std::map keeps them in SigV4 order.
using CanonicalHeaders = std::map<std::string, std::string>;

std::string SignedHeaderNames(const CanonicalHeaders& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, const CanonicalHeaders& headers,
                             std::string_view payload_hash = kUnsignedPayload) {
  std::string out;
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  for (const auto& [name, value] : headers) out.append(name).append(":").append(value).append("\n");
  out.append("\n");
  out.append(SignedHeaderNames(headers)).append("\n");
  out.append(payload_hash);
  return out;
}

// "20130524/us-east-1/s3/aws4_request"
std::string CredentialScope(std::string_view date8, const SigV4Credentials& credentials) {
  std::string out(date8);
  out.append("/").append(credentials.region);
  out.append("/").append(credentials.service);
  out.append("/").append(kScopeTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date);
  out.append("\n").append(scope);
  out.append("\n").append(Sha256Hex(canonical_request));
  return out;
}

std::string Signature(const SigV4Credentials& credentials, std::string_view date8,
                      std::string_view string_to_sign) {
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date8);
  key = HmacSha256(key, credentials.region);
  key = HmacSha256(key, credentials.service);
  key = HmacSha256(key, kScopeTerminator);
  return base::HexEncode(HmacSha256(key, string_to_sign));
}

// ---------------------------------------------------------------- presign checks

// RFC 9110 token characters, the only ones a header name or method may use.
bool IsTokenChar(char c) {
  return IsAsciiAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Status CheckCredentials(const SigV4Credentials& credentials) {
  if (credentials.secret_access_key.empty()) {
    return base::InvalidArgument("SigV4 secret access key is empty");
  }
  const std::pair<std::string_view, const std::string*> scope_parts[] = {
      {"access key id", &credentials.access_key_id},
      {"region", &credentials.region},
      {"service", &credentials.service}};
  for (const auto& [what, value] : scope_parts) {
    // These become '/'-separated fields of X-Amz-Credential.
    if (value->empty() || value->find('/') != std::string::npos || HasControlChar(*value)) {
      return base::InvalidArgument("SigV4 " + std::string(what) + " \"" + *value +
                                   "\" must be non-empty, without '/' or control characters");
    }
  }
  return Status::Ok();
}

Status CheckPath(std::string_view path) {
  if (!path.starts_with('/')) {
    return base::InvalidArgument("presign path \"" + std::string(path) + "\" must start with '/'");
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") {
      return base::InvalidArgument("presign path \"" + std::string(path) +
                                   "\" has a '.' or '..' segment, which URL parsers would remove");
    }
    start = end + 1;
  }
  return Status::Ok();
}

Result<CanonicalHeaders> CanonicalPresignHeaders(const PresignInput& input) {
  CanonicalHeaders headers;
  for (const auto& [raw_name, value] : input.headers) {
    std::string name = base::AsciiLower(raw_name);
    if (!IsToken(name)) {
      return base::InvalidArgument("presign header name \"" + raw_name + "\" is not an HTTP token");
    }
    if (name == "host") {
      return base::InvalidArgument(
          "presign headers must not list host; it is signed from the host "
          "field (\"" +
          input.host + "\")");
    }
    if (HasControlChar(value)) {
      return base::InvalidArgument("presign header " + name +
                                   " has a control character in its value");
    }
    if (!headers.emplace(name, CanonicalHeaderValue(value)).second) {
      return base::InvalidArgument("presign header " + name + " is listed more than once");
    }
  }
  std::string host = CanonicalHost(input.host);
  if (host.empty() || HasControlChar(host) || host.find_first_of(" /?#@") != std::string::npos) {
    return base::InvalidArgument("presign host \"" + input.host +
                                 "\" must be a non-empty host[:port] as the client sends it");
  }
  headers.emplace("host", std::move(host));
  return headers;
}

// ---------------------------------------------------------------- verification

// The six authentication parameters, as found in the query string.
struct AuthParams {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature;
};

std::optional<std::string>* AuthParamSlot(AuthParams& auth, std::string_view name) {
  if (name == kAlgorithmParam) return &auth.algorithm;
  if (name == kCredentialParam) return &auth.credential;
  if (name == kDateParam) return &auth.date;
  if (name == kExpiresParam) return &auth.expires;
  if (name == kSignedHeadersParam) return &auth.signed_headers;
  if (name == kSignatureParam) return &auth.signature;
  return nullptr;
}

// Everything VerifyPresigned learns from the request-target.
struct ParsedTarget {
  std::string path;         // decoded
  ParamList signed_params;  // decoded; all parameters but X-Amz-Signature
  AuthParams auth;
};

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

class Verifier {
 public:
  Verifier(const SigV4Credentials& credentials, const VerifyInput& input, VerifyDetail& detail)
      : credentials_(credentials), input_(input), detail_(detail) {}

  Status Run() {
    ParsedTarget target;
    SLUICE_RETURN_IF_ERROR(ParseTarget(&target));
    const AuthParams& auth = target.auth;
    if (!auth.algorithm || !auth.credential || !auth.date || !auth.expires ||
        !auth.signed_headers || !auth.signature) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    std::string(kMissingParametersMessage) + "; missing: " + MissingParams(auth));
    }
    if (*auth.algorithm != kAlgorithm) {
      return Reject(
          S3ErrorCode::kAuthorizationQueryParametersError,
          "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"; got \"" + *auth.algorithm + "\"");
    }
    std::optional<int64_t> signed_at = ParseAmzDate(*auth.date);
    if (!signed_at) {
      return Reject(
          S3ErrorCode::kAuthorizationQueryParametersError,
          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"; got \"" +
              *auth.date + "\"");
    }
    SLUICE_RETURN_IF_ERROR(CheckCredential(*auth.credential, auth.date->substr(0, 8)));
    SLUICE_ASSIGN_OR_RETURN(int64_t expires, ParseExpires(*auth.expires));
    detail_.expires_at_epoch_seconds = *signed_at + expires;
    if (input_.now_epoch_seconds < *signed_at - kMaxClockSkewSeconds) {
      return Reject(S3ErrorCode::kAccessDenied, "Request is not valid yet");
    }
    if (input_.now_epoch_seconds > detail_.expires_at_epoch_seconds) {
      return Reject(S3ErrorCode::kAccessDenied, "Request has expired");
    }
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string_view> signed_names,
                            ParseSignedHeaders(*auth.signed_headers));
    SLUICE_ASSIGN_OR_RETURN(CanonicalHeaders headers,
                            SignedRequestHeaders(signed_names, *auth.signature));

    const std::string canonical_request = CanonicalRequest(
        input_.method, UriEncode(target.path, true), CanonicalQuery(target.signed_params), headers);
    const std::string string_to_sign = StringToSign(
        *auth.date, CredentialScope(auth.date->substr(0, 8), credentials_), canonical_request);
    const std::string expected = Signature(credentials_, auth.date->substr(0, 8), string_to_sign);
    if (!ConstantTimeEquals(expected, *auth.signature)) {
      detail_.string_to_sign = string_to_sign;
      detail_.signature_provided = *auth.signature;
      return Reject(S3ErrorCode::kSignatureDoesNotMatch, std::string(kSignatureMismatchMessage));
    }
    detail_.path = std::move(target.path);
    return Status::Ok();
  }

 private:
  Status Reject(S3ErrorCode code, std::string message) {
    detail_.error = code;
    return base::PermissionDenied(std::move(message));
  }

  Status RejectMalformedEscape(size_t offset) {
    return Reject(S3ErrorCode::kInvalidUri,
                  "Couldn't parse the specified URI: malformed percent-encoding at offset " +
                      std::to_string(offset) + " of the request-target");
  }

  Status ParseTarget(ParsedTarget* out) {
    const std::string_view target = input_.target;
    const size_t question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    if (!raw_path.starts_with('/')) {
      return Reject(S3ErrorCode::kInvalidUri,
                    "Couldn't parse the specified URI: the request-target must start with '/'");
    }
    if (auto bad = PercentDecode(raw_path, &out->path)) return RejectMalformedEscape(*bad);
    if (question == std::string_view::npos) return Status::Ok();

    size_t offset = question + 1;
    for (std::string_view pair : Split(target.substr(offset), '&')) {
      const size_t pair_offset = offset;
      offset += pair.size() + 1;
      if (pair.empty()) continue;
      const size_t equals = std::min(pair.find('='), pair.size());
      std::string name, value;
      if (auto bad = PercentDecode(pair.substr(0, equals), &name)) {
        return RejectMalformedEscape(pair_offset + *bad);
      }
      if (equals < pair.size()) {
        if (auto bad = PercentDecode(pair.substr(equals + 1), &value)) {
          return RejectMalformedEscape(pair_offset + equals + 1 + *bad);
        }
      }
      if (std::optional<std::string>* slot = AuthParamSlot(out->auth, name)) {
        if (slot->has_value()) {
          return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                        name + " appears more than once in the query string");
        }
        *slot = value;
      }
      if (name != kSignatureParam)
        out->signed_params.emplace_back(std::move(name), std::move(value));
    }
    return Status::Ok();
  }

  static std::string MissingParams(const AuthParams& auth) {
    std::string missing;
    const std::pair<std::string_view, const std::optional<std::string>*> all[] = {
        {kAlgorithmParam, &auth.algorithm},          {kCredentialParam, &auth.credential},
        {kSignatureParam, &auth.signature},          {kDateParam, &auth.date},
        {kSignedHeadersParam, &auth.signed_headers}, {kExpiresParam, &auth.expires}};
    for (const auto& [name, value] : all) {
      if (value->has_value()) continue;
      if (!missing.empty()) missing += ", ";
      missing += name;
    }
    return missing;
  }

  // "<AKID>/<yyyymmdd>/<region>/<service>/aws4_request", checked against our scope.
  Status CheckCredential(std::string_view credential, std::string_view date8) {
    const std::string prefix = "Error parsing the X-Amz-Credential parameter; ";
    std::vector<std::string_view> parts = Split(credential, '/');
    if (parts.size() != 5) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    prefix +
                        "the Credential is mal-formed; expecting "
                        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"; got \"" +
                        std::string(credential) + "\"");
    }
    if (parts[0].empty()) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    prefix + "a non-empty Access Key (AKID) must be provided in the credential.");
    }
    if (parts[1] != date8) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "Invalid credential date \"" + std::string(parts[1]) +
                        "\". This date is not the same as X-Amz-Date: \"" + std::string(date8) +
                        "\".");
    }
    if (parts[2] != credentials_.region) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    prefix + "the region '" + std::string(parts[2]) + "' is wrong; expecting '" +
                        credentials_.region + "'");
    }
    if (parts[3] != credentials_.service) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    prefix + "incorrect service \"" + std::string(parts[3]) +
                        "\". This endpoint belongs to \"" + credentials_.service + "\".");
    }
    if (parts[4] != kScopeTerminator) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    prefix + "incorrect terminal \"" + std::string(parts[4]) +
                        "\". This endpoint uses \"aws4_request\".");
    }
    if (parts[0] != credentials_.access_key_id) {
      return Reject(S3ErrorCode::kInvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records.");
    }
    return Status::Ok();
  }

  Result<int64_t> ParseExpires(std::string_view text) {
    if (text.starts_with('-') && text.size() > 1) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-Expires must be non-negative; got \"" + std::string(text) + "\"");
    }
    int64_t seconds = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    const bool all_digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!all_digits) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-Expires should be a number; got \"" + std::string(text) + "\"");
    }
    if (error != std::errc() || end != text.data() + text.size() || seconds < 1 ||
        seconds > kMaxPresignExpiresSeconds) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-Expires must be between 1 and 604800 seconds (a week); got \"" +
                        std::string(text) + "\"");
    }
    return seconds;
  }

  // Lower-case, sorted, unique names that include host: the canonical form,
  // which is the only one a conforming signer produces.
  Result<std::vector<std::string_view>> ParseSignedHeaders(std::string_view text) {
    std::vector<std::string_view> names = Split(text, ';');
    bool canonical = true;
    for (size_t i = 0; i < names.size(); ++i) {
      if (!IsToken(names[i]) || base::AsciiLower(names[i]) != names[i]) canonical = false;
      if (i > 0 && !(names[i - 1] < names[i])) canonical = false;
    }
    if (!canonical) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-SignedHeaders must be lower-case header names, sorted and separated by "
                    "';'; got \"" +
                        std::string(text) + "\"");
    }
    if (!std::binary_search(names.begin(), names.end(), std::string_view("host"))) {
      return Reject(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-SignedHeaders must include host; got \"" + std::string(text) + "\"");
    }
    return names;
  }

  // The canonical values of the signed headers as received. S3 refuses any
  // x-amz-* header that was sent but not signed; a signed header that was not
  // sent cannot match the signature.
  Result<CanonicalHeaders> SignedRequestHeaders(const std::vector<std::string_view>& signed_names,
                                                std::string_view signature_provided) {
    CanonicalHeaders received;
    for (const auto& [raw_name, value] : input_.headers) {
      std::string name = base::AsciiLower(raw_name);
      if (name == "host") continue;  // taken from input_.host
      auto [it, inserted] = received.emplace(name, CanonicalHeaderValue(value));
      // Repeated headers are signed as one, values joined by ',' (SigV4 rule).
      if (!inserted) it->second += "," + CanonicalHeaderValue(value);
    }
    received.emplace("host", CanonicalHost(input_.host));

    std::vector<std::string> not_signed;
    for (const auto& [name, value] : received) {
      if (name.starts_with("x-amz-") &&
          !std::binary_search(signed_names.begin(), signed_names.end(), name)) {
        not_signed.push_back(name);
      }
    }
    if (!not_signed.empty()) {
      detail_.headers_not_signed = std::move(not_signed);
      return Reject(S3ErrorCode::kAccessDenied,
                    "There were headers present in the request which were not signed");
    }

    CanonicalHeaders signed_headers;
    for (std::string_view name : signed_names) {
      auto it = received.find(std::string(name));
      if (it == received.end() || (name == "host" && it->second.empty())) {
        detail_.signature_provided = signature_provided;
        return Reject(S3ErrorCode::kSignatureDoesNotMatch, std::string(kSignatureMismatchMessage));
      }
      signed_headers.emplace(it->first, it->second);
    }
    return signed_headers;
  }

  const SigV4Credentials& credentials_;
  const VerifyInput& input_;
  VerifyDetail& detail_;
};

}  // namespace

std::string_view S3ErrorCodeName(S3ErrorCode code) {
  switch (code) {
    case S3ErrorCode::kNone:
      return "";
    case S3ErrorCode::kAccessDenied:
      return "AccessDenied";
    case S3ErrorCode::kSignatureDoesNotMatch:
      return "SignatureDoesNotMatch";
    case S3ErrorCode::kAuthorizationQueryParametersError:
      return "AuthorizationQueryParametersError";
    case S3ErrorCode::kInvalidAccessKeyId:
      return "InvalidAccessKeyId";
    case S3ErrorCode::kInvalidUri:
      return "InvalidURI";
  }
  return "";
}

SigV4Credentials UploadCredentialsFromSecret(std::string_view secret) {
  SigV4Credentials credentials;
  std::string id = Sha256Hex(secret).substr(0, 14);
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  credentials.access_key_id = "SLUICE" + id;
  credentials.secret_access_key = std::string(secret);
  return credentials;
}

Result<std::string> PresignTarget(const SigV4Credentials& credentials, const PresignInput& input) {
  SLUICE_RETURN_IF_ERROR(CheckCredentials(credentials));
  if (!IsToken(input.method)) {
    return base::InvalidArgument("presign method \"" + input.method + "\" is not an HTTP token");
  }
  SLUICE_RETURN_IF_ERROR(CheckPath(input.path));
  if (input.expires_seconds < 1 || input.expires_seconds > kMaxPresignExpiresSeconds) {
    return base::InvalidArgument("presign expiry " + std::to_string(input.expires_seconds) +
                                 " s is outside 1.." + std::to_string(kMaxPresignExpiresSeconds));
  }
  if (input.now_epoch_seconds < 0 || input.now_epoch_seconds > kLatestAmzDateEpochSeconds) {
    return base::InvalidArgument("presign time " + std::to_string(input.now_epoch_seconds) +
                                 " s since the epoch cannot be written as X-Amz-Date");
  }
  SLUICE_ASSIGN_OR_RETURN(CanonicalHeaders headers, CanonicalPresignHeaders(input));

  const std::string amz_date = FormatAmzDate(input.now_epoch_seconds);
  const std::string date8 = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(date8, credentials);
  ParamList params = {
      {std::string(kAlgorithmParam), std::string(kAlgorithm)},
      {std::string(kCredentialParam), credentials.access_key_id + "/" + scope},
      {std::string(kDateParam), amz_date},
      {std::string(kExpiresParam), std::to_string(input.expires_seconds)},
      {std::string(kSignedHeadersParam), SignedHeaderNames(headers)},
  };
  if (!credentials.session_token.empty()) {
    params.emplace_back(std::string(kSecurityTokenParam), credentials.session_token);
  }
  const std::string canonical_uri = UriEncode(input.path, true);
  const std::string canonical_query = CanonicalQuery(params);
  const std::string string_to_sign = StringToSign(
      amz_date, scope, CanonicalRequest(input.method, canonical_uri, canonical_query, headers));
  return canonical_uri + "?" + canonical_query + "&" + std::string(kSignatureParam) + "=" +
         Signature(credentials, date8, string_to_sign);
}

Result<SignedHeaders> SignRequest(const SigV4Credentials& credentials, const SignInput& input) {
  SLUICE_RETURN_IF_ERROR(CheckCredentials(credentials));
  if (!IsToken(input.method)) {
    return base::InvalidArgument("method \"" + input.method + "\" is not an HTTP token");
  }
  SLUICE_RETURN_IF_ERROR(CheckPath(input.path));
  if (input.now_epoch_seconds < 0 || input.now_epoch_seconds > kLatestAmzDateEpochSeconds) {
    return base::InvalidArgument("signing time " + std::to_string(input.now_epoch_seconds) +
                                 " s since the epoch cannot be written as X-Amz-Date");
  }
  const std::string amz_date = FormatAmzDate(input.now_epoch_seconds);
  PresignInput as_presign;
  as_presign.host = input.host;
  as_presign.headers = input.headers;
  as_presign.headers.emplace_back("x-amz-date", amz_date);
  as_presign.headers.emplace_back("x-amz-content-sha256", input.payload_sha256_hex);
  if (!credentials.session_token.empty()) {
    as_presign.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  SLUICE_ASSIGN_OR_RETURN(CanonicalHeaders headers, CanonicalPresignHeaders(as_presign));

  const std::string date8 = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(date8, credentials);
  const std::string canonical_uri = UriEncode(input.path, true);
  const std::string canonical_query = CanonicalQuery(input.query);
  const std::string string_to_sign =
      StringToSign(amz_date, scope,
                   CanonicalRequest(input.method, canonical_uri, canonical_query, headers,
                                    input.payload_sha256_hex));
  SignedHeaders out;
  out.target = canonical_query.empty() ? canonical_uri : canonical_uri + "?" + canonical_query;
  // The headers to send: the caller's, then the ones signing added (same order as above).
  out.headers.assign(as_presign.headers.begin(), as_presign.headers.end());
  out.headers.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                           scope + ", SignedHeaders=" + SignedHeaderNames(headers) +
                           ", Signature=" + Signature(credentials, date8, string_to_sign));
  return out;
}

Status VerifyPresigned(const SigV4Credentials& credentials, const VerifyInput& input,
                       VerifyDetail* detail) {
  VerifyDetail local_detail;
  VerifyDetail& out = detail != nullptr ? *detail : local_detail;
  out = VerifyDetail{};
  return Verifier(credentials, input, out).Run();
}

}  // namespace sluice::auth
