// The Logs API subset behind a Log Browser: POST and GET /logs/v1/organizations/{org}
// return the item log lines (operation, task, result, reason) with Coveo's filters.
#pragma once

#include "http/router.h"
#include "push/access.h"
#include "store/state_store.h"

namespace sluice::search {

class LogsApi {
 public:
  explicit LogsApi(store::StateStore& store) : store_(store), access_(store) {}
  void Register(http::Router& router);

 private:
  http::Response Get(http::Request& request);
  http::Response Post(http::Request& request);
  http::Response Answer(const http::Request& request, store::LogQuery query);

  store::StateStore& store_;
  push::Access access_;
};

}  // namespace sluice::search
