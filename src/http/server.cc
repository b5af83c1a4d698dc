#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/ascii.h"
#include "base/random.h"
#include "http/framing.h"

namespace sluice::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kStreamChunkBytes = size_t{256} * 1024;
constexpr size_t kHeaderReadBytes = size_t{8} * 1024;
constexpr uint64_t kMaxLingerBytes = 64ull * 1024 * 1024;

using SteadyClock = std::chrono::steady_clock;

// Failures that mean the client went away or was too slow: nothing to answer.
bool IsConnectionEnd(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

std::string NewRequestId() {
  std::array<std::byte, 8> b{};
  base::RandomBytes(b);
  return base::HexEncode(b);
}

}  // namespace

struct Server::Impl {
  Impl(const Router& r, ServerOptions o)
      : router(r),
        options(std::move(o)),
        acceptor(asio::make_strand(ioc)),
        pool(options.handler_threads) {}

  const Router& router;
  ServerOptions options;
  // Requests between their complete header and their written answer. Before ioc: sessions
  // that ioc's destructor destroys still end their requests.
  std::mutex in_flight_mu;
  std::condition_variable in_flight_cv;
  int in_flight = 0;  // by in_flight_mu
  asio::io_context ioc;
  // Keeps the network threads running while no operation is pending on them: once the
  // acceptor is closed (Drain), a request whose handler runs on the pool has nothing waiting
  // on ioc, and without this its answer would have no thread left to be written by.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{ioc.get_executor()};
  // On a strand: its accept handlers and the closes Drain and Stop post never run at once.
  tcp::acceptor acceptor;
  asio::thread_pool pool;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopped{false};
  std::atomic<bool> draining{false};

  void RequestBegun() {
    std::lock_guard lock(in_flight_mu);
    ++in_flight;
  }
  void RequestEnded() {
    std::lock_guard lock(in_flight_mu);
    if (--in_flight == 0) in_flight_cv.notify_all();
  }

  Response Error(int status, std::string_view message) const {
    if (options.error_response) return options.error_response(status, message);
    return Response::Json(status, std::string(message));
  }

  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {}
  ~Session() { EndRequest(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  // The header is read here rather than by Beast's async_read_header, so that its raw
  // bytes can be checked (RawHeaderProblem) and its deadline starts at its first byte.
  void ReadHeader() {
    header_parser_.emplace();
    header_parser_->header_limit(server_.options.max_header_bytes);
    header_parser_->body_limit(std::numeric_limits<uint64_t>::max());
    header_started_ = false;
    // Set now, so that even an answer to a malformed header names its request.
    request_ = Request{};
    request_.request_id = NewRequestId();
    // A new connection gets header_timeout from the start; a kept-alive one may idle
    // longer between requests, unless the next request already began to arrive.
    if (first_request_ || buffer_.size() > 0) {
      StartHeaderClock();
    } else {
      stream_.expires_after(server_.options.idle_timeout);
    }
    first_request_ = false;
    ReadHeaderBytes();
  }

  void StartHeaderClock() {
    header_started_ = true;
    stream_.expires_after(server_.options.header_timeout);
  }

  std::string_view Buffered() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  }

  void ReadHeaderBytes() {
    std::string_view bytes = Buffered();
    if (auto length = HeaderLength(bytes)) return ParseHeader(*length);
    if (bytes.size() >= server_.options.max_header_bytes + 4) {
      return OnHeader(bhttp::error::header_limit);
    }
    stream_.async_read_some(buffer_.prepare(kHeaderReadBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->Close();
                              if (!self->header_started_) self->StartHeaderClock();
                              self->ReadHeaderBytes();
                            });
  }

  void BeginRequest() {
    request_started_ = SteadyClock::now();
    body_bytes_ = 0;
    route_ = {};
    if (!counted_) server_.RequestBegun();
    counted_ = true;
  }

  void EndRequest() {
    if (counted_) server_.RequestEnded();
    counted_ = false;
  }

  void ParseHeader(size_t length) {
    stream_.expires_never();
    BeginRequest();
    if (server_.draining) {
      Response res = server_.Error(503, "Sluice is shutting down; send the request again");
      res.headers.emplace_back("Retry-After", "1");
      return WriteAndClose(std::move(res));
    }
    if (auto problem = RawHeaderProblem(Buffered().substr(0, length))) {
      return WriteAndClose(server_.Error(400, *problem));
    }
    beast::error_code ec;
    size_t used = header_parser_->put(asio::buffer(buffer_.data().data(), length), ec);
    buffer_.consume(used);
    if (!ec && !header_parser_->is_header_done()) ec = bhttp::error::partial_message;
    OnHeader(ec);
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return WriteAndClose(server_.Error(431, "request headers are larger than " +
                                                  std::to_string(server_.options.max_header_bytes) +
                                                  " bytes"));
    }
    if (ec) return WriteAndClose(server_.Error(400, "malformed HTTP request: " + ec.message()));
    if (auto problem = FramingProblem(header_parser_->get())) {
      return WriteAndClose(server_.Error(400, *problem));
    }
    BuildRequest();
    Router::Match match = server_.router.Find(request_);
    route_ = match.pattern;
    if (match.streaming != nullptr) return StartStreaming(*match.streaming);
    ReadWholeBody(*match.handler);
  }

  void BuildRequest() {
    const auto& h = header_parser_->get();
    request_.method = std::string(h.method_string());
    request_.target = std::string(h.target());
    std::string_view target = request_.target;
    size_t q = target.find('?');
    auto path = PercentDecode(target.substr(0, q), false);
    request_.path = path.ok() ? *path : std::string(target.substr(0, q));
    if (q != std::string_view::npos) request_.query = std::string(target.substr(q + 1));
    for (const auto& field : h) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) request_.remote_address = endpoint.address().to_string();
    keep_alive_ = h.keep_alive();
    expects_continue_ = base::EqualsIgnoreAsciiCase(h[bhttp::field::expect], "100-continue");
  }

  bool HasBody() const {
    return header_parser_->content_length().value_or(0) > 0 || header_parser_->chunked();
  }

  // Answers "100 Continue" when the client waits for it, then runs `next`.
  template <typename Next>
  void ContinueThen(Next next) {
    if (!expects_continue_) return next();
    stream_.expires_after(server_.options.body_timeout);
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, next](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         next();
                       });
  }

  void ReadWholeBody(const Handler& handler) {
    uint64_t limit = server_.options.max_body_bytes;
    if (header_parser_->content_length().value_or(0) > limit) {
      return WriteAndClose(server_.Error(
          413, "request body of " + std::to_string(*header_parser_->content_length()) +
                   " bytes exceeds the limit of " + std::to_string(limit) + " bytes"));
    }
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(limit);
    ContinueThen([self = shared_from_this(), &handler] {
      self->StartBodyClock();
      self->ReadBodyPart(handler);
    });
  }

  // Reads the body piece by piece, so that the deadline can follow its progress.
  void ReadBodyPart(const Handler& handler) {
    if (body_parser_->is_done()) return OnBody({}, handler);
    stream_.expires_at(BodyDeadline());
    bhttp::async_read_some(stream_, buffer_, *body_parser_,
                           [self = shared_from_this(), &handler](beast::error_code ec, size_t n) {
                             self->NoteBodyProgress(n);
                             if (ec) return self->OnBody(ec, handler);
                             self->ReadBodyPart(handler);
                           });
  }

  void StartBodyClock() {
    body_started_ = last_body_progress_ = SteadyClock::now();
    body_bytes_ = 0;
  }

  void NoteBodyProgress(size_t n) {
    if (n == 0) return;
    body_bytes_ += n;
    last_body_progress_ = SteadyClock::now();
  }

  // The body may pause for body_timeout; past that grace it must also keep up the
  // minimum average rate, or the read times out and the connection is closed.
  SteadyClock::time_point BodyDeadline() const {
    const auto& o = server_.options;
    SteadyClock::time_point deadline = last_body_progress_ + o.body_timeout;
    if (o.min_body_bytes_per_second == 0) return deadline;
    auto earned = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(
        static_cast<double>(body_bytes_) / static_cast<double>(o.min_body_bytes_per_second)));
    return std::min(deadline, body_started_ + o.body_timeout + earned);
  }

  void OnBody(beast::error_code ec, const Handler& handler) {
    if (ec == bhttp::error::body_limit) {
      return WriteAndClose(server_.Error(413, "request body exceeds the limit of " +
                                                  std::to_string(server_.options.max_body_bytes) +
                                                  " bytes"));
    }
    if (IsConnectionEnd(ec)) return Close();
    // A body that breaks its own framing (a bad chunk size, ...): the rest of the
    // connection cannot be read reliably, so answer and close.
    if (ec) return WriteAndClose(server_.Error(400, "malformed request body: " + ec.message()));
    stream_.expires_never();
    request_.body = std::move(body_parser_->get().body());
    asio::post(server_.pool, [self = shared_from_this(), &handler] {
      Response res = self->RunHandler(handler);
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res)]() mutable { self->Write(std::move(res)); });
    });
  }

  Response RunHandler(const Handler& handler) {
    // The adapter boundary: nothing thrown below may reach Asio's threads.
    try {
      return handler(request_);
    } catch (const std::exception& e) {
      return server_.Error(500, std::string("internal error: ") + e.what());
    }
  }

  void StartStreaming(const StreamingHandler& handler) {
    std::variant<Response, std::unique_ptr<BodySink>> first;
    try {
      first = handler(request_);
    } catch (const std::exception& e) {
      first = server_.Error(500, std::string("internal error: ") + e.what());
    }
    if (auto* res = std::get_if<Response>(&first)) {
      // The body was not read, so the connection cannot be reused.
      if (HasBody()) return WriteAndClose(std::move(*res));
      return Write(std::move(*res));
    }
    sink_ = std::move(std::get<std::unique_ptr<BodySink>>(first));
    stream_parser_.emplace(std::move(*header_parser_));
    stream_parser_->body_limit(std::numeric_limits<uint64_t>::max());
    chunk_.resize(kStreamChunkBytes);
    writing_.resize(kStreamChunkBytes);
    read_bytes_ = 0;
    read_error_ = {};
    sink_error_ = base::Status::Ok();
    ContinueThen([self = shared_from_this()] {
      self->StartBodyClock();
      self->Pump();
    });
  }

  // A streamed body is read into one buffer while the sink consumes the other on the handler
  // pool: hashing, encrypting and writing an upload then overlap with reading the socket, and
  // the I/O thread stays free for other connections. Pump() runs on the strand after every
  // read and every sink write and starts whatever can go next.
  void Pump() {
    if (!sink_busy_ && !sink_error_.ok()) {
      if (reading_) return;  // answered once the read in flight ends
      Response res = sink_->Fail(sink_error_);
      sink_.reset();
      return WriteAndClose(std::move(res));
    }
    if (!sink_busy_ && read_error_) {
      Response res = sink_->Fail(base::IoError("upload interrupted: " + read_error_.message()));
      sink_.reset();
      // A client that went away or was too slow gets no answer: it would only keep the
      // connection open while the answer is written and the rest of its body drained.
      if (IsConnectionEnd(read_error_)) return Close();
      return WriteAndClose(std::move(res));
    }
    if (!sink_busy_ && read_bytes_ > 0) StartSinkWrite();
    if (reading_ || read_bytes_ > 0 || read_error_ || !sink_error_.ok()) return;
    if (!stream_parser_->is_done()) return ReadChunk();
    if (!sink_busy_) FinishStreaming();
  }

  void ReadChunk() {
    auto& body = stream_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    stream_.expires_at(BodyDeadline());
    reading_ = true;
    bhttp::async_read(stream_, buffer_, *stream_parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t n) {
                        self->NoteBodyProgress(n);
                        self->OnChunk(ec);
                      });
  }

  void OnChunk(beast::error_code ec) {
    reading_ = false;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      read_error_ = ec;
    } else {
      read_bytes_ = chunk_.size() - stream_parser_->get().body().size;
    }
    Pump();
  }

  // Hands the bytes just read to the sink on the handler pool; chunk_ is free again at once.
  void StartSinkWrite() {
    std::swap(chunk_, writing_);
    const size_t n = std::exchange(read_bytes_, 0);
    sink_busy_ = true;
    asio::post(server_.pool, [self = shared_from_this(), n] {
      base::Status status;
      try {
        status = self->sink_->Write(std::string_view(self->writing_.data(), n));
      } catch (const std::exception& e) {
        status = base::Internal(std::string("internal error: ") + e.what());
      }
      asio::post(self->stream_.get_executor(), [self, status = std::move(status)]() mutable {
        self->sink_busy_ = false;
        self->sink_error_ = std::move(status);
        self->Pump();
      });
    });
  }

  void FinishStreaming() {
    stream_.expires_never();
    asio::post(server_.pool, [self = shared_from_this()] {
      Response res;
      try {
        res = self->sink_->Finish();
      } catch (const std::exception& e) {
        res = self->server_.Error(500, std::string("internal error: ") + e.what());
      }
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->sink_.reset();
        self->Write(std::move(res));
      });
    });
  }

  void WriteAndClose(Response res) {
    res.close_connection = true;
    Write(std::move(res));
  }

  void Write(Response res) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "Sluice");
    if (!res.body.empty() || res.status != 204) {
      out->set(bhttp::field::content_type, res.content_type);
    }
    out->set("x-request-id", request_.request_id);
    out->set("x-content-type-options", "nosniff");
    for (const auto& [k, v] : res.headers) out->set(k, v);
    const uint64_t body_size = res.body.size();
    out->body() = std::move(res.body);
    bool close = res.close_connection || !keep_alive_ || server_.draining;
    out->keep_alive(!close);
    out->prepare_payload();
    stream_.expires_after(server_.options.idle_timeout);
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out, close, status = res.status, body_size](
                           beast::error_code ec, size_t) {
                         self->Answered(status, body_size);
                         if (ec) return self->Close();
                         if (close) return self->LingerThenClose();
                         self->ReadHeader();
                       });
  }

  // A client that is still sending a body we refused would get a reset, and
  // may never read our answer, if we closed at once. Like nginx's lingering
  // close: stop writing, then read and drop what still comes, for a while.
  void LingerThenClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(5));
    buffer_.clear();
    Drain(kMaxLingerBytes);
  }

  void Drain(uint64_t budget) {
    auto buf = buffer_.prepare(size_t{64} * 1024);
    stream_.async_read_some(buf,
                            [self = shared_from_this(), budget](beast::error_code ec, size_t n) {
                              if (ec || n >= budget) return self->stream_.close();
                              self->Drain(budget - n);
                            });
  }

  void Answered(int status, uint64_t body_size) {
    if (server_.options.on_answered && counted_) {
      const double seconds =
          std::chrono::duration<double>(SteadyClock::now() - request_started_).count();
      server_.options.on_answered(
          Exchange{request_, route_, status, body_bytes_, body_size, seconds});
    }
    EndRequest();
  }

  void Close() {
    EndRequest();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;
  std::unique_ptr<BodySink> sink_;
  std::vector<char> chunk_;    // read into
  std::vector<char> writing_;  // being written by the sink while sink_busy_
  size_t read_bytes_ = 0;      // bytes in chunk_ not yet given to the sink
  bool reading_ = false;
  bool sink_busy_ = false;
  beast::error_code read_error_;
  base::Status sink_error_;
  Request request_;
  bool keep_alive_ = true;
  bool expects_continue_ = false;
  bool first_request_ = true;
  bool header_started_ = false;
  bool counted_ = false;    // a request of this connection is in flight (Impl::in_flight)
  std::string_view route_;  // the pattern the router matched, owned by the router
  SteadyClock::time_point request_started_;
  SteadyClock::time_point body_started_;
  SteadyClock::time_point last_body_progress_;
  uint64_t body_bytes_ = 0;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopped || draining) return;
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
  });
}

Server::Server(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() {
  // Joining threads can only throw on a broken invariant; a destructor must not.
  try {
    Stop();
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
}

base::Status Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return base::InvalidArgument("bad listen address '" + impl_->options.host + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return base::IoError("open socket: " + ec.message());
  }
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return base::IoError("set SO_REUSEADDR: " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) {
    return base::IoError("bind " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                         ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return base::IoError("listen: " + ec.message());
  }
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->io_threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return base::Status::Ok();
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

bool Server::Drain(std::chrono::milliseconds timeout) {
  if (!impl_->draining.exchange(true)) {
    asio::post(impl_->acceptor.get_executor(), [this] {
      beast::error_code ec;
      impl_->acceptor.close(ec);
    });
  }
  std::unique_lock lock(impl_->in_flight_mu);
  return impl_->in_flight_cv.wait_for(lock, timeout, [this] { return impl_->in_flight == 0; });
}

void Server::Stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->pool.join();
  impl_->ioc.stop();
  for (auto& t : impl_->io_threads) t.join();
}

}  // namespace sluice::http
