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

std::optional<size_t> HeaderLength(std::string_view bytes) {
  constexpr std::string_view kEnd = "\r\n\r\n";
  size_t end = bytes.find(kEnd);
  if (end == std::string_view::npos) return std::nullopt;
  return end + kEnd.size();
}

std::optional<std::string> RawHeaderProblem(std::string_view header) {
  // A line of the header that starts with a space or a tab continues the line before.
  for (size_t nl = header.find('\n'); nl != std::string_view::npos && nl + 1 < header.size();
       nl = header.find('\n', nl + 1)) {
    if (header[nl + 1] == ' ' || header[nl + 1] == '\t') {
      return "obsolete line folding (a header line starting with a space or tab) is not "
             "accepted";
    }
  }
  return std::nullopt;
}

}  // namespace sluice::http
