// The HTTP/1.1 server: Boost.Beast on Asio. Network threads only parse and
// write; handlers run on a separate pool because they may block on fsync.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/router.h"

namespace sluice::http {

// One answered request, for access logs and metrics.
struct Exchange {
  const Request& request;
  std::string_view route;  // the matched route's pattern; empty when none matched
  int status = 0;
  uint64_t bytes_received = 0;  // of the request body
  uint64_t bytes_sent = 0;      // of the response body
  double seconds = 0;           // from the complete header to the answer written
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (tests)
  int io_threads = 1;
  int handler_threads = 16;
  uint64_t max_body_bytes = uint64_t{6} * 1024 * 1024;  // non-streamed requests
  uint32_t max_header_bytes = 16 * 1024;
  // How long a kept-alive connection may wait for the first byte of its next request.
  std::chrono::seconds idle_timeout{120};
  // A request header must be complete this long after its first byte (after the
  // connection opened, for the first request); slower clients are disconnected.
  std::chrono::seconds header_timeout{10};
  // A request body may pause for at most body_timeout; after that grace it must also
  // have averaged at least min_body_bytes_per_second (0: no rate rule), or the
  // connection is closed. Slow-body clients cannot hold a connection forever.
  std::chrono::seconds body_timeout{30};
  uint64_t min_body_bytes_per_second = 1024;
  // Builds the error body for failures the server detects itself (400, 413, 431, 500).
  std::function<Response(int status, std::string_view message)> error_response;
  // Runs once per answered request after its answer was written (or could not be), on a
  // network thread, so it must be quick.
  std::function<void(const Exchange&)> on_answered;
};

class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads.
  base::Status Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting and waits, at most `timeout`, until every request under way is answered.
  // Requests that begin meanwhile on open connections get 503 and the connection is closed.
  // Returns whether all were answered.
  bool Drain(std::chrono::milliseconds timeout);
  // Stops accepting, finishes in-flight handlers, joins every thread; connections still open
  // are dropped (Drain first to answer the requests under way).
  void Stop();

  struct Impl;  // opaque: keeps Beast out of this header

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
