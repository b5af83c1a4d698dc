#include "s3/s3_location.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::s3 {
namespace {

using base::StatusCode;
using ::testing::HasSubstr;

TEST(S3LocationTest, ParsesEveryPart) {
  auto location = ParseS3Url(
      "s3://sluice-blobs/prod/eu/?endpoint=http://127.0.0.1:4569&region=eu-west-3"
      "&path_style=true");
  ASSERT_TRUE(location.ok()) << location.status().ToString();
  EXPECT_EQ(location->bucket, "sluice-blobs");
  EXPECT_EQ(location->prefix, "prod/eu");
  EXPECT_EQ(location->endpoint, "http://127.0.0.1:4569");
  EXPECT_EQ(location->region, "eu-west-3");
  EXPECT_TRUE(location->path_style);
  EXPECT_EQ(DescribeS3Location(*location),
            "s3://sluice-blobs/prod/eu?endpoint=http://127.0.0.1:4569&region=eu-west-3"
            "&path_style=true");
}

TEST(S3LocationTest, DefaultsToTheRegionalAwsEndpoint) {
  auto location = ParseS3Url("s3://bucket.example?region=ca-central-1");
  ASSERT_TRUE(location.ok()) << location.status().ToString();
  EXPECT_EQ(location->endpoint, "https://s3.ca-central-1.amazonaws.com");
  EXPECT_EQ(location->prefix, "");
  EXPECT_FALSE(location->path_style);
}

TEST(S3LocationTest, AddressesPathStyleAndVirtualHostedObjects) {
  S3Location location;
  location.bucket = "b1";
  location.prefix = "p/q";
  location.endpoint = "http://127.0.0.1:9000";
  location.path_style = true;
  ObjectAddress path_style = AddressOf(location, "containers/x");
  EXPECT_EQ(path_style.origin, "http://127.0.0.1:9000");
  EXPECT_EQ(path_style.host, "127.0.0.1:9000");
  EXPECT_EQ(path_style.path, "/b1/p/q/containers/x");

  location.path_style = false;
  location.prefix = "";
  location.endpoint = "https://s3.us-east-1.amazonaws.com";
  ObjectAddress virtual_hosted = AddressOf(location, "containers/x");
  EXPECT_EQ(virtual_hosted.origin, "https://b1.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(virtual_hosted.host, "b1.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(virtual_hosted.path, "/containers/x");
}

TEST(S3LocationTest, RefusesWhatS3WouldRefuseWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"file:///tmp/x", "must be `local` or s3://"},
      {"s3://", "not a valid S3 bucket name"},
      {"s3://ab", "not a valid S3 bucket name"},
      {"s3://Upper", "not a valid S3 bucket name"},
      {"s3://-bucket", "not a valid S3 bucket name"},
      {"s3://bucket/a//b", "prefix"},
      {"s3://bucket/../x", "prefix"},
      {"s3://bucket?endpoint=ftp://x", "endpoint"},
      {"s3://bucket?endpoint=http://host/path", "no path"},
      {"s3://bucket?endpoint=http://", "endpoint"},
      {"s3://bucket?path_style=yes", "true or false"},
      {"s3://bucket?region=", "region"},
      {"s3://bucket?acl=private", "'acl' is unknown"},
  };
  for (const auto& [url, why] : cases) {
    auto location = ParseS3Url(url);
    EXPECT_EQ(location.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(location.status().message(), HasSubstr(why)) << url;
  }
}

}  // namespace
}  // namespace sluice::s3
