// The request smuggling guard, apart from the server so that it can be tested
// and fuzzed on its own. Internal to the http module: it speaks Beast.
#pragma once

#include <optional>
#include <string>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

namespace sluice::http {

// Beast 1.81 accepts some framings that proxies read differently (RFC 9112
// §6.1, §6.3), so a request whose header is ambiguous about where its body ends
// is refused before the body is touched. Returns why, or nothing when the
// framing is unambiguous.
std::optional<std::string> FramingProblem(const boost::beast::http::request_header<>& header);

}  // namespace sluice::http
