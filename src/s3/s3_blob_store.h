// The BlobStore on an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, s3rver). Clients upload
// file containers straight to the bucket with URIs this store pre-signs; workers read objects
// back with SigV4-signed GETs, spooled to a local file so that a retry can start over and a
// large object never sits in memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "base/status.h"
#include "blob/blob_store.h"
#include "client/push_client.h"
#include "s3/s3_location.h"

namespace sluice::s3 {

struct S3Options {
  S3Location location;
  auth::SigV4Credentials credentials;  // region and service are taken from `location`
  std::filesystem::path spool_dir;     // where GETs land while a worker reads them
  // Transient failures (connection errors, 500, 502, 503 SlowDown, 504) are retried, backing
  // off as client::BackoffMs says.
  client::RetryPolicy retry{6, 100, 5000};
};

class S3BlobStore : public blob::BlobStore {
 public:
  // A pre-signed URL for PUTting `key` straight into the bucket; the client must send exactly
  // `headers` (they are signed), as with Coveo's own file containers.
  virtual base::Result<std::string> PresignUpload(std::string_view key,
                                                  const auth::HeaderList& headers,
                                                  int64_t expires_seconds,
                                                  int64_t now_epoch_seconds) = 0;
};

// Checks the options and creates the spool directory; the bucket is first reached by the
// first request (a node may start before its object store does).
base::Result<std::unique_ptr<S3BlobStore>> OpenS3BlobStore(S3Options options);

}  // namespace sluice::s3
