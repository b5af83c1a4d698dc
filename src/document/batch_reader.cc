#include "document/batch_reader.h"

#include <boost/json/basic_parser_impl.hpp>

#include "document/folding_handler.h"

namespace sluice::document {
namespace {

namespace json = boost::json;

constexpr size_t kItemDepth = 2;  // root object -> section array -> item
constexpr size_t kMaxDepth = 64;

json::parse_options Options() {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  return options;
}

}  // namespace

struct BatchReader::Impl {
  explicit Impl(OnItem on_item)
      : parser(Options(), kItemDepth,
               [on_item = std::move(on_item)](std::string_view key, json::value item) {
                 if (key == "addorupdate")
                   return on_item(BatchSection::kAddOrUpdate, std::move(item));
                 if (key == "delete") return on_item(BatchSection::kDelete, std::move(item));
                 if (key == "partialupdate") {
                   return on_item(BatchSection::kPartialUpdate, std::move(item));
                 }
                 return base::Status::Ok();  // other keys are ignored, as Coveo does
               }) {}

  base::Status Feed(std::string_view chunk, bool more) {
    json::error_code ec;
    size_t n = 0;
    try {
      n = parser.write_some(more, chunk.data(), chunk.size(), ec);
    } catch (const std::exception& e) {
      return base::ResourceExhausted(std::string("cannot hold a batch item: ") + e.what());
    }
    consumed += n;
    if (!ec && n < chunk.size()) ec = json::error::extra_data;
    if (!ec) return base::Status::Ok();
    if (!parser.handler().error.empty()) return base::InvalidArgument(parser.handler().error);
    return base::InvalidArgument("the batch file is not valid JSON (" + ec.message() + " at byte " +
                                 std::to_string(consumed) + ")");
  }

  json::basic_parser<internal::FoldingHandler> parser;
  uint64_t consumed = 0;
};

BatchReader::BatchReader(OnItem on_item) : impl_(std::make_unique<Impl>(std::move(on_item))) {}

BatchReader::~BatchReader() = default;

base::Status BatchReader::Write(std::string_view chunk) { return impl_->Feed(chunk, true); }

base::Status BatchReader::Finish() {
  SLUICE_RETURN_IF_ERROR(impl_->Feed({}, false));
  const json::value& root = impl_->parser.handler().result;
  if (!root.is_object()) {
    return base::InvalidArgument(
        "a batch file must be a JSON object with 'addOrUpdate' and 'delete' arrays");
  }
  for (auto key : {"addorupdate", "delete", "partialupdate"}) {
    const json::value* section = root.as_object().if_contains(key);
    if (section != nullptr && !section->is_array()) {
      return base::InvalidArgument(std::string("'") + key + "' in a batch file must be an array");
    }
  }
  return base::Status::Ok();
}

}  // namespace sluice::document
