// File containers: issuing one (a fresh id and a pre-signed upload URI) and
// checking that a call may use one. Shared by items, batches, streams and
// security identity batches.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

#include "auth/sigv4.h"
#include "base/clock.h"
#include "base/status.h"
#include "blob/blob_store.h"
#include "http/message.h"
#include "store/state_store.h"

namespace sluice::push {

// The two headers an upload to a container's uploadUri must carry, with exactly these
// values; they are signed into the URI, so S3 (and Sluice) answer anything else with 403.
inline constexpr std::string_view kEncryptionHeader = "x-amz-server-side-encryption";
inline constexpr std::string_view kEncryptionAlgorithm = "AES256";
inline constexpr std::pair<std::string_view, std::string_view> kRequiredUploadHeaders[] = {
    {kEncryptionHeader, kEncryptionAlgorithm}, {"Content-Type", "application/octet-stream"}};

// Signs an uploadUri that PUTs blob `key` straight into an object store (S3): the client must
// send exactly `headers`. Returns the whole URL.
using UploadPresigner =
    std::function<base::Result<std::string>(std::string_view key, const auth::HeaderList& headers,
                                            int64_t expires_seconds, int64_t now_epoch_seconds)>;

struct ContainerOptions {
  std::string public_url = "http://127.0.0.1:8080";  // scheme://host[:port] signed into uploadUris
  auth::SigV4Credentials upload_credentials;
  int64_t ttl_seconds = 3600;
  // Set when blobs live in an object store: uploadUris then point at it, not at Sluice.
  UploadPresigner object_store_presigner = nullptr;
};

class Containers {
 public:
  Containers(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
             ContainerOptions options)
      : store_(store), blobs_(blobs), clock_(clock), options_(std::move(options)) {}

  // Creates a container of `organization_id`; returns {uploadUri, fileId, requiredHeaders}.
  base::Result<boost::json::object> Issue(const std::string& organization_id);

  // The Coveo error when the container is not in the organization, not uploaded yet,
  // already used or expired; nullopt when the call may use it.
  std::optional<http::Response> CheckUsable(const std::string& file_id,
                                            const std::string& organization_id);

  // Whether the container's bytes have landed. Uploads through Sluice mark the container when
  // they commit; uploads straight to an object store are found by asking the store, once.
  base::Result<bool> IsUploaded(const store::FileContainer& container);

  const ContainerOptions& options() const { return options_; }

 private:
  store::StateStore& store_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  ContainerOptions options_;
};

}  // namespace sluice::push
