// Where a bucket lives and how its objects are addressed: parsed from the
// `--blob-store s3://BUCKET/PREFIX?endpoint=URL&region=R&path_style=true` setting.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::s3 {

struct S3Location {
  std::string bucket;
  std::string prefix;    // "" or segments without leading or trailing '/'
  std::string endpoint;  // scheme://host[:port], no path
  std::string region = "us-east-1";
  // true: http://endpoint/BUCKET/KEY (MinIO, Ceph, s3rver); false: http://BUCKET.endpoint/KEY.
  bool path_style = false;
};

// One object's address.
struct ObjectAddress {
  std::string origin;  // scheme://host[:port]
  std::string host;    // the Host header: host[:port]
  std::string path;    // unencoded, absolute: /BUCKET/PREFIX/KEY or /PREFIX/KEY
};

// InvalidArgument naming what is wrong: another scheme, a bucket name S3 refuses, an unknown
// or malformed parameter, an endpoint that is not http(s)://host[:port]. Without `endpoint`,
// AWS's regional endpoint https://s3.REGION.amazonaws.com is used.
base::Result<S3Location> ParseS3Url(std::string_view url);

// The object that holds blob `key` (prefix + "/" + key when there is a prefix).
ObjectAddress AddressOf(const S3Location& location, std::string_view key);

// The setting back as text, e.g. for --print-config and log lines.
std::string DescribeS3Location(const S3Location& location);

}  // namespace sluice::s3
