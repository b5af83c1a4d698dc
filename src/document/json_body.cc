#include "document/json_body.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>

#include "document/folding_handler.h"

namespace sluice::document {
namespace json = boost::json;
using internal::FoldingHandler;

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
    return base::InvalidArgument("the body is not valid JSON (" + ec.message() + " at byte " +
                                 std::to_string(n) + ")");
  }
  return std::move(parser.handler().result);
}

}  // namespace sluice::document
