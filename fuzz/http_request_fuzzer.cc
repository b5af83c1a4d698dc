// Raw bytes as a request on the wire, read the way the server reads them: the
// header up to its empty line (HeaderLength), its raw bytes checked
// (RawHeaderProblem), Beast's parser on them, then the request smuggling guard
// (FramingProblem, http/framing.h) on the parsed header.
// Property: a header the guard lets through frames its body in at most one way
// (Content-Length or chunked, never both; every Content-Length value the same;
// chunked only as the sole coding on HTTP/1.1, in one Transfer-Encoding field),
// and the body then parses to what that framing says. Also: Beast's header ends
// where HeaderLength says, and no field value differs from the raw bytes.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/ascii.h"
#include "http/framing.h"
#include "http/message.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// The server's defaults (http::ServerOptions::max_header_bytes), and a body cap
// that keeps one input cheap.
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr uint64_t kMaxBodyBytes = 1 << 20;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "http_request: property violated: %s\n", what);
  std::abort();
}

// Feeds the body bytes after the header into a string_body parser built from the
// accepted header parser, as the server does for a whole-body handler.
void ParseBody(bhttp::request_parser<bhttp::empty_body>& header_parser, std::string_view rest) {
  const bool chunked = header_parser.chunked();
  const auto content_length = header_parser.content_length();
  // The server answers 413 before reading such a body (server.cc ReadWholeBody).
  if (content_length.value_or(0) > kMaxBodyBytes) return;
  bhttp::request_parser<bhttp::string_body> body_parser(std::move(header_parser));
  body_parser.body_limit(kMaxBodyBytes);
  boost::beast::error_code ec;
  while (!rest.empty() && !body_parser.is_done()) {
    size_t n = body_parser.put(asio::buffer(rest.data(), rest.size()), ec);
    if (ec) return;  // incomplete or malformed body: the server answers 400 or waits
    rest.remove_prefix(n);
    if (n == 0) return;
  }
  if (!body_parser.is_done() && !chunked && !content_length) {
    // No framing: a request without Content-Length or chunked has no body.
    Check(false, "a request without body framing still expects a body");
  }
  if (body_parser.is_done() && !chunked) {
    Check(body_parser.get().body().size() == content_length.value_or(0),
          "the body read differs from Content-Length");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  // As the server reads a header (server.cc ParseHeader): up to the empty line,
  // the raw bytes checked first, then Beast's parser on those bytes alone.
  const std::optional<size_t> header_length = sluice::http::HeaderLength(wire);
  if (!header_length) return 0;  // the server waits for more bytes
  const std::string_view raw = wire.substr(0, *header_length);
  if (sluice::http::RawHeaderProblem(raw)) return 0;
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  parser.eager(false);
  boost::beast::error_code ec;
  const size_t used = parser.put(asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_header_done()) return 0;  // the server answers 400
  Check(used == raw.size(), "Beast's header ends elsewhere than HeaderLength says");

  const auto& header = parser.get();
  // Nothing was repaired on the way (obsolete line folding, say): every field
  // Beast reports is in the raw bytes as it is.
  for (const auto& field : header) {
    Check(raw.find(field.value()) != std::string_view::npos,
          "a field value that is not in the raw header (Beast rewrote it)");
  }
  if (sluice::http::FramingProblem(header)) return 0;

  const size_t content_lengths = header.count(bhttp::field::content_length);
  const size_t transfer_encodings = header.count(bhttp::field::transfer_encoding);
  // Repeated Content-Length fields (or a list) are one framing only when every
  // value is the length Beast frames the body with (RFC 9110 §8.6).
  const auto [first_length, end_length] = header.equal_range(bhttp::field::content_length);
  for (auto it = first_length; it != end_length; ++it) {
    std::string_view values = it->value();
    while (true) {
      const size_t comma = values.find(',');
      std::string_view value = values.substr(0, comma);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      uint64_t length = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
      Check(error == std::errc() && end == value.data() + value.size() &&
                parser.content_length() == length,
            "accepted Content-Length values that differ from the framed length");
      if (comma == std::string_view::npos) break;
      values.remove_prefix(comma + 1);
    }
  }
  Check(content_lengths == 0 || transfer_encodings == 0,
        "accepted with both Content-Length and Transfer-Encoding");
  Check(transfer_encodings <= 1, "accepted with several Transfer-Encoding headers");
  Check(parser.chunked() == (transfer_encodings == 1), "chunked() disagrees with the header");
  if (transfer_encodings == 1) {
    Check(header.version() >= 11, "accepted chunked framing on HTTP/1.0");
    Check(sluice::base::EqualsIgnoreAsciiCase(header[bhttp::field::transfer_encoding], "chunked"),
          "accepted a Transfer-Encoding other than chunked");
  }
  Check(parser.content_length().has_value() == (content_lengths > 0),
        "content_length() disagrees with the header");

  // The path and query as handlers see them (server.cc BuildRequest).
  sluice::http::Request request;
  request.target = std::string(header.target());
  const size_t q = request.target.find('?');
  (void)sluice::http::PercentDecode(std::string_view(request.target).substr(0, q), false);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  for (const char* name : {"documentId", "fileId", "X-Amz-Date", ""}) (void)request.Query(name);

  ParseBody(parser, wire.substr(used));
  return 0;
}
