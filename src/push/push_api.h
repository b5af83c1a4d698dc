// The Coveo Push API for push sources, served under /push/v1 and the legacy
// /v1 prefix: items, deletes, file containers and the pre-signed upload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "base/clock.h"
#include "blob/blob_store.h"
#include "http/router.h"
#include "push/access.h"
#include "push/containers.h"
#include "push/identity_api.h"
#include "push/ordering_clock.h"
#include "push/stream_api.h"
#include "push/throttle.h"
#include "store/journal.h"
#include "store/state_store.h"

namespace sluice::push {

// The route of pre-signed file container uploads (S3's PutObject on a presigned URL).
inline constexpr std::string_view kUploadRoute = "/blobstore/{org}/{file}";

struct PushOptions {
  ContainerOptions containers;
  ThrottleOptions throttle;
  uint64_t max_container_bytes = 256ull * 1024 * 1024;
};

class PushApi {
 public:
  PushApi(store::StateStore& store, store::Journal& journal, blob::BlobStore& blobs,
          const base::Clock& clock, PushOptions options);

  void Register(http::Router& router);

 private:
  http::Response PutDocument(http::Request& request);
  http::Response DeleteDocument(http::Request& request);
  http::Response PutBatch(http::Request& request);
  http::Response DeleteOlderThan(http::Request& request);
  http::Response SetStatus(http::Request& request);
  http::Response CreateFileContainer(http::Request& request);
  std::variant<http::Response, std::unique_ptr<http::BodySink>> StartUpload(http::Request& request);

  // The item a call is about: ?documentId= and ?orderingId= (default: the ordering clock).
  struct ItemTarget {
    std::string document_id;
    uint64_t ordering_id = 0;
  };
  std::variant<ItemTarget, http::Response> ParseItemTarget(const http::Request& request);

  // Coveo accepts some invalid items and rejects them later; the item log says why.
  http::Response RejectItem(const http::Request& request, const std::string& document_id,
                            const std::string& why);

  // Checks key, organization and source; the error to send when they fail.
  std::optional<http::Response> CheckSource(const http::Request& request);
  http::Response Journal(store::Operation op, const http::Request& request);

  store::StateStore& store_;
  store::Journal& journal_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  PushOptions options_;
  Access access_;
  OrderingClock ordering_;
  Containers containers_;
  Throttle throttle_;
  IdentityApi identities_;
  StreamApi streams_;
};

}  // namespace sluice::push
