#include "client/push_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/ascii.h"
#include "base/fs.h"
#include "base/random.h"
#include "client/scripted_server.h"

namespace sluice::client {
namespace {

using testing::Received;
using testing::Reply;
using testing::ScriptedServer;

TEST(PercentEncodeTest, KeepsUnreservedCharacters) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  EXPECT_EQ(PercentEncode(unreserved), unreserved);
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncodeTest, EncodesEverythingElse) {
  EXPECT_EQ(PercentEncode("a b"), "a%20b");
  EXPECT_EQ(PercentEncode("file:///docs/a.pdf"), "file%3A%2F%2F%2Fdocs%2Fa.pdf");
  EXPECT_EQ(PercentEncode("a&b=c#d?e+f%g"), "a%26b%3Dc%23d%3Fe%2Bf%25g");
  EXPECT_EQ(PercentEncode("\"<>\\"), "%22%3C%3E%5C");
  EXPECT_EQ(PercentEncode(std::string_view("\0\n\x7f", 3)), "%00%0A%7F");
}

TEST(PercentEncodeTest, EncodesEachUtf8Byte) {
  EXPECT_EQ(PercentEncode("é"), "%C3%A9");
  EXPECT_EQ(PercentEncode("日本"), "%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(PercentEncode("😀"), "%F0%9F%98%80");
  EXPECT_EQ(PercentEncode("\xff"), "%FF");
}

HttpResponse Response(long status, std::string body) {  // NOLINT(google-runtime-int)
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(DescribeHttpErrorTest, CoveoJsonErrorBody) {
  EXPECT_EQ(
      DescribeHttpError(Response(
          412,
          R"({"statusCode":412,"errorCode":"INVALID_PARAMETER","message":"orderingId is too old"})")),
      "HTTP 412 INVALID_PARAMETER: orderingId is too old");
  EXPECT_EQ(DescribeHttpError(Response(429, R"({"errorCode":"TOO_MANY_REQUESTS"})")),
            "HTTP 429 TOO_MANY_REQUESTS");
  EXPECT_EQ(DescribeHttpError(Response(400, R"({"message":"bad"})")), "HTTP 400: bad");
}

TEST(DescribeHttpErrorTest, S3XmlErrorBody) {
  EXPECT_EQ(DescribeHttpError(Response(
                403,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</"
                "Code><Message>The request signature we calculated does not match</"
                "Message><RequestId>abc</RequestId></Error>")),
            "HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match");
}

TEST(DescribeHttpErrorTest, PlainTextBody) {
  EXPECT_EQ(DescribeHttpError(Response(502, "Bad Gateway")), "HTTP 502: Bad Gateway");
  EXPECT_EQ(DescribeHttpError(Response(500, "")), "HTTP 500");
  // A long page is cut, not pasted whole into a one-line error.
  const std::string described = DescribeHttpError(Response(500, std::string(5000, 'x')));
  EXPECT_EQ(described.rfind("HTTP 500: xxx", 0), 0u) << described;
  EXPECT_LT(described.size(), 300u);
}

struct Retry {
  std::string what;
  std::string why;
  int64_t delay_ms;
};

class PushClientTest : public ::testing::Test {
 protected:
  PushClient Client(const std::string& url, RetryPolicy policy = {}) {
    return PushClient(Target{url, "", "secret-key", "my org", "src/1"}, policy,
                      [this](std::string_view what, std::string_view why, int64_t delay_ms) {
                        retries_.push_back({std::string(what), std::string(why), delay_ms});
                      });
  }

  CurlLibrary curl_;
  std::vector<Retry> retries_;
};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_F(PushClientTest, RetriesTooManyRequestsAsTheServerSays) {
  const std::string busy = R"({"errorCode":"TOO_MANY_REQUESTS","message":"slow down"})";
  ScriptedServer server({{429, "Retry-After: 0\r\n", busy},
                         {429, "Retry-After: 0\r\n", busy},
                         {202, "x-request-id: req-42\r\n", ""}});
  // A backoff of its own would wait at least 500 ms and say so: the server's 0 must win.
  PushClient client = Client(server.url(), RetryPolicy{5, 1000, 60'000});
  auto response = client.PutDocument("file:///a b", R"({"compressionType":"UNCOMPRESSED"})", 7);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->request_id, "req-42");

  ASSERT_EQ(retries_.size(), 2u);
  for (const Retry& retry : retries_) {
    EXPECT_EQ(retry.what, "pushing file:///a b");
    EXPECT_TRUE(Contains(retry.why, "HTTP 429 TOO_MANY_REQUESTS: slow down")) << retry.why;
    EXPECT_EQ(retry.delay_ms, 0);
  }

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  for (const Received& request : requests) {
    EXPECT_EQ(request.method, "PUT");
    EXPECT_EQ(request.target,
              "/push/v1/organizations/my%20org/sources/src%2F1/documents"
              "?documentId=file%3A%2F%2F%2Fa%20b&orderingId=7");
    EXPECT_TRUE(Contains(request.headers, "authorization: bearer secret-key")) << request.headers;
    EXPECT_TRUE(Contains(request.headers, "content-type: application/json")) << request.headers;
    EXPECT_EQ(request.body, R"({"compressionType":"UNCOMPRESSED"})");  // sent whole each time
  }
}

TEST_F(PushClientTest, ClientErrorIsNotRetriedAndCarriesTheServersExplanation) {
  ScriptedServer server(
      {{412, "",
        R"({"statusCode":412,"errorCode":"INVALID_PARAMETER","message":"bad orderingId"})"},
       {202, "", ""}});
  PushClient client = Client(server.url(), RetryPolicy{5, 1, 10});
  auto response = client.PutDocument("doc-1", "{}", 1);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), base::StatusCode::kInvalidArgument);
  const std::string& message = response.status().message();
  EXPECT_TRUE(Contains(message, "pushing doc-1")) << message;
  EXPECT_TRUE(Contains(message, "412")) << message;
  EXPECT_TRUE(Contains(message, "INVALID_PARAMETER")) << message;
  EXPECT_TRUE(Contains(message, "bad orderingId")) << message;
  EXPECT_TRUE(retries_.empty());
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(PushClientTest, StatusCodesMapToStatuses) {
  ScriptedServer server({{401, "", R"({"errorCode":"UNAUTHORIZED"})"},
                         {403, "", R"({"errorCode":"FORBIDDEN"})"},
                         {404, "", R"({"errorCode":"NOT_FOUND"})"},
                         {413, "", R"({"errorCode":"PAYLOAD_TOO_LARGE"})"}});
  PushClient client = Client(server.url(), RetryPolicy{5, 1, 10});
  const base::StatusCode expected[] = {
      base::StatusCode::kPermissionDenied, base::StatusCode::kPermissionDenied,
      base::StatusCode::kNotFound, base::StatusCode::kResourceExhausted};
  const char* codes[] = {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PAYLOAD_TOO_LARGE"};
  for (size_t i = 0; i < 4; ++i) {
    base::Status status = client.SetStatus("REBUILD");
    EXPECT_EQ(status.code(), expected[i]) << status.ToString();
    EXPECT_TRUE(Contains(status.message(), codes[i])) << status.ToString();
  }
  EXPECT_TRUE(retries_.empty());
  EXPECT_EQ(server.received().size(), 4u);
}

TEST_F(PushClientTest, ServerErrorsBackOffWithJitterAndGiveUp) {
  ScriptedServer server({{500, "", "boom"}, {503, "", "busy"}, {502, "", "gateway"}});
  PushClient client = Client(server.url(), RetryPolicy{3, 20, 30});
  base::Status status = client.DeleteDocument("doc", true, 9);
  EXPECT_EQ(status.code(), base::StatusCode::kUnavailable) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), "gave up after 3 attempts")) << status.message();
  EXPECT_TRUE(Contains(status.message(), "HTTP 502: gateway")) << status.message();
  ASSERT_EQ(retries_.size(), 2u);
  EXPECT_TRUE(Contains(retries_[0].why, "HTTP 500: boom")) << retries_[0].why;
  EXPECT_TRUE(Contains(retries_[1].why, "HTTP 503: busy")) << retries_[1].why;
  // Full jitter in [ceiling / 2, ceiling]; the ceiling doubles up to max_delay_ms.
  EXPECT_GE(retries_[0].delay_ms, 10);
  EXPECT_LE(retries_[0].delay_ms, 20);
  EXPECT_GE(retries_[1].delay_ms, 15);
  EXPECT_LE(retries_[1].delay_ms, 30);

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].target,
            "/push/v1/organizations/my%20org/sources/src%2F1/documents"
            "?documentId=doc&deleteChildren=true&orderingId=9");
}

TEST_F(PushClientTest, RefusedConnectionIsRetriedThenUnavailable) {
  // A port nothing listens on: bound, never listened to, closed after the attempts.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  PushClient client = Client(url, RetryPolicy{2, 1, 2});
  base::Status status = client.SetStatus("IDLE");
  close(fd);
  EXPECT_EQ(status.code(), base::StatusCode::kUnavailable) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), "gave up after 2 attempts")) << status.message();
  ASSERT_EQ(retries_.size(), 1u);
  EXPECT_EQ(retries_[0].what, "setting the source status to IDLE");
  EXPECT_TRUE(Contains(retries_[0].why, url)) << retries_[0].why;
}

TEST_F(PushClientTest, PushApiPathSuffixOfTheUrlIsKept) {
  ScriptedServer server({{204, "", ""}, {204, "", ""}});
  PushClient v1 = Client(server.url() + "/v1/", RetryPolicy{1, 1, 1});
  ASSERT_TRUE(v1.DeleteOlderThan(5, 3).ok());
  PushClient push_v1 = Client(server.url() + "/push/v1", RetryPolicy{1, 1, 1});
  ASSERT_TRUE(push_v1.DeleteOlderThan(6, std::nullopt).ok());
  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(
      requests[0].target,
      "/v1/organizations/my%20org/sources/src%2F1/documents/olderthan?orderingId=5&queueDelay=3");
  EXPECT_EQ(requests[1].target,
            "/push/v1/organizations/my%20org/sources/src%2F1/documents/olderthan?orderingId=6");
}

TEST_F(PushClientTest, FileContainerAndUploadFromAFile) {
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) / ("push_client_" + base::NewUuid());
  const std::string bytes = std::string("compressed\0bytes", 16) + std::string(100'000, 'z');
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::filesystem::remove(path);
  ASSERT_TRUE(fd.valid());

  ScriptedServer server({{201, "",
                          R"({"uploadUri":"UPLOAD","fileId":"f-1","requiredHeaders":)"
                          R"({"Content-Type":"application/octet-stream","x-amz-meta-k":"v"}})"},
                         {503, "Retry-After: 0\r\n", "<Error><Code>SlowDown</Code></Error>"},
                         {200, "", ""}});
  PushClient client = Client(server.url(), RetryPolicy{3, 1, 2});
  auto container = client.CreateFileContainer();
  ASSERT_TRUE(container.ok()) << container.status().ToString();
  EXPECT_EQ(container->upload_uri, "UPLOAD");
  EXPECT_EQ(container->file_id, "f-1");
  EXPECT_EQ(container->required_headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"Content-Type", "application/octet-stream"}, {"x-amz-meta-k", "v"}}));

  container->upload_uri = server.url() + "/upload/f-1?X-Amz-Signature=abc";
  base::Status uploaded = client.Upload(*container, fd.get(), bytes.size());
  ASSERT_TRUE(uploaded.ok()) << uploaded.ToString();
  ASSERT_EQ(retries_.size(), 1u);
  EXPECT_TRUE(Contains(retries_[0].why, "HTTP 503 SlowDown")) << retries_[0].why;

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/push/v1/organizations/my%20org/files");
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(requests[i].method, "PUT");
    EXPECT_EQ(requests[i].target, "/upload/f-1?X-Amz-Signature=abc");
    EXPECT_TRUE(Contains(requests[i].headers, "content-type: application/octet-stream"));
    EXPECT_TRUE(Contains(requests[i].headers, "x-amz-meta-k: v"));
    EXPECT_FALSE(Contains(requests[i].headers, "authorization:")) << requests[i].headers;
    EXPECT_TRUE(requests[i].body == bytes)
        << "upload " << i << " sent " << requests[i].body.size() << " bytes";
  }
}

}  // namespace
}  // namespace sluice::client
