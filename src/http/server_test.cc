// The server's own defences against hostile clients, over real loopback sockets.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

using std::chrono::steady_clock;

class Client {
 public:
  explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{10, 0};  // no test waits this long for the server
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // False once the server has closed the connection.
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What the server sends until `marker` arrived (or it closed the connection, or 10 s pass).
  std::string ReadUntil(std::string_view marker) {
    std::string out;
    char buf[4096];
    while (out.find(marker) == std::string::npos) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Everything the server sends until it closes the connection (or 10 s pass).
  std::string ReadToClose() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
};

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("*", "/echo", [](Request& r) { return Response::Json(200, r.body); });
    ServerOptions options;
    options.port = 0;
    options.handler_threads = 2;
    options.header_timeout = std::chrono::seconds(1);
    options.body_timeout = std::chrono::seconds(1);
    options.min_body_bytes_per_second = 100;
    server_ = std::make_unique<Server>(router_, options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, AnswersAWellFormedRequest) {
  Client c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n"
             "\r\nhello"));
  std::string answer = c.ReadToClose();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\nhello")) << answer;
}

// A client that trickles its header is cut off at the header deadline.
TEST_F(ServerTest, SlowHeaderIsCutOffAtTheHeaderDeadline) {
  Client c(server_->port());
  const auto start = steady_clock::now();
  const std::string header = "GET /echo HTTP/1.1\r\nHost: h\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa";
  size_t sent = 0;
  while (sent < header.size() && c.Send(header.substr(sent, 1))) {
    ++sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LT(sent, header.size()) << "the server kept reading a header for " << header.size() / 10.0
                                 << " s";
  EXPECT_EQ(c.ReadToClose(), "");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
}

// A body that stops short of its Content-Length is cut off at the body deadline.
TEST_F(ServerTest, StalledBodyIsCutOffAtTheBodyDeadline) {
  Client c(server_->port());
  const auto start = steady_clock::now();
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly this"));
  EXPECT_EQ(c.ReadToClose(), "");
  const auto waited = steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(3));
}

// Pausing less than body_timeout each time is not enough: past the grace period the
// body must average min_body_bytes_per_second.
TEST_F(ServerTest, TricklingBodyIsCutOffByTheMinimumRate) {
  Client c(server_->port());
  const auto start = steady_clock::now();
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"));
  bool open = true;
  for (int i = 0; i < 40 && open; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    open = c.Send("x");
  }
  EXPECT_EQ(c.ReadToClose(), "");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(ServerTest, ObsoleteLineFoldingIsRefused) {
  Client c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
             "0\r\n\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string answer = c.ReadToClose();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_NE(answer.find("obsolete line folding"), std::string::npos) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
}

// A chunk size that overflows is answered, not just dropped, and the request
// smuggled after it is never read.
TEST_F(ServerTest, BadChunkIsAnsweredWith400AndClosed) {
  Client c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "ffffffffffffffffff\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string answer = c.ReadToClose();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_NE(answer.find("malformed request body"), std::string::npos) << answer;
  EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1u) << answer;
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  Client c(server_->port());
  ASSERT_TRUE(c.Send("GET /echo?" + std::string(64 << 10, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::string answer = c.ReadToClose();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << answer;
}

// Keep-alive: the header deadline starts with the next request's first byte, not
// when the previous answer was sent.
TEST_F(ServerTest, KeptAliveConnectionMayIdleLongerThanTheHeaderDeadline) {
  Client c(server_->port());
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::string answer = c.ReadToClose();
  EXPECT_EQ(Count(answer, "HTTP/1.1 200 OK"), 2u) << answer;
}

// Graceful stop: a request under way when Drain begins is answered in full; a request that
// begins afterwards on an open connection gets 503 and the connection closes; no new
// connection is accepted.
TEST(ServerDrainTest, AnswersRequestsUnderWayAndRefusesNewOnes) {
  Router router;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  router.Add("POST", "/slow", [&](Request& r) {
    entered.set_value();
    released.wait();
    return Response::Json(202, "{\"got\":" + std::to_string(r.body.size()) + "}");
  });
  router.Add("GET", "/fast", [](Request&) { return Response::Json(200, "{}"); });
  std::mutex seen_mu;
  std::vector<std::string> seen;
  ServerOptions options;
  options.port = 0;
  options.on_answered = [&](const Exchange& e) {
    std::lock_guard lock(seen_mu);
    seen.push_back(std::string(e.route) + " " + std::to_string(e.status) + " " +
                   std::to_string(e.bytes_received) + " " + e.request.request_id);
  };
  Server server(router, options);
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.port();

  Client idle(port);  // kept alive: its next request comes during the drain
  ASSERT_TRUE(idle.Send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
  const std::string first = idle.ReadUntil("\r\n\r\n{}");
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos) << first;
  Client slow(port);
  ASSERT_TRUE(slow.Send("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"));
  entered.get_future().wait();

  std::future<bool> drained =
      std::async(std::launch::async, [&] { return server.Drain(std::chrono::seconds(10)); });
  EXPECT_EQ(drained.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  ASSERT_TRUE(idle.Send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
  const std::string refused = idle.ReadToClose();
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;

  release.set_value();
  EXPECT_TRUE(drained.get());
  const std::string answer = slow.ReadToClose();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 202 Accepted\r\n")) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_NE(answer.find("{\"got\":5}"), std::string::npos) << answer;

  int late = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(connect(late, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(late);
  server.Stop();

  std::lock_guard lock(seen_mu);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].starts_with("/fast 200 0 ")) << seen[0];
  EXPECT_TRUE(seen[1].starts_with(" 503 0 ")) << seen[1];
  EXPECT_TRUE(seen[2].starts_with("/slow 202 5 ")) << seen[2];
  EXPECT_EQ(seen[2].size(), std::string("/slow 202 5 ").size() + 16) << "a 16-digit request id";
}

}  // namespace
}  // namespace sluice::http
