#include "client/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/ascii.h"
#include "base/fs.h"

namespace sluice::client {
namespace {

constexpr long kConnectTimeoutSeconds = 10;  // NOLINT(google-runtime-int)
// A transfer that moves less than a byte a second for this long is given up (and retried).
constexpr long kStallSeconds = 120;  // NOLINT(google-runtime-int)
constexpr size_t kMaxResponseBytes = size_t{256} << 20;

struct Exchange {
  const HttpRequest* request = nullptr;
  uint64_t body_offset = 0;
  int read_errno = 0;
  base::Status write_status;  // of writing the body to response_fd
  HttpResponse response;
  bool response_too_large = false;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const HttpRequest& request = *exchange->request;
  const uint64_t total = request.body_fd >= 0 ? request.body_size : request.body.size();
  const uint64_t left = total - exchange->body_offset;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * count));
  if (want == 0) return 0;
  if (request.body_fd < 0) {
    std::memcpy(buffer, request.body.data() + exchange->body_offset, want);
    exchange->body_offset += want;
    return want;
  }
  ssize_t got;
  do {
    got = pread(request.body_fd, buffer, want, static_cast<off_t>(exchange->body_offset));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    exchange->read_errno = got < 0 ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  exchange->body_offset += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t bytes = size * count;
  exchange->response.body_bytes += bytes;
  if (exchange->request->response_fd >= 0) {
    exchange->write_status =
        base::WriteAll(exchange->request->response_fd, data, bytes, "the response body");
    return exchange->write_status.ok() ? bytes : 0;
  }
  if (exchange->response.body.size() + bytes > kMaxResponseBytes) {
    exchange->response_too_large = true;
    return 0;
  }
  exchange->response.body.append(data, bytes);
  return bytes;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  const std::string name = base::AsciiLower(line.substr(0, colon));
  const std::string_view value = base::TrimAsciiSpace(line.substr(colon + 1));
  if (name == "retry-after") {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && ptr == value.data() + value.size() && seconds >= 0) {
      exchange->response.retry_after_seconds = seconds;
    }
  } else if (name == "x-request-id") {
    exchange->response.request_id = value;
  } else if (name == "date") {
    exchange->response.date = value;
  } else if (name == "content-length") {
    uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && ptr == value.data() + value.size()) {
      exchange->response.content_length = length;
    }
  }
  return size * count;
}

// Frees a curl_slist when the exchange ends.
struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list); }
};

}  // namespace

CurlLibrary::CurlLibrary() { curl_global_init(CURL_GLOBAL_DEFAULT); }
CurlLibrary::~CurlLibrary() { curl_global_cleanup(); }

HttpClient::HttpClient() : curl_(curl_easy_init()) {}
HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

base::Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return base::Internal("libcurl could not create a handle");
  curl_easy_reset(curl);
  Exchange exchange;
  exchange.request = &request;
  HeaderList headers;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line.append(": ").append(value);
    headers.list = curl_slist_append(headers.list, line.c_str());
    if (base::AsciiLower(name) == "content-type") has_content_type = true;
  }
  // libcurl would add these on its own: "Expect: 100-continue" costs a round trip per upload,
  // and a form content type would be wrong for a bodiless PUT.
  headers.list = curl_slist_append(headers.list, "Expect:");
  if (!has_content_type) headers.list = curl_slist_append(headers.list, "Content-Type:");

  const bool has_body = request.body_fd >= 0 || !request.body.empty() || request.method == "PUT" ||
                        request.method == "POST";
  const uint64_t body_size = request.body_fd >= 0 ? request.body_size : request.body.size();
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sluice-push/0.1");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);  // or libcurl waits for a body that never comes
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  const CURLcode code = curl_easy_perform(curl);
  if (exchange.read_errno != 0) {
    return base::ErrnoError("reading the request body", exchange.read_errno);
  }
  if (!exchange.write_status.ok()) return exchange.write_status;
  if (exchange.response_too_large) {
    return base::ResourceExhausted("the response from " + request.url + " is larger than " +
                                   std::to_string(kMaxResponseBytes) + " bytes");
  }
  if (code != CURLE_OK) {
    std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    return base::Unavailable(request.method + " " + request.url + ": " + why);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.response.status);
  return std::move(exchange.response);
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace sluice::client
