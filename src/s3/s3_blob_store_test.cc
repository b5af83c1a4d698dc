#include "s3/s3_blob_store.h"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/random.h"
#include "client/http_client.h"
#include "client/scripted_server.h"

namespace sluice::s3 {
namespace {

using base::StatusCode;
using client::testing::Reply;
using client::testing::ScriptedServer;
using ::testing::HasSubstr;

constexpr char kSlowDown[] =
    "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request "
    "rate.</Message></Error>";

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spool_ = std::filesystem::path(::testing::TempDir()) / ("s3_" + base::NewUuid());
  }
  void TearDown() override { std::filesystem::remove_all(spool_); }

  std::unique_ptr<S3BlobStore> Open(const std::string& endpoint) {
    S3Options options;
    options.location.bucket = "bucket";
    options.location.prefix = "pre";
    options.location.endpoint = endpoint;
    options.location.path_style = true;
    options.credentials.access_key_id = "AKIDTEST";
    options.credentials.secret_access_key = "secret";
    options.spool_dir = spool_;
    options.retry = {4, 1, 10};
    auto store = OpenS3BlobStore(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }

  static std::string ReadAll(blob::BlobReader& reader) {
    std::string out;
    char buf[7];  // small, to read across many calls
    for (;;) {
      auto n = reader.Read(buf, sizeof buf);
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) return out;
      out.append(buf, *n);
    }
  }

  client::CurlLibrary curl_;
  std::filesystem::path spool_;
};

TEST_F(S3BlobStoreTest, RetriesSlowDownAndServerErrorsThenReadsTheObject) {
  ScriptedServer server({{503, "", kSlowDown}, {500, "", "oops"}, {200, "", "object bytes"}});
  auto store = Open(server.url());
  auto reader = store->Open("containers/abc");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), 12u);
  EXPECT_EQ(ReadAll(**reader), "object bytes");

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, "/bucket/pre/containers/abc");
    EXPECT_THAT(request.headers, HasSubstr("authorization: aws4-hmac-sha256 credential=akidtest/"));
    EXPECT_THAT(request.headers, HasSubstr("signedheaders=host;x-amz-content-sha256;x-amz-date"));
  }
  // Nothing is left in the spool directory: the file was unlinked as soon as it was made.
  EXPECT_TRUE(std::filesystem::is_empty(spool_));
}

TEST_F(S3BlobStoreTest, GivesUpAfterTheRetriesWithTheLastReason) {
  ScriptedServer server({{503, "", kSlowDown},
                         {503, "", kSlowDown},
                         {503, "", kSlowDown},
                         {503, "", kSlowDown},
                         {200, "", "never reached"}});
  auto store = Open(server.url());
  auto reader = store->Open("containers/abc");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(reader.status().message(), HasSubstr("HTTP 503 SlowDown"));
  EXPECT_THAT(reader.status().message(), HasSubstr("/bucket/pre/containers/abc"));
  EXPECT_EQ(server.received().size(), 4u);
}

TEST_F(S3BlobStoreTest, ClientErrorsAreNotRetried) {
  ScriptedServer server(
      {{404, "",
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
        "</Message></Error>"},
       {403, "", "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"},
       {200, "", ""}});
  auto store = Open(server.url());
  auto missing = store->Open("containers/gone");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("NoSuchKey"));
  auto denied = store->Stat("containers/x");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(denied.status().message(), HasSubstr("check the S3 credentials"));
  EXPECT_EQ(server.received().size(), 2u);
}

TEST_F(S3BlobStoreTest, AnObjectCutShortIsDataLoss) {
  ScriptedServer server({{200, "", "only part", 100}});
  auto store = Open(server.url());
  auto reader = store->Open("containers/abc");
  EXPECT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(), HasSubstr("containers/abc"));
}

TEST_F(S3BlobStoreTest, StatRemoveAndWriteSpeakS3) {
  ScriptedServer server(
      {{200, "x-amz-meta-a: b\r\n", "12345"}, {204, "", ""}, {404, "", ""}, {200, "", ""}});
  auto store = Open(server.url());
  // HEAD: the size from Content-Length (the scripted server sends the body's length).
  auto size = store->Stat("containers/abc");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 5u);
  EXPECT_TRUE(store->Remove("containers/abc").ok());
  EXPECT_TRUE(store->Remove("containers/abc").ok()) << "removing what is gone is fine";

  auto writer = store->Create("containers/new");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("hello ").ok());
  ASSERT_TRUE((*writer)->Append("world").ok());
  auto info = (*writer)->Commit();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(info->sha256_hex, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "HEAD");
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[3].method, "PUT");
  EXPECT_EQ(requests[3].target, "/bucket/pre/containers/new");
  EXPECT_EQ(requests[3].body, "hello world");
  // The payload is signed by its hash, not sent as UNSIGNED-PAYLOAD.
  EXPECT_THAT(requests[3].headers, HasSubstr("x-amz-content-sha256: " + info->sha256_hex));
  EXPECT_THAT(requests[3].headers, HasSubstr("x-amz-server-side-encryption: aes256"));
}

TEST_F(S3BlobStoreTest, PresignsUploadsForTheBucketItself) {
  auto store = Open("http://127.0.0.1:9");
  auto url = store->PresignUpload("containers/abc", {{"Content-Type", "application/octet-stream"}},
                                  3600, 1'700'000'000);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_THAT(*url, ::testing::StartsWith("http://127.0.0.1:9/bucket/pre/containers/abc?"));
  EXPECT_THAT(*url, HasSubstr("X-Amz-SignedHeaders=content-type%3Bhost"));
  EXPECT_THAT(*url, HasSubstr("X-Amz-Credential=AKIDTEST%2F20231114%2Fus-east-1%2Fs3"));
}

TEST_F(S3BlobStoreTest, AnUnreachableBucketIsUnavailableAfterTheRetries) {
  auto store = Open("http://127.0.0.1:9");  // discard port: nothing listens
  auto reader = store->Open("containers/abc");
  EXPECT_EQ(reader.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(reader.status().message(), HasSubstr("after 4 attempts"));
}

TEST(OpenS3BlobStoreTest, NeedsCredentials) {
  S3Options options;
  options.location.bucket = "bucket";
  options.spool_dir = ::testing::TempDir();
  auto store = OpenS3BlobStore(options);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
}

}  // namespace
}  // namespace sluice::s3
