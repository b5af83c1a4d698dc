// ScriptedServer: a stand-in for a remote HTTP server in tests of Sluice's HTTP clients (the
// Push API client, the S3 blob store). It answers scripted replies in order, one per
// connection, on a raw socket, so a reply may even be malformed or cut short.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/ascii.h"

namespace sluice::client::testing {

// One HTTP exchange the scripted server answers.
struct Reply {
  int status;
  std::string headers;  // extra header lines, each ending in \r\n
  std::string body;
  // What Content-Length says, when it is not the body's size: a reply cut short.
  std::optional<size_t> content_length = std::nullopt;
};

struct Received {
  std::string method;
  std::string target;
  std::string headers;  // lower-cased header block
  std::string body;
};

// Stands in for a remote server: answers the scripted replies in order, one per connection
// (Connection: close), then stops listening so that a further request is refused rather than
// left hanging.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Reply> replies) : replies_(std::move(replies)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~ScriptedServer() {
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept() if the client never came
    if (thread_.joinable()) thread_.join();
    close(listen_fd_);
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void Run() {
    for (const Reply& reply : replies_) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) break;
      timeval timeout{10, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      Received request;
      if (ReadRequest(fd, &request)) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          received_.push_back(request);
        }
        const std::string response =
            "HTTP/1.1 " + std::to_string(reply.status) +
            " Scripted\r\nConnection: close\r\nContent-Length: " +
            std::to_string(reply.content_length.value_or(reply.body.size())) + "\r\n" +
            reply.headers + "\r\n" + reply.body;
        WriteAll(fd, response);
      }
      close(fd);
    }
    shutdown(listen_fd_, SHUT_RDWR);
  }

  static bool ReadRequest(int fd, Received* out) {
    std::string data;
    size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, &data)) return false;
    }
    const std::string head = data.substr(0, header_end);
    const size_t first_space = head.find(' ');
    const size_t second_space = head.find(' ', first_space + 1);
    out->method = head.substr(0, first_space);
    out->target = head.substr(first_space + 1, second_space - first_space - 1);
    out->headers = base::AsciiLower(head.substr(head.find("\r\n") + 2));
    size_t length = 0;
    if (size_t at = out->headers.find("content-length:"); at != std::string::npos) {
      length = std::stoul(out->headers.substr(at + 15));
    }
    while (data.size() < header_end + 4 + length) {
      if (!ReadMore(fd, &data)) return false;
    }
    out->body = data.substr(header_end + 4, length);
    return true;
  }

  static bool ReadMore(int fd, std::string* data) {
    char buffer[65536];
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    data->append(buffer, static_cast<size_t>(got));
    return true;
  }

  static void WriteAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
  }

  std::vector<Reply> replies_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Received> received_;
};

}  // namespace sluice::client::testing
