// The Coveo Push API for push sources, served under /push/v1 and the legacy
// /v1 prefix: items, deletes, file containers and the pre-signed upload.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "auth/sigv4.h"
#include "base/clock.h"
#include "blob/blob_store.h"
#include "http/router.h"
#include "push/access.h"
#include "store/journal.h"
#include "store/state_store.h"

namespace sluice::push {

struct PushOptions {
  std::string public_url = "http://127.0.0.1:8080";  // scheme://host[:port] signed into uploadUris
  auth::SigV4Credentials upload_credentials;
  uint64_t max_container_bytes = 256ull * 1024 * 1024;
  int64_t container_ttl_seconds = 3600;
};

// Default orderingIds: the time in ms, but strictly increasing, so two pushes
// of one item in the same millisecond are not taken for a stale repeat.
class OrderingClock {
 public:
  explicit OrderingClock(const base::Clock& clock) : clock_(clock) {}
  uint64_t Next();

 private:
  const base::Clock& clock_;
  std::atomic<uint64_t> last_{0};
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

  // A file container the call may use: in the organization, uploaded, unused, unexpired.
  std::optional<http::Response> CheckContainer(const std::string& file_id,
                                               const http::Request& request);

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
};

}  // namespace sluice::push
