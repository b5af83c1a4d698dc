// Requests and responses as handlers see them: plain data, no Beast types, so
// only server.cc pays for the Beast headers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::http {

struct Request {
  std::string method;                                        // "GET", "PUT", ...
  std::string target;                                        // as received: "/path?query"
  std::string path;                                          // percent-decoded path
  std::string query;                                         // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::map<std::string, std::string> path_params;            // from the route pattern
  std::string body;
  std::string remote_address;
  std::string request_id;

  // Case-insensitive header lookup; the first occurrence.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Percent-decoded query parameter ('+' is a space); the first occurrence.
  std::optional<std::string> Query(std::string_view name) const;
  // Every occurrence, in order.
  std::vector<std::string> QueryAll(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close_connection = false;

  static Response Json(int status, std::string body);
};

// Receives the body of a streamed request (an upload) chunk by chunk.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // A failed Write ends the request; the sink answers through Fail().
  virtual base::Status Write(std::string_view chunk) = 0;
  // The whole body arrived. May block (fsync): runs off the network threads.
  virtual Response Finish() = 0;
  // The body could not be read or a Write failed.
  virtual Response Fail(const base::Status& why) = 0;
};

// Percent-decodes; fails on malformed escapes.
base::Result<std::string> PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace sluice::http
