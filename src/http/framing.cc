#include "http/framing.h"

#include "base/ascii.h"

namespace sluice::http {

namespace bhttp = boost::beast::http;

std::optional<std::string> FramingProblem(const bhttp::request_header<>& header) {
  auto te = header.find(bhttp::field::transfer_encoding);
  if (te == header.end()) return std::nullopt;
  if (header.find(bhttp::field::content_length) != header.end()) {
    return "both Transfer-Encoding and Content-Length are present";
  }
  if (header.version() < 11) return "Transfer-Encoding is not allowed on HTTP/1.0";
  if (!base::EqualsIgnoreAsciiCase(te->value(), "chunked")) {
    return "unsupported Transfer-Encoding '" + std::string(te->value()) + "'";
  }
  if (header.count(bhttp::field::transfer_encoding) > 1) {
    return "more than one Transfer-Encoding header";
  }
  return std::nullopt;
}

}  // namespace sluice::http
