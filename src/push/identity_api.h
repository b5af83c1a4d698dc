// Security identities (Push API §5) under /push/v1 and /v1:
//   PUT/DELETE .../providers/{provider}/permissions, PUT .../mappings,
//   PUT .../permissions/batch?fileId=, DELETE .../permissions/olderthan,
// and the listing the console and tests read them back with:
//   POST /rest/organizations/{org}/securitycache/entities/list
//
// Changes are applied to the state store before the 202 is sent, so an
// acknowledged identity is durable and visible at once; Coveo's 202 only
// promises a later refresh. Hence olderthan's queueDelay has nothing to wait
// for: every update acknowledged before it is already in place.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "blob/blob_store.h"
#include "http/router.h"
#include "push/access.h"
#include "push/containers.h"
#include "push/identity_body.h"
#include "push/ordering_clock.h"
#include "push/throttle.h"
#include "store/state_store.h"

namespace sluice::push {

class IdentityApi {
 public:
  IdentityApi(store::StateStore& store, blob::BlobStore& blobs, const base::Clock& clock,
              OrderingClock& ordering, Containers& containers, uint64_t max_batch_bytes);

  // Push routes go through `throttle`.
  void Register(http::Router& router, Throttle& throttle);

 private:
  http::Response PutIdentity(http::Request& request);
  http::Response PutMapping(http::Request& request);
  http::Response DeleteIdentity(http::Request& request);
  http::Response PutBatch(http::Request& request);
  http::Response DeleteOlderThan(http::Request& request);
  http::Response List(http::Request& request);

  // Parses the JSON body as `kind` and stores it; the 202 or the error.
  http::Response Apply(http::Request& request, IdentityBodyKind kind);
  // Key, privilege and the orderingId to use; the error to send otherwise.
  std::optional<http::Response> Check(const http::Request& request, uint64_t& ordering_id);
  // The container's bytes, decompressed when they are GZIP or ZLIB.
  base::Result<std::string> ReadContainer(const std::string& file_id);

  store::StateStore& store_;
  blob::BlobStore& blobs_;
  const base::Clock& clock_;
  Access access_;
  OrderingClock& ordering_;
  Containers& containers_;
  uint64_t max_batch_bytes_;
};

}  // namespace sluice::push
