// LogFollower: `--wait` — reads the Logs API until every pushed item has a final result, the
// seed procedure's last step (check that the item arrived) done for every item.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "client/push_client.h"

namespace sluice::client {

struct ItemOutcome {
  std::string document_id;
  std::string result;  // COMPLETED, SKIPPED, ERROR, REJECTED; TIMEOUT or STOPPED when none came
  std::string reason;  // the log's task and reason for anything but COMPLETED
};

class LogFollower {
 public:
  // `since_ms`: log lines older than this are about earlier pushes and are ignored.
  LogFollower(PushClient& client, const base::Clock& clock, int64_t since_ms);

  // `items` maps each documentId to the x-request-id of the push that carried it (empty when
  // the server sent none: then any line since `since_ms` counts). Polls until each has a final
  // line or `timeout_ms` passes (result TIMEOUT); `on_poll` is told how many are still waited
  // for before each poll, and ends the wait by returning false (result STOPPED).
  base::Result<std::vector<ItemOutcome>> Wait(
      const std::unordered_map<std::string, std::string>& items, int64_t timeout_ms,
      const std::function<bool(size_t remaining)>& on_poll);

 private:
  PushClient& client_;
  const base::Clock& clock_;
  int64_t since_ms_;
};

}  // namespace sluice::client
