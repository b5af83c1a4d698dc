// HttpClient: one HTTP/1.1 exchange at a time over libcurl, the only file that includes curl.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::client {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // The body: `body`, or when body_fd >= 0 the first body_size bytes of that file, read
  // with pread so that a retry sends them again from the start.
  std::string body;
  int body_fd = -1;
  uint64_t body_size = 0;
  // When >= 0, the response body is written to this file (from its current offset) instead
  // of HttpResponse::body, so that objects of any size stream to disk.
  int response_fd = -1;
};

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  std::string body;
  std::optional<int64_t> retry_after_seconds;  // Retry-After given in seconds
  std::string request_id;                      // x-request-id, when the server sends one
  std::string date;                            // the Date header
  std::optional<uint64_t> content_length;      // the Content-Length header
  uint64_t body_bytes = 0;                     // bytes received, in `body` or in response_fd
};

// Calls curl_global_init / curl_global_cleanup: one instance for the process, created before
// any HttpClient and any thread that uses one.
class CurlLibrary {
 public:
  CurlLibrary();
  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;
};

// Keeps its connections open between requests. Not thread-safe: one per thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One attempt. A response of any status is a value; a failure to exchange one (refused
  // connection, reset, timeout, DNS) is Unavailable with libcurl's explanation.
  base::Result<HttpResponse> Send(const HttpRequest& request);

 private:
  void* curl_;  // CURL*, kept opaque so that curl.h stays in http_client.cc
};

// RFC 3986 percent-encoding of everything but unreserved characters, for query values.
std::string PercentEncode(std::string_view text);

}  // namespace sluice::client
