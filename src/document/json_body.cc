#include "document/json_body.h"

#include <algorithm>
#include <string>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>

#include "document/folding_handler.h"

namespace sluice::document {
namespace json = boost::json;
using internal::FoldingHandler;

namespace {

// Boost.JSON says "syntax error" for most bad bytes; a client fixes its encoder
// faster when told which rule the byte at `offset` breaks.
std::string DescribeError(std::string_view text, size_t offset, json::error_code ec) {
  if (text.starts_with("\xef\xbb\xbf")) {
    return "the body starts with a UTF-8 byte order mark (EF BB BF), which JSON does not allow";
  }
  std::string what = ec.message();
  const std::string_view rest = text.substr(std::min(offset, text.size()));
  const std::string_view before = text.substr(0, std::min(offset, text.size()));
  auto is_high_surrogate_escape = [](std::string_view s) {
    return s.size() >= 6 && s[s.size() - 6] == '\\' && s[s.size() - 5] == 'u' &&
           (s[s.size() - 4] == 'd' || s[s.size() - 4] == 'D') &&
           std::string_view("89abAB").find(s[s.size() - 3]) != std::string_view::npos;
  };
  if (ec == json::error::illegal_leading_surrogate ||
      ec == json::error::illegal_trailing_surrogate || is_high_surrogate_escape(before)) {
    what = "a lone UTF-16 surrogate escape (\\uD800-\\uDFFF must come in pairs)";
  } else if (rest.starts_with("NaN") || rest.starts_with("Infinity") ||
             rest.starts_with("-Infinity") || (before.ends_with('-') && rest.starts_with("Inf"))) {
    what = "NaN or Infinity, which are not JSON numbers,";
  } else if (!rest.empty() && static_cast<unsigned char>(rest.front()) >= 0x80) {
    what = "a byte that is not valid UTF-8";
  } else if (!rest.empty() && static_cast<unsigned char>(rest.front()) < 0x20 &&
             ec == json::error::syntax) {
    what = "an unescaped control character";
  }
  return "the body is not valid JSON (" + what + " at byte " + std::to_string(offset) + ")";
}

}  // namespace

base::Result<json::value> ParseCaseInsensitiveJson(std::string_view text, size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<FoldingHandler> parser(options);
  json::error_code ec;
  size_t n = 0;
  try {
    n = parser.write_some(false, text.data(), text.size(), ec);
  } catch (const std::exception& e) {
    return base::ResourceExhausted(std::string("cannot hold the JSON body: ") + e.what());
  }
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    if (!parser.handler().error.empty()) return base::InvalidArgument(parser.handler().error);
    return base::InvalidArgument(DescribeError(text, n, ec));
  }
  return std::move(parser.handler().result);
}

}  // namespace sluice::document
