#include "client/push_client.h"

#include <chrono>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::client {
namespace {

namespace json = boost::json;

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool Retryable(long status) {  // NOLINT(google-runtime-int)
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// The text between <tag> and </tag>, or empty.
std::string XmlElement(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return "";
  const size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return "";
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

}  // namespace

std::string DescribeHttpError(const HttpResponse& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  std::string code;
  std::string message;
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const auto& object = body.as_object();
    if (const auto* c = object.if_contains("errorCode"); c && c->is_string()) code = c->as_string();
    if (const auto* m = object.if_contains("message"); m && m->is_string()) {
      message = m->as_string();
    }
  } else if (response.body.find("<Error>") != std::string::npos) {
    code = XmlElement(response.body, "Code");
    message = XmlElement(response.body, "Message");
  } else {
    message = response.body.substr(0, 200);
  }
  if (!code.empty()) out += " " + code;
  if (!message.empty()) out += ": " + message;
  return out;
}

PushClient::PushClient(Target target, RetryPolicy policy, RetryObserver on_retry)
    : target_(std::move(target)),
      policy_(policy),
      on_retry_(std::move(on_retry)),
      random_(std::random_device{}()) {
  std::string url = WithoutTrailingSlash(target_.url);
  std::string push_path = "/push/v1";
  for (std::string_view suffix : {"/push/v1", "/v1"}) {
    if (url.ends_with(suffix)) {
      push_path = suffix;
      url.resize(url.size() - suffix.size());
      break;
    }
  }
  root_ = url;
  push_base_ = root_ + push_path + "/organizations/" + PercentEncode(target_.organization);
  platform_root_ =
      target_.platform_url.empty() ? root_ : WithoutTrailingSlash(target_.platform_url);
}

HttpRequest PushClient::JsonRequest(std::string method, std::string url, std::string body) const {
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = {{"Authorization", "Bearer " + target_.api_key},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  return request;
}

int64_t BackoffMs(const RetryPolicy& policy, int retry, std::mt19937_64& random) {
  int64_t ceiling = policy.first_delay_ms;
  for (int i = 0; i < retry && ceiling < policy.max_delay_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, policy.max_delay_ms);
  return std::uniform_int_distribution<int64_t>(ceiling / 2, ceiling)(random);
}

int64_t PushClient::BackoffMs(int retry) { return client::BackoffMs(policy_, retry, random_); }

base::Result<HttpResponse> PushClient::Call(const HttpRequest& request, std::string_view what) {
  for (int attempt = 1;; ++attempt) {
    auto response = http_.Send(request);
    std::string why;
    int64_t delay_ms = 0;
    if (!response.ok()) {
      if (response.status().code() != base::StatusCode::kUnavailable) return response.status();
      why = response.status().message();
      delay_ms = BackoffMs(attempt - 1);
    } else if (response->status >= 200 && response->status < 300) {
      return response;
    } else if (Retryable(response->status)) {
      why = DescribeHttpError(*response);
      delay_ms = response->retry_after_seconds ? *response->retry_after_seconds * 1000
                                               : BackoffMs(attempt - 1);
    } else {
      const auto status = response->status;
      std::string message = std::string(what) + ": " + DescribeHttpError(*response);
      if (status == 401 || status == 403) return base::PermissionDenied(std::move(message));
      if (status == 404) return base::NotFound(std::move(message));
      if (status == 413) return base::ResourceExhausted(std::move(message));
      return base::InvalidArgument(std::move(message));
    }
    if (attempt >= policy_.max_attempts) {
      return base::Unavailable(std::string(what) + ": " + why + " (gave up after " +
                               std::to_string(attempt) + " attempts)");
    }
    if (on_retry_) on_retry_(what, why, delay_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
}

base::Result<FileContainer> PushClient::CreateFileContainer() {
  SLUICE_ASSIGN_OR_RETURN(auto response, Call(JsonRequest("POST", push_base_ + "/files", "{}"),
                                              "creating a file container"));
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  const json::object* object = ec ? nullptr : body.if_object();
  const json::value* uri = object ? object->if_contains("uploadUri") : nullptr;
  const json::value* id = object ? object->if_contains("fileId") : nullptr;
  if (uri == nullptr || !uri->is_string() || id == nullptr || !id->is_string()) {
    return base::InvalidArgument("the server's file container has no uploadUri or fileId: " +
                                 response.body.substr(0, 200));
  }
  FileContainer container{std::string(uri->as_string()), std::string(id->as_string()), {}};
  if (const auto* headers = object->if_contains("requiredHeaders");
      headers && headers->is_object()) {
    for (const auto& [name, value] : headers->as_object()) {
      if (value.is_string()) container.required_headers.emplace_back(name, value.as_string());
    }
  } else {
    // Coveo has always required these two; a server that does not list them gets them anyway.
    container.required_headers = {{"Content-Type", "application/octet-stream"},
                                  {"x-amz-server-side-encryption", "AES256"}};
  }
  return container;
}

base::Status PushClient::Upload(const FileContainer& container, std::string bytes) {
  HttpRequest request;
  request.method = "PUT";
  request.url = container.upload_uri;
  request.headers = container.required_headers;
  request.body = std::move(bytes);
  return Call(request, "uploading to file container " + container.file_id).status();
}

base::Status PushClient::Upload(const FileContainer& container, int fd, uint64_t size) {
  HttpRequest request;
  request.method = "PUT";
  request.url = container.upload_uri;
  request.headers = container.required_headers;
  request.body_fd = fd;
  request.body_size = size;
  return Call(request, "uploading to file container " + container.file_id).status();
}

base::Result<HttpResponse> PushClient::PutDocument(std::string_view document_id,
                                                   std::string body_json, uint64_t ordering_id) {
  std::string url = push_base_ + "/sources/" + PercentEncode(target_.source) +
                    "/documents?documentId=" + PercentEncode(document_id) +
                    "&orderingId=" + std::to_string(ordering_id);
  return Call(JsonRequest("PUT", std::move(url), std::move(body_json)),
              "pushing " + std::string(document_id));
}

base::Result<HttpResponse> PushClient::PutBatch(std::string_view file_id, uint64_t ordering_id) {
  std::string url = push_base_ + "/sources/" + PercentEncode(target_.source) +
                    "/documents/batch?fileId=" + PercentEncode(file_id) +
                    "&orderingId=" + std::to_string(ordering_id);
  return Call(JsonRequest("PUT", std::move(url), "{}"),
              "pushing the batch in file container " + std::string(file_id));
}

base::Status PushClient::DeleteDocument(std::string_view document_id, bool children,
                                        std::optional<uint64_t> ordering_id) {
  std::string url = push_base_ + "/sources/" + PercentEncode(target_.source) +
                    "/documents?documentId=" + PercentEncode(document_id) +
                    "&deleteChildren=" + (children ? "true" : "false");
  if (ordering_id) url += "&orderingId=" + std::to_string(*ordering_id);
  return Call(JsonRequest("DELETE", std::move(url), ""), "deleting " + std::string(document_id))
      .status();
}

base::Status PushClient::DeleteOlderThan(uint64_t ordering_id,
                                         std::optional<int> queue_delay_minutes) {
  std::string url = push_base_ + "/sources/" + PercentEncode(target_.source) +
                    "/documents/olderthan?orderingId=" + std::to_string(ordering_id);
  if (queue_delay_minutes) url += "&queueDelay=" + std::to_string(*queue_delay_minutes);
  return Call(JsonRequest("DELETE", std::move(url), ""),
              "deleting items older than " + std::to_string(ordering_id))
      .status();
}

base::Status PushClient::SetStatus(std::string_view status_type) {
  std::string url = push_base_ + "/sources/" + PercentEncode(target_.source) +
                    "/status?statusType=" + PercentEncode(status_type);
  return Call(JsonRequest("POST", std::move(url), "{}"),
              "setting the source status to " + std::string(status_type))
      .status();
}

base::Result<std::string> PushClient::Search(std::string request_json) {
  std::string url =
      platform_root_ + "/rest/search/v2?organizationId=" + PercentEncode(target_.organization);
  SLUICE_ASSIGN_OR_RETURN(
      auto response,
      Call(JsonRequest("POST", std::move(url), std::move(request_json)), "searching"));
  return std::move(response.body);
}

base::Result<std::string> PushClient::Logs(std::string_view query, std::string request_json) {
  std::string url = root_ + "/logs/v1/organizations/" + PercentEncode(target_.organization) + "?" +
                    std::string(query);
  SLUICE_ASSIGN_OR_RETURN(
      auto response,
      Call(JsonRequest("POST", std::move(url), std::move(request_json)), "reading the logs"));
  return std::move(response.body);
}

base::Result<std::string> PushClient::Backup(const std::string& directory) {
  std::string body = boost::json::serialize(boost::json::object{{"directory", directory}});
  SLUICE_ASSIGN_OR_RETURN(
      auto response,
      Call(JsonRequest("POST", root_ + "/api/v1/backup", std::move(body)), "writing a backup"));
  return std::move(response.body);
}

base::Result<std::string> PushClient::Sources() {
  std::string url =
      platform_root_ + "/rest/organizations/" + PercentEncode(target_.organization) + "/sources";
  HttpRequest request = JsonRequest("GET", std::move(url), "");
  SLUICE_ASSIGN_OR_RETURN(auto response, Call(request, "listing sources"));
  return std::move(response.body);
}

}  // namespace sluice::client
