// The Stream API of catalog sources, under /push/v1 and /v1, both as
// .../sources/{source}/stream/... and .../data-collections/{source}/stream/...:
//   POST stream/open                     -> 201 {streamId, uploadUri, fileId, requiredHeaders}
//   POST stream/{streamId}/chunk         -> 200 {uploadUri, fileId, requiredHeaders}
//   POST stream/{streamId}/close         -> 200 {orderingId, requestId}
//   PUT  stream/update?fileId=           -> 202 {orderingId, requestId}
//   PUT  stream/merge?fileId=            -> 202 {orderingId, requestId}
//   POST stream/deleteolderthan/{ms}     -> 201 {orderingId, requestId}
//
// A stream is a full rebuild: every item it sends gets the orderingId fixed at
// open, and close journals each uploaded chunk as a batch followed by a
// delete-older-than at that orderingId, so items the stream did not send go.
#pragma once

#include "base/clock.h"
#include "http/router.h"
#include "push/access.h"
#include "push/containers.h"
#include "push/ordering_clock.h"
#include "push/throttle.h"
#include "store/journal.h"
#include "store/state_store.h"

namespace sluice::push {

class StreamApi {
 public:
  StreamApi(store::StateStore& store, store::Journal& journal, const base::Clock& clock,
            OrderingClock& ordering, Containers& containers);

  // Push routes go through `throttle`.
  void Register(http::Router& router, Throttle& throttle);

 private:
  http::Response Open(http::Request& request);
  http::Response Chunk(http::Request& request);
  http::Response Close(http::Request& request);
  http::Response Update(http::Request& request, bool merge);
  http::Response DeleteOlderThan(http::Request& request);

  // The catalog source the call names; the error otherwise (PUSH sources included).
  std::optional<http::Response> CheckCatalogSource(const http::Request& request);
  // The open stream {streamId} of the call's source; the error otherwise.
  std::variant<store::Stream, http::Response> OpenStream(const http::Request& request);
  // Journals `ops` and answers `status` {orderingId, requestId}.
  http::Response Accept(std::vector<store::Operation> ops, int status,
                        const http::Request& request);
  store::Operation NewOperation(store::OperationKind kind, uint64_t ordering_id,
                                const http::Request& request) const;

  store::StateStore& store_;
  store::Journal& journal_;
  const base::Clock& clock_;
  Access access_;
  OrderingClock& ordering_;
  Containers& containers_;
};

}  // namespace sluice::push
