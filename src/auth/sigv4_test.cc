#include "auth/sigv4.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::auth {
namespace {

using base::StatusCode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---------------------------------------------------------------- AWS documentation vector

// "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example.
SigV4Credentials AwsExampleCredentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}
constexpr int64_t kAwsExampleTime = 1369353600;  // 2013-05-24T00:00:00Z
constexpr char kAwsExampleTarget[] =
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

TEST(SigV4AwsVectorTest, PresignReproducesTheDocumentedUrl) {
  const PresignInput input{.method = "GET",
                           .host = "examplebucket.s3.amazonaws.com",
                           .path = "/test.txt",
                           .headers = {},
                           .expires_seconds = 86400,
                           .now_epoch_seconds = kAwsExampleTime};
  base::Result<std::string> target = PresignTarget(AwsExampleCredentials(), input);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(*target, kAwsExampleTarget);
}

TEST(SigV4AwsVectorTest, VerifyAcceptsTheDocumentedUrlUntilItExpires) {
  VerifyInput request{.method = "GET",
                      .host = "examplebucket.s3.amazonaws.com",
                      .target = kAwsExampleTarget,
                      .headers = {{"Host", "examplebucket.s3.amazonaws.com"}},
                      .now_epoch_seconds = kAwsExampleTime};
  VerifyDetail detail;
  EXPECT_TRUE(VerifyPresigned(AwsExampleCredentials(), request, &detail).ok());
  EXPECT_EQ(detail.path, "/test.txt");
  EXPECT_EQ(detail.expires_at_epoch_seconds, kAwsExampleTime + 86400);

  request.now_epoch_seconds = kAwsExampleTime + 86400;
  EXPECT_TRUE(VerifyPresigned(AwsExampleCredentials(), request).ok());

  request.now_epoch_seconds = kAwsExampleTime + 86401;
  base::Status expired = VerifyPresigned(AwsExampleCredentials(), request, &detail);
  EXPECT_EQ(expired.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(expired.message(), "Request has expired");
  EXPECT_EQ(detail.error, S3ErrorCode::kAccessDenied);
}

TEST(SigV4AwsVectorTest, VerifyDecodesLowerCaseHexEscapes) {
  std::string target = kAwsExampleTarget;
  for (size_t at = target.find("%2F"); at != std::string::npos; at = target.find("%2F")) {
    target.replace(at, 3, "%2f");
  }
  const VerifyInput request{.method = "GET",
                            .host = "examplebucket.s3.amazonaws.com",
                            .target = target,
                            .headers = {},
                            .now_epoch_seconds = kAwsExampleTime};
  EXPECT_TRUE(VerifyPresigned(AwsExampleCredentials(), request).ok());
}

// ---------------------------------------------------------------- header authentication

// "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)", the
// GET Object and List Objects examples.
std::string HeaderValue(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "(absent)";
}

TEST(SigV4AwsVectorTest, SignRequestReproducesTheDocumentedGetObject) {
  SignInput input;
  input.method = "GET";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/test.txt";
  input.headers = {{"Range", "bytes=0-9"}};
  input.now_epoch_seconds = kAwsExampleTime;
  auto signed_request = SignRequest(AwsExampleCredentials(), input);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(HeaderValue(signed_request->headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(HeaderValue(signed_request->headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(signed_request->target, "/test.txt");
  EXPECT_EQ(HeaderValue(signed_request->headers, "Range"), "bytes=0-9");
}

TEST(SigV4AwsVectorTest, SignRequestReproducesTheDocumentedListObjects) {
  SignInput input;
  input.method = "GET";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/";
  input.query = {{"max-keys", "2"}, {"prefix", "J"}};
  input.now_epoch_seconds = kAwsExampleTime;
  auto signed_request = SignRequest(AwsExampleCredentials(), input);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_THAT(HeaderValue(signed_request->headers, "Authorization"),
              ::testing::EndsWith(
                  "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
  EXPECT_EQ(signed_request->target, "/?max-keys=2&prefix=J");
}

TEST(SigV4AwsVectorTest, SignRequestReproducesTheDocumentedPutObject) {
  SignInput input;
  input.method = "PUT";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/test$file.text";
  input.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                   {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  input.payload_sha256_hex = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  input.now_epoch_seconds = kAwsExampleTime;
  auto signed_request = SignRequest(AwsExampleCredentials(), input);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_THAT(
      HeaderValue(signed_request->headers, "Authorization"),
      ::testing::EndsWith("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
                          "x-amz-storage-class, Signature="
                          "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(SigV4SignTest, SignsAndSendsTheSessionToken) {
  SigV4Credentials credentials = AwsExampleCredentials();
  SignInput input;
  input.method = "DELETE";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "/test.txt";
  input.now_epoch_seconds = kAwsExampleTime;
  auto without = SignRequest(credentials, input);
  credentials.session_token = "FQoGZXIvYXdzEXAMPLE";
  auto with = SignRequest(credentials, input);
  ASSERT_TRUE(without.ok() && with.ok());
  EXPECT_EQ(HeaderValue(with->headers, "x-amz-security-token"), "FQoGZXIvYXdzEXAMPLE");
  EXPECT_THAT(HeaderValue(with->headers, "Authorization"),
              HasSubstr("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"));
  EXPECT_NE(HeaderValue(with->headers, "Authorization"),
            HeaderValue(without->headers, "Authorization"));
}

TEST(SigV4SignTest, RefusesUnusableInput) {
  SignInput input;
  input.method = "GET";
  input.host = "examplebucket.s3.amazonaws.com";
  input.path = "relative";
  EXPECT_EQ(SignRequest(AwsExampleCredentials(), input).status().code(),
            StatusCode::kInvalidArgument);
  input.path = "/x";
  input.method = "G ET";
  EXPECT_EQ(SignRequest(AwsExampleCredentials(), input).status().code(),
            StatusCode::kInvalidArgument);
  input.method = "GET";
  EXPECT_EQ(SignRequest(SigV4Credentials{}, input).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------- file-container uploads

SigV4Credentials TestCredentials() {
  return {"AKIDSLUICETEST", "c2x1aWNlLXRlc3Qtc2VjcmV0", "us-east-1", "s3"};
}
constexpr int64_t kSignedAt = 1773500966;  // 2026-03-14T15:09:26Z
constexpr char kUploadPath[] = "/blobstore/local/7c9e6679-7425-40de-944b-e07fc1f90ae7";

// Made by botocore 1.43 (S3SigV4QueryAuth, clock frozen at kSignedAt) for a PUT
// to http://127.0.0.1:8080<kUploadPath> with the two file-container headers:
// an independent signer for the same inputs as UploadPresign().
constexpr char kBotocoreUploadTarget[] =
    "/blobstore/local/7c9e6679-7425-40de-944b-e07fc1f90ae7?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDSLUICETEST%2F20260314%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20260314T150926Z&X-Amz-Expires=3600"
    "&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-server-side-encryption"
    "&X-Amz-Signature=d0762c34432ff79715c44a067ad804a068da798800f44b56dd345956a6ff5ce9";

PresignInput UploadPresign() {
  return {.method = "PUT",
          .host = "127.0.0.1:8080",
          .path = kUploadPath,
          .headers = {{"x-amz-server-side-encryption", "AES256"},
                      {"Content-Type", "application/octet-stream"}},
          .expires_seconds = 3600,
          .now_epoch_seconds = kSignedAt};
}

std::string UploadTarget() {
  base::Result<std::string> target = PresignTarget(TestCredentials(), UploadPresign());
  EXPECT_TRUE(target.ok()) << target.status().ToString();
  return target.ok() ? *target : std::string();
}

// The PUT a well-behaved client sends one minute after the URL was made.
VerifyInput UploadRequest(std::string target = UploadTarget()) {
  return {.method = "PUT",
          .host = "127.0.0.1:8080",
          .target = std::move(target),
          .headers = {{"Host", "127.0.0.1:8080"},
                      {"Content-Type", "application/octet-stream"},
                      {"x-amz-server-side-encryption", "AES256"},
                      {"Content-Length", "5"},
                      {"User-Agent", "axios/1.7"}},
          .now_epoch_seconds = kSignedAt + 60};
}

// Replaces the raw (still encoded) value of query parameter `name`.
std::string WithParam(std::string target, std::string_view name, std::string_view raw_value) {
  const size_t name_at = target.find(std::string(name) + "=");
  EXPECT_NE(name_at, std::string::npos) << name;
  if (name_at == std::string::npos) return target;
  const size_t value_at = name_at + name.size() + 1;
  const size_t value_end = std::min(target.find('&', value_at), target.size());
  return target.replace(value_at, value_end - value_at, raw_value);
}

std::string WithoutParam(std::string target, std::string_view name) {
  const size_t name_at = target.find(std::string(name) + "=");
  EXPECT_NE(name_at, std::string::npos) << name;
  if (name_at == std::string::npos) return target;
  const size_t value_end = target.find('&', name_at);
  if (value_end != std::string::npos) return target.erase(name_at, value_end + 1 - name_at);
  return target.erase(name_at - 1);  // the last parameter, with the '&' before it
}

std::string ParamValue(const std::string& target, std::string_view name) {
  const size_t value_at = target.find(std::string(name) + "=") + name.size() + 1;
  return target.substr(value_at, target.find('&', value_at) - value_at);
}

void SetHeader(VerifyInput& request, std::string_view name, std::string value) {
  for (auto& [header, header_value] : request.headers) {
    if (header == name) header_value = std::move(value);
  }
}

void RemoveHeader(VerifyInput& request, std::string_view name) {
  std::erase_if(request.headers, [&](const auto& header) { return header.first == name; });
}

// Verifies and expects a refusal with the given S3 code and message fragment.
VerifyDetail ExpectRefused(const VerifyInput& request, S3ErrorCode code,
                           std::string_view message_fragment) {
  VerifyDetail detail;
  base::Status status = VerifyPresigned(TestCredentials(), request, &detail);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr(std::string(message_fragment)));
  EXPECT_EQ(S3ErrorCodeName(detail.error), S3ErrorCodeName(code)) << status.message();
  EXPECT_TRUE(detail.path.empty()) << "path is only reported for a verified request";
  return detail;
}

constexpr char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";

TEST(SigV4PresignTest, MatchesBotocoreForTheUploadUrl) {
  EXPECT_EQ(UploadTarget(), kBotocoreUploadTarget);
}

TEST(SigV4PresignTest, MatchesBotocoreForAPathThatNeedsEncoding) {
  // botocore 1.43, same clock, PUT http://127.0.0.1:8080/a%20b/%C3%A9t%C3%A9~x, eu-west-3, 60 s.
  SigV4Credentials paris = TestCredentials();
  paris.region = "eu-west-3";
  const PresignInput input{.method = "PUT",
                           .host = "127.0.0.1:8080",
                           .path = "/a b/\xC3\xA9t\xC3\xA9~x",
                           .headers = {},
                           .expires_seconds = 60,
                           .now_epoch_seconds = kSignedAt};
  base::Result<std::string> target = PresignTarget(paris, input);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(*target,
            "/a%20b/%C3%A9t%C3%A9~x?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIDSLUICETEST%2F20260314%2Feu-west-3%2Fs3%2Faws4_request"
            "&X-Amz-Date=20260314T150926Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=6f5932fb18dfd380f47567041be9dfe51ec6b4f891285780373a108cd6b93dc7");
}

TEST(SigV4PresignTest, EncodesEveryReservedByteWithUpperCaseHex) {
  PresignInput input = UploadPresign();
  input.path = "/dir/a b+c%d&e=f?g#h;i:j@k!l'm(n)o*p,q$r[s]t\"u<v>w\\x^y`z{|}/\xC3\xBC~._-";
  base::Result<std::string> target = PresignTarget(TestCredentials(), input);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_THAT(
      *target,
      StartsWith("/dir/a%20b%2Bc%25d%26e%3Df%3Fg%23h%3Bi%3Aj%40k%21l%27m%28n%29o%2Ap%2Cq%24r"
                 "%5Bs%5Dt%22u%3Cv%3Ew%5Cx%5Ey%60z%7B%7C%7D/%C3%BC~._-?"));
  // Only unreserved characters, the URL delimiters and %XX escapes: the form a
  // WHATWG URL serialiser leaves unchanged.
  const std::string& t = *target;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '%') {
      ASSERT_LT(i + 2, t.size());
      EXPECT_NE(std::string_view("0123456789ABCDEF").find(t[i + 1]), std::string_view::npos) << t;
      EXPECT_NE(std::string_view("0123456789ABCDEF").find(t[i + 2]), std::string_view::npos) << t;
      continue;
    }
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) ||
                std::string_view("-_.~/?&=").find(c) != std::string_view::npos)
        << "unexpected '" << c << "' at " << i << " in " << t;
  }
  VerifyDetail detail;
  base::Status status = VerifyPresigned(TestCredentials(), UploadRequest(t), &detail);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(detail.path, input.path);
}

TEST(SigV4PresignTest, RefusesUnusableInput) {
  auto refused = [](PresignInput input, std::string_view fragment,
                    const SigV4Credentials& credentials = TestCredentials()) {
    base::Result<std::string> target = PresignTarget(credentials, input);
    ASSERT_FALSE(target.ok()) << *target;
    EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(target.status().message(), HasSubstr(std::string(fragment)));
  };
  PresignInput input = UploadPresign();
  input.expires_seconds = 0;
  refused(input, "expiry 0 s is outside 1..604800");
  input.expires_seconds = 604801;
  refused(input, "expiry 604801 s");
  input = UploadPresign();
  input.path = "blobstore/x";
  refused(input, "must start with '/'");
  for (const char* dotted : {"/a/../b", "/./b", "/a/..", "/a/."}) {
    input.path = dotted;
    refused(input, "'.' or '..' segment");
  }
  input = UploadPresign();
  input.host = "";
  refused(input, "presign host");
  input.host = "evil.example/path";
  refused(input, "presign host");
  input = UploadPresign();
  input.headers.emplace_back("Host", "127.0.0.1:8080");
  refused(input, "must not list host");
  input = UploadPresign();
  input.headers.emplace_back("X-Amz-Server-Side-Encryption", "aws:kms");
  refused(input, "x-amz-server-side-encryption is listed more than once");
  input = UploadPresign();
  input.headers.emplace_back("bad name", "v");
  refused(input, "\"bad name\" is not an HTTP token");
  input = UploadPresign();
  input.headers.emplace_back("x-amz-meta-a", "line\r\nInjected: yes");
  refused(input, "control character");
  input = UploadPresign();
  input.method = "";
  refused(input, "method");
  input = UploadPresign();
  input.now_epoch_seconds = -1;
  refused(input, "cannot be written as X-Amz-Date");
  SigV4Credentials slashed = TestCredentials();
  slashed.region = "us/east";
  refused(UploadPresign(), "region \"us/east\"", slashed);
  SigV4Credentials no_secret = TestCredentials();
  no_secret.secret_access_key.clear();
  refused(UploadPresign(), "secret access key is empty", no_secret);
}

TEST(SigV4PresignTest, AcceptsTheWholeExpiryRange) {
  for (int64_t expires : {int64_t{1}, kMaxPresignExpiresSeconds}) {
    PresignInput input = UploadPresign();
    input.expires_seconds = expires;
    base::Result<std::string> target = PresignTarget(TestCredentials(), input);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    EXPECT_EQ(ParamValue(*target, "X-Amz-Expires"), std::to_string(expires));
    VerifyInput request = UploadRequest(*target);
    request.now_epoch_seconds = kSignedAt + expires;
    EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok()) << expires;
  }
}

TEST(SigV4VerifyTest, AcceptsTheUploadItSigned) {
  VerifyDetail detail;
  base::Status status = VerifyPresigned(TestCredentials(), UploadRequest(), &detail);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(detail.error, S3ErrorCode::kNone);
  EXPECT_EQ(detail.path, kUploadPath);
  EXPECT_EQ(detail.expires_at_epoch_seconds, kSignedAt + 3600);
}

TEST(SigV4VerifyTest, AcceptsHeaderNamesInAnyCase) {
  VerifyInput request = UploadRequest();
  request.headers = {{"HOST", "127.0.0.1:8080"},
                     {"CONTENT-TYPE", "application/octet-stream"},
                     {"X-Amz-Server-Side-Encryption", "AES256"}};
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
}

TEST(SigV4VerifyTest, CanonicalisesWhitespaceInHeaderValues) {
  VerifyInput request = UploadRequest();
  SetHeader(request, "x-amz-server-side-encryption", " AES256 ");
  SetHeader(request, "Content-Type", "\tapplication/octet-stream  ");
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());

  PresignInput input = UploadPresign();
  input.headers.emplace_back("x-amz-meta-note", "two   words");
  base::Result<std::string> target = PresignTarget(TestCredentials(), input);
  ASSERT_TRUE(target.ok());
  request = UploadRequest(*target);
  request.headers.emplace_back("X-Amz-Meta-Note", "two words");
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
  SetHeader(request, "X-Amz-Meta-Note", "twowords");
  ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
}

TEST(SigV4VerifyTest, HostComparisonIgnoresCaseAndDefaultPort) {
  PresignInput input = UploadPresign();
  input.host = "Uploads.Example.com:443";
  base::Result<std::string> target = PresignTarget(TestCredentials(), input);
  ASSERT_TRUE(target.ok());
  VerifyInput request = UploadRequest(*target);
  request.host = "uploads.example.com";
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
  request.host = "UPLOADS.EXAMPLE.COM:80";
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
  request.host = "uploads.example.com:8443";
  ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
}

TEST(SigV4VerifyTest, RefusesAMissingSignedHeader) {
  for (const char* name : {"Content-Type", "x-amz-server-side-encryption"}) {
    VerifyInput request = UploadRequest();
    RemoveHeader(request, name);
    VerifyDetail detail = ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
    EXPECT_EQ(detail.signature_provided, ParamValue(request.target, "X-Amz-Signature")) << name;
  }
  VerifyInput request = UploadRequest();
  request.host.clear();
  ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
}

TEST(SigV4VerifyTest, RefusesADifferentSignedHeaderValue) {
  const std::pair<const char*, const char*> changes[] = {
      {"x-amz-server-side-encryption", "aes256"},
      {"x-amz-server-side-encryption", "aws:kms"},
      {"Content-Type", "application/octet-stream; charset=x"},
      {"Content-Type", "text/plain"},
  };
  for (const auto& [name, value] : changes) {
    VerifyInput request = UploadRequest();
    SetHeader(request, name, value);
    VerifyDetail detail = ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
    EXPECT_THAT(
        detail.string_to_sign,
        StartsWith("AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-east-1/s3/aws4_request\n"))
        << value;
  }
}

TEST(SigV4VerifyTest, RefusesARepeatedSignedHeader) {
  VerifyInput request = UploadRequest();
  request.headers.emplace_back("x-amz-server-side-encryption", "AES256");
  ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
}

TEST(SigV4VerifyTest, RefusesATamperedSignature) {
  const std::string target = UploadTarget();
  const std::string signature = ParamValue(target, "X-Amz-Signature");
  std::string flipped = signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  std::string upper = signature;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  for (const std::string& bad :
       {flipped, upper, signature.substr(0, 63), signature + "0", std::string()}) {
    VerifyDetail detail = ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Signature", bad)),
                                        S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
    EXPECT_EQ(detail.signature_provided, bad);
  }
}

TEST(SigV4VerifyTest, RefusesWithTheWrongSecret) {
  SigV4Credentials other = TestCredentials();
  other.secret_access_key += "x";
  VerifyDetail detail;
  base::Status status = VerifyPresigned(other, UploadRequest(), &detail);
  EXPECT_EQ(status.message(), kMismatch);
  EXPECT_EQ(detail.error, S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(SigV4VerifyTest, RefusesATamperedPathOrQuery) {
  std::string target = UploadTarget();
  std::string other_file = target;
  other_file.replace(other_file.find("7c9e"), 4, "7c9f");
  ExpectRefused(UploadRequest(other_file), S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
  ExpectRefused(UploadRequest("/blobstore/local" + target), S3ErrorCode::kSignatureDoesNotMatch,
                kMismatch);
  ExpectRefused(UploadRequest(target + "&partNumber=2"), S3ErrorCode::kSignatureDoesNotMatch,
                kMismatch);
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Expires", "3601")),
                S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Date", "20260314T150927Z")),
                S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-SignedHeaders",
                                        "host%3Bx-amz-server-side-encryption")),
                S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
}

TEST(SigV4VerifyTest, RefusesEverySingleCharacterChangeToTheTarget) {
  const std::string target = UploadTarget();
  for (size_t i = 0; i < target.size(); ++i) {
    for (char replacement : std::string_view("Z0&=%/?#+")) {
      if (target[i] == replacement) continue;
      std::string changed = target;
      changed[i] = replacement;
      EXPECT_FALSE(VerifyPresigned(TestCredentials(), UploadRequest(changed)).ok())
          << "accepted " << changed;
    }
  }
}

TEST(SigV4VerifyTest, RefusesATamperedCredential) {
  const std::string target = UploadTarget();
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Credential",
                                        "AKIDOTHER%2F20260314%2Fus-east-1%2Fs3%2Faws4_request")),
                S3ErrorCode::kInvalidAccessKeyId, "does not exist in our records");
  ExpectRefused(
      UploadRequest(WithParam(target, "X-Amz-Credential",
                              "AKIDSLUICETEST%2F20260314%2Feu-west-1%2Fs3%2Faws4_request")),
      S3ErrorCode::kAuthorizationQueryParametersError,
      "the region 'eu-west-1' is wrong; expecting 'us-east-1'");
  ExpectRefused(
      UploadRequest(WithParam(target, "X-Amz-Credential",
                              "AKIDSLUICETEST%2F20260315%2Fus-east-1%2Fs3%2Faws4_request")),
      S3ErrorCode::kAuthorizationQueryParametersError,
      "Invalid credential date \"20260315\". This date is not the same as X-Amz-Date: "
      "\"20260314\".");
  ExpectRefused(
      UploadRequest(WithParam(target, "X-Amz-Credential",
                              "AKIDSLUICETEST%2F20260314%2Fus-east-1%2Fsqs%2Faws4_request")),
      S3ErrorCode::kAuthorizationQueryParametersError, "incorrect service \"sqs\"");
  ExpectRefused(
      UploadRequest(WithParam(target, "X-Amz-Credential",
                              "AKIDSLUICETEST%2F20260314%2Fus-east-1%2Fs3%2Faws5_request")),
      S3ErrorCode::kAuthorizationQueryParametersError, "incorrect terminal \"aws5_request\"");
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Credential", "AKIDSLUICETEST")),
                S3ErrorCode::kAuthorizationQueryParametersError, "the Credential is mal-formed");
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Credential",
                                        "%2F20260314%2Fus-east-1%2Fs3%2Faws4_request")),
                S3ErrorCode::kAuthorizationQueryParametersError, "a non-empty Access Key (AKID)");
}

TEST(SigV4VerifyTest, RefusesAnExpiredUrl) {
  VerifyInput request = UploadRequest();
  request.now_epoch_seconds = kSignedAt + 3600;
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
  request.now_epoch_seconds = kSignedAt + 3601;
  VerifyDetail detail = ExpectRefused(request, S3ErrorCode::kAccessDenied, "Request has expired");
  EXPECT_EQ(detail.expires_at_epoch_seconds, kSignedAt + 3600);
}

TEST(SigV4VerifyTest, RefusesAUrlUsedMoreThanFifteenMinutesEarly) {
  VerifyInput request = UploadRequest();
  request.now_epoch_seconds = kSignedAt - kMaxClockSkewSeconds;
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
  request.now_epoch_seconds = kSignedAt - kMaxClockSkewSeconds - 1;
  ExpectRefused(request, S3ErrorCode::kAccessDenied, "Request is not valid yet");
}

TEST(SigV4VerifyTest, RefusesAnotherMethod) {
  for (const char* method : {"GET", "POST", "DELETE", "HEAD", "put"}) {
    VerifyInput request = UploadRequest();
    request.method = method;
    ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
  }
}

TEST(SigV4VerifyTest, RefusesAnotherHost) {
  for (const char* host : {"127.0.0.1:8081", "127.0.0.1", "localhost:8080"}) {
    VerifyInput request = UploadRequest();
    request.host = host;
    ExpectRefused(request, S3ErrorCode::kSignatureDoesNotMatch, kMismatch);
  }
}

TEST(SigV4VerifyTest, RefusesUnsignedAmzHeaders) {
  VerifyInput request = UploadRequest();
  request.headers.emplace_back("x-amz-acl", "public-read");
  request.headers.emplace_back("X-Amz-Meta-Owner", "mallory");
  VerifyDetail detail = ExpectRefused(request, S3ErrorCode::kAccessDenied,
                                      "There were headers present in the request which were not "
                                      "signed");
  EXPECT_THAT(detail.headers_not_signed, ElementsAre("x-amz-acl", "x-amz-meta-owner"));

  // Other unsigned headers are the client's business.
  request = UploadRequest();
  request.headers.emplace_back("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww==");
  request.headers.emplace_back("Expect", "100-continue");
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
}

TEST(SigV4VerifyTest, RefusesMissingAuthenticationParameters) {
  const std::string target = UploadTarget();
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                           "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    ExpectRefused(UploadRequest(WithoutParam(target, name)),
                  S3ErrorCode::kAuthorizationQueryParametersError,
                  "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                  "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                  "X-Amz-Expires parameters; missing: " +
                      std::string(name));
  }
  ExpectRefused(UploadRequest(kUploadPath), S3ErrorCode::kAuthorizationQueryParametersError,
                "missing: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
                "X-Amz-SignedHeaders, X-Amz-Expires");
  // Parameter names are case-sensitive.
  std::string lower = target;
  lower.replace(lower.find("X-Amz-Date"), 10, "x-amz-date");
  ExpectRefused(UploadRequest(lower), S3ErrorCode::kAuthorizationQueryParametersError,
                "missing: X-Amz-Date");
}

TEST(SigV4VerifyTest, RefusesARepeatedAuthenticationParameter) {
  const std::string target = UploadTarget();
  ExpectRefused(UploadRequest(target + "&X-Amz-Expires=3600"),
                S3ErrorCode::kAuthorizationQueryParametersError,
                "X-Amz-Expires appears more than once");
  ExpectRefused(UploadRequest(target + "&X-Amz-Signature=" + ParamValue(target, "X-Amz-Signature")),
                S3ErrorCode::kAuthorizationQueryParametersError,
                "X-Amz-Signature appears more than once");
}

TEST(SigV4VerifyTest, RefusesMalformedPercentEncoding) {
  const std::string target = UploadTarget();
  const std::string query = target.substr(target.find('?'));
  ExpectRefused(UploadRequest("/blob%G1" + query), S3ErrorCode::kInvalidUri,
                "malformed percent-encoding at offset 5 of the request-target");
  ExpectRefused(UploadRequest("/blob%4" + query), S3ErrorCode::kInvalidUri, "at offset 5");
  ExpectRefused(UploadRequest("/blob%" + query), S3ErrorCode::kInvalidUri, "at offset 5");
  std::string bad_value = WithParam(target, "X-Amz-Date", "2026%2");
  ExpectRefused(UploadRequest(bad_value), S3ErrorCode::kInvalidUri,
                "at offset " + std::to_string(bad_value.find("%2&")));
  ExpectRefused(UploadRequest(target + "&a%zz=1"), S3ErrorCode::kInvalidUri,
                "at offset " + std::to_string(target.size() + 2));
  ExpectRefused(UploadRequest("blobstore" + query), S3ErrorCode::kInvalidUri,
                "must start with '/'");
}

TEST(SigV4VerifyTest, RefusesAnUnusableExpiry) {
  const std::string target = UploadTarget();
  const std::pair<const char*, const char*> cases[] = {
      {"0", "must be between 1 and 604800"},
      {"604801", "must be between 1 and 604800"},
      {"99999999999999999999999", "must be between 1 and 604800"},
      {"-5", "must be non-negative"},
      {"abc", "should be a number"},
      {"", "should be a number"},
      {"%2B60", "should be a number"},
      {"60%20", "should be a number"},
  };
  for (const auto& [value, fragment] : cases) {
    ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Expires", value)),
                  S3ErrorCode::kAuthorizationQueryParametersError, fragment);
  }
}

TEST(SigV4VerifyTest, RefusesAnUnparsableDate) {
  const std::string target = UploadTarget();
  for (const char* date : {"20260230T150926Z", "20260314T240000Z", "20260314T156026Z",
                           "20260314T150926", "2026-03-14T15:09:26Z", "20261314T150926Z", ""}) {
    ExpectRefused(UploadRequest(WithParam(target, "X-Amz-Date", date)),
                  S3ErrorCode::kAuthorizationQueryParametersError,
                  "X-Amz-Date must be in the ISO8601 Long Format");
  }
}

TEST(SigV4VerifyTest, AcceptsALeapDay) {
  PresignInput input = UploadPresign();
  input.now_epoch_seconds = 1709208000;  // 2024-02-29T12:00:00Z
  base::Result<std::string> target = PresignTarget(TestCredentials(), input);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(ParamValue(*target, "X-Amz-Date"), "20240229T120000Z");
  VerifyInput request = UploadRequest(*target);
  request.now_epoch_seconds = input.now_epoch_seconds;
  EXPECT_TRUE(VerifyPresigned(TestCredentials(), request).ok());
}

TEST(SigV4VerifyTest, RefusesAnotherAlgorithm) {
  ExpectRefused(UploadRequest(WithParam(UploadTarget(), "X-Amz-Algorithm", "AWS4-HMAC-SHA1")),
                S3ErrorCode::kAuthorizationQueryParametersError,
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"; got \"AWS4-HMAC-SHA1\"");
}

TEST(SigV4VerifyTest, RefusesNonCanonicalSignedHeaders) {
  const std::string target = UploadTarget();
  ExpectRefused(UploadRequest(WithParam(target, "X-Amz-SignedHeaders",
                                        "content-type%3Bx-amz-server-side-encryption")),
                S3ErrorCode::kAuthorizationQueryParametersError,
                "X-Amz-SignedHeaders must include host");
  for (const char* list :
       {"host%3Bcontent-type", "Host", "content-type%3B%3Bhost", "host%3Bhost", ""}) {
    ExpectRefused(UploadRequest(WithParam(target, "X-Amz-SignedHeaders", list)),
                  S3ErrorCode::kAuthorizationQueryParametersError,
                  "X-Amz-SignedHeaders must be lower-case header names, sorted");
  }
}

TEST(SigV4VerifyTest, NamesS3ErrorCodes) {
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kNone), "");
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kAccessDenied), "AccessDenied");
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kSignatureDoesNotMatch), "SignatureDoesNotMatch");
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kAuthorizationQueryParametersError),
            "AuthorizationQueryParametersError");
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kInvalidAccessKeyId), "InvalidAccessKeyId");
  EXPECT_EQ(S3ErrorCodeName(S3ErrorCode::kInvalidUri), "InvalidURI");
}

TEST(UploadCredentialsTest, TheAccessKeyIdRevealsNothingOfTheSecret) {
  const std::string secret = "decf0d8c99221a" + std::string(50, '0');
  const SigV4Credentials credentials = UploadCredentialsFromSecret(secret);
  // "SLUICE" + the first 14 hex digits of SHA-256(secret), upper case (Python's hashlib).
  EXPECT_EQ(credentials.access_key_id, "SLUICE53FCF528E0B1D6");
  EXPECT_EQ(credentials.access_key_id.find("DECF0D8C"), std::string::npos);
  EXPECT_EQ(credentials.secret_access_key, secret);
  EXPECT_EQ(credentials.region, "us-east-1");
  EXPECT_EQ(credentials.service, "s3");
  EXPECT_NE(UploadCredentialsFromSecret(secret + "1").access_key_id, credentials.access_key_id);
}

}  // namespace
}  // namespace sluice::auth
