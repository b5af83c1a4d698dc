// PushClient: the Push, Search, Logs and Platform API calls the client commands make, each
// retried as the server asks (429 Retry-After) or with exponential backoff (5xx, network).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "client/http_client.h"

namespace sluice::client {

// Where the commands send their requests, and as whom.
struct Target {
  // The server: Sluice's address, or a Coveo Push API host (https://api.cloud.coveo.com, or
  // one ending in /push/v1 or /v1).
  std::string url;
  // Where the Search and Platform APIs are (Coveo: https://platform.cloud.coveo.com); empty
  // means `url`, where Sluice serves them.
  std::string platform_url;
  std::string api_key;
  std::string organization;
  std::string source;
};

struct RetryPolicy {
  int max_attempts = 10;
  int64_t first_delay_ms = 500;  // doubled on each retry, with full jitter
  int64_t max_delay_ms = 60'000;
};

// The wait before retry number `retry` (0 for the first): first_delay_ms doubled each time up to
// max_delay_ms, then a random point in its upper half, so that many clients told to back off at
// once do not come back at once.
int64_t BackoffMs(const RetryPolicy& policy, int retry, std::mt19937_64& random);

// Told before each retry: what is retried, why, and after how long.
using RetryObserver =
    std::function<void(std::string_view what, std::string_view why, int64_t delay_ms)>;

struct FileContainer {
  std::string upload_uri;
  std::string file_id;
  std::vector<std::pair<std::string, std::string>> required_headers;
};

// Not thread-safe (it owns one HttpClient): one per worker thread.
class PushClient {
 public:
  PushClient(Target target, RetryPolicy policy, RetryObserver on_retry);

  base::Result<FileContainer> CreateFileContainer();
  // PUTs the bytes to the container's uploadUri with its required headers.
  base::Status Upload(const FileContainer& container, std::string bytes);
  base::Status Upload(const FileContainer& container, int fd, uint64_t size);
  // Returns the response, whose request_id names the operation in the server's logs.
  base::Result<HttpResponse> PutDocument(std::string_view document_id, std::string body_json,
                                         uint64_t ordering_id);
  base::Result<HttpResponse> PutBatch(std::string_view file_id, uint64_t ordering_id);
  base::Status DeleteDocument(std::string_view document_id, bool children,
                              std::optional<uint64_t> ordering_id);
  base::Status DeleteOlderThan(uint64_t ordering_id, std::optional<int> queue_delay_minutes);
  base::Status SetStatus(std::string_view status_type);
  // The JSON answers of the read APIs, as the server sent them.
  base::Result<std::string> Search(std::string request_json);
  base::Result<std::string> Logs(std::string_view query, std::string request_json);
  base::Result<std::string> Sources();
  // Asks the server to write a backup of itself into `directory` on its own machine.
  base::Result<std::string> Backup(const std::string& directory);

  const Target& target() const { return target_; }

 private:
  // Sends until a final answer: 2xx is a value; any other status an error with the server's
  // errorCode and message; 429, 5xx and network failures are retried per the policy.
  base::Result<HttpResponse> Call(const HttpRequest& request, std::string_view what);
  HttpRequest JsonRequest(std::string method, std::string url, std::string body) const;
  int64_t BackoffMs(int retry);

  Target target_;
  std::string push_base_;      // .../push/v1/organizations/<org>
  std::string root_;           // the server without the Push API's path
  std::string platform_root_;  // the Search and Platform APIs' server
  RetryPolicy policy_;
  RetryObserver on_retry_;
  HttpClient http_;
  std::mt19937_64 random_;
};

// "HTTP 412 INVALID_PARAMETER: <message>" from a JSON or S3 XML error body, so the user reads
// the server's own explanation.
std::string DescribeHttpError(const HttpResponse& response);

}  // namespace sluice::client
