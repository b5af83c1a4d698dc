// The JSON the Content Browser renders (/api/v1/organizations/{org}/...): the signed-in key,
// sources with counts and last activity, a source's items, one item's fields, text, permission
// model and pushed body, the item's original bytes when Sluice still has them, and log lines.
#pragma once

#include <filesystem>
#include <optional>
#include <variant>

#include "blob/blob_store.h"
#include "http/router.h"
#include "index/commit_gate.h"
#include "push/access.h"
#include "store/state_store.h"

namespace sluice::search {

class BrowserApi {
 public:
  // `commit_gate` is the one the index's writers commit through; it must outlive the BrowserApi.
  BrowserApi(store::StateStore& store, blob::BlobStore& blobs, std::filesystem::path index_root,
             index::CommitGate& commit_gate);
  void Register(http::Router& router);

 private:
  http::Response Session(http::Request& request);
  http::Response ListSources(http::Request& request);
  http::Response ListItems(http::Request& request);
  http::Response ItemDetail(http::Request& request);
  http::Response ItemOriginal(http::Request& request);
  http::Response Logs(http::Request& request);
  // The caller's key once it may browse the request's {source} and that source exists; the
  // error to send otherwise.
  std::variant<store::ApiKey, http::Response> CheckSource(const http::Request& request);
  // The item the request's {source} and ?uri= name (unless deleted), with the caller's key; the
  // error to send otherwise.
  struct FoundItem {
    store::ApiKey key;
    store::Item item;
  };
  std::variant<FoundItem, http::Response> FindItem(const http::Request& request);

  store::StateStore& store_;
  blob::BlobStore& blobs_;
  std::filesystem::path index_root_;
  index::CommitGate& commit_gate_;
  push::Access access_;
};

}  // namespace sluice::search
