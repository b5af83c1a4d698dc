// The request smuggling guard, apart from the server so that it can be tested
// and fuzzed on its own. Internal to the http module: it speaks Beast.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

namespace sluice::http {

// Beast 1.81 accepts some framings that proxies read differently (RFC 9112
// §6.1, §6.3), so a request whose header is ambiguous about where its body ends
// is refused before the body is touched. Returns why, or nothing when the
// framing is unambiguous.
std::optional<std::string> FramingProblem(const boost::beast::http::request_header<>& header);

// The length of the request header at the start of `bytes`, through the empty line
// that ends it, or nothing while that line has not arrived.
std::optional<size_t> HeaderLength(std::string_view bytes);

// What Beast would repair silently in the raw bytes of a whole request header:
// obsolete line folding (RFC 9112 §5.2), which it unfolds into one value, while a
// proxy in front may read "Transfer-Encoding:\r\n chunked" as two lines. Returns why
// the header is refused, or nothing.
std::optional<std::string> RawHeaderProblem(std::string_view header);

}  // namespace sluice::http
