// AWS Signature Version 4 query-string authentication ("pre-signed URLs") for
// the S3-style upload URLs Sluice serves itself: clients PUT the bytes of a file
// container to a URL that PresignTarget made, and the blob endpoint checks it
// with VerifyPresigned before reading any body byte. Payloads are never signed
// (UNSIGNED-PAYLOAD), as for every S3 pre-signed PUT.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::auth {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
  std::string service = "s3";
  // Temporary credentials (AWS_SESSION_TOKEN): sent as X-Amz-Security-Token, and signed.
  std::string session_token = "";
};

// The credentials that sign the upload URIs of a server whose secret is `secret` (the
// secret_access_key). Upload URIs are handed to every client, and the access key id is
// in them (X-Amz-Credential), so it is derived from SHA-256 of the secret and reveals none
// of it: "SLUICE" and 14 upper-case hex digits, 20 characters like an AWS access key id.
SigV4Credentials UploadCredentialsFromSecret(std::string_view secret);

// Header (name, value) pairs, in the order and case they were given or received.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The longest validity S3 accepts for a pre-signed URL: 7 days.
inline constexpr int64_t kMaxPresignExpiresSeconds = 604800;
// How long before its X-Amz-Date a pre-signed URL is already accepted (clock skew).
inline constexpr int64_t kMaxClockSkewSeconds = int64_t{15} * 60;

struct PresignInput {
  std::string method;  // "PUT"
  // The Host header the client will send, e.g. "127.0.0.1:8080". Compared
  // case-insensitively; a default port (":80", ":443") is ignored, because
  // clients drop it from the Host header.
  std::string host;
  // Absolute path with unencoded segments ("/blobstore/local/<uuid>"). It is
  // percent-encoded here; "." and ".." segments are refused because URL parsers
  // would remove them and the signature would no longer match.
  std::string path;
  // Headers the client must send with exactly these values, e.g.
  // {"x-amz-server-side-encryption", "AES256"}. `host` is always signed and
  // must not be listed.
  HeaderList headers;
  int64_t expires_seconds = 3600;  // 1..kMaxPresignExpiresSeconds
  int64_t now_epoch_seconds = 0;
};

// Returns the encoded path + "?" + the query (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature), ready to
// append to "http://<host>". It is percent-encoded canonically, so a WHATWG URL
// parser (browsers, Node's `new URL`) re-serialises it unchanged.
// InvalidArgument when an input field is unusable (the message names it).
base::Result<std::string> PresignTarget(const SigV4Credentials& credentials,
                                        const PresignInput& input);

// A request to S3 authenticated by its Authorization header (SigV4 header auth), as the
// workers send to read, write and delete objects.
struct SignInput {
  std::string method;  // "GET", "PUT", "HEAD", "DELETE"
  std::string host;    // the Host header libcurl will send: host, plus ":port" when not default
  std::string path;    // absolute, unencoded segments; encoded here as S3 expects
  std::vector<std::pair<std::string, std::string>> query;  // decoded name, value
  HeaderList headers;  // extra headers to sign and send (not host)
  // Lower-case hex SHA-256 of the body; the empty body's hash for GET, HEAD and DELETE.
  std::string payload_sha256_hex =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  int64_t now_epoch_seconds = 0;
};

struct SignedHeaders {
  // The request-target that was signed, percent-encoded as S3 expects: send exactly this.
  std::string target;
  // The caller's headers followed by x-amz-date, x-amz-content-sha256,
  // x-amz-security-token (with temporary credentials) and Authorization: send all of them.
  HeaderList headers;
};

// Signs `input` with `credentials`; InvalidArgument when an input field is unusable.
base::Result<SignedHeaders> SignRequest(const SigV4Credentials& credentials,
                                        const SignInput& input);

struct VerifyInput {
  std::string method;
  std::string host;    // the Host header as received
  std::string target;  // the raw request-target as received: "/path?query", percent-encoded
  HeaderList headers;  // every request header as received, names in any case
  int64_t now_epoch_seconds = 0;
};

// Why a request was refused, named as S3 names it in its XML error body.
enum class S3ErrorCode {
  kNone,
  kAccessDenied,                       // expired, not yet valid, unsigned x-amz-* header
  kSignatureDoesNotMatch,              // anything signed differs, or the key is wrong
  kAuthorizationQueryParametersError,  // an X-Amz-* parameter is missing or malformed
  kInvalidAccessKeyId,                 // X-Amz-Credential names another access key
  kInvalidUri,                         // the request-target is not valid percent-encoding
};

// "AccessDenied", "SignatureDoesNotMatch", ...; "" for kNone.
std::string_view S3ErrorCodeName(S3ErrorCode code);

// What VerifyPresigned found, for the S3-style error body and for the caller.
struct VerifyDetail {
  S3ErrorCode error = S3ErrorCode::kNone;
  // The decoded path the signature covers; set on success. Route on this, not
  // on a separately decoded copy of the target.
  std::string path;
  // X-Amz-Date + X-Amz-Expires, once both parsed (S3's <Expires>).
  int64_t expires_at_epoch_seconds = 0;
  // Set on kSignatureDoesNotMatch (S3's <StringToSign>, <SignatureProvided>).
  std::string string_to_sign;
  std::string signature_provided;
  // Lower-case names of the x-amz-* headers that were sent but not signed.
  std::vector<std::string> headers_not_signed;
};

// OK when `input` carries a valid, unexpired pre-signature made with
// `credentials` and every signed header is present with its signed value.
// Otherwise PermissionDenied whose message is the S3 reason, for example
// "Request has expired" or "The request signature we calculated does not match
// the signature you provided. Check your key and signing method."; `detail`
// (optional) receives the S3 error code and the values an error body shows.
// Signatures are compared in constant time.
base::Status VerifyPresigned(const SigV4Credentials& credentials, const VerifyInput& input,
                             VerifyDetail* detail = nullptr);

}  // namespace sluice::auth
