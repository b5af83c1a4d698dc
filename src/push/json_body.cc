#include "push/json_body.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>

namespace sluice::push {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// SAX handler that builds a boost::json::value with folded keys. Boost.JSON's
// own DOM parser keeps only the last of duplicate keys, hiding the error.
class FoldingHandler {
 public:
  static constexpr size_t max_object_size = 1000000;
  static constexpr size_t max_array_size = 100000000;
  static constexpr size_t max_key_size = 1 << 20;
  static constexpr size_t max_string_size = 1u << 30;

  json::value result;
  std::string error;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) { return Push(json::object()); }
  bool on_object_end(size_t, json::error_code&) { return Pop(); }
  bool on_array_begin(json::error_code&) { return Push(json::array()); }
  bool on_array_end(size_t, json::error_code&) { return Pop(); }

  bool on_key_part(std::string_view s, size_t, json::error_code&) {
    key_ += s;
    return true;
  }
  bool on_key(std::string_view s, size_t, json::error_code& ec) {
    key_ += s;
    std::string folded = Lower(key_);
    json::object& obj = stack_.back().as_object();
    if (obj.contains(folded)) {
      error = "duplicate key '" + key_ + "' (keys are case-insensitive)";
      ec = json::error::syntax;
      return false;
    }
    pending_keys_.push_back(std::move(folded));
    key_.clear();
    return true;
  }

  bool on_string_part(std::string_view s, size_t, json::error_code&) {
    string_ += s;
    return true;
  }
  bool on_string(std::string_view s, size_t, json::error_code&) {
    string_ += s;
    bool ok = Add(json::string(string_));
    string_.clear();
    return ok;
  }
  bool on_number_part(std::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t v, std::string_view, json::error_code&) { return Add(v); }
  bool on_uint64(uint64_t v, std::string_view, json::error_code&) { return Add(v); }
  bool on_double(double v, std::string_view, json::error_code&) { return Add(v); }
  bool on_bool(bool v, json::error_code&) { return Add(v); }
  bool on_null(json::error_code&) { return Add(nullptr); }
  bool on_comment_part(std::string_view, json::error_code&) { return true; }
  bool on_comment(std::string_view, json::error_code&) { return true; }

 private:
  bool Push(json::value v) {
    stack_.push_back(std::move(v));
    return true;
  }
  bool Pop() {
    json::value done = std::move(stack_.back());
    stack_.pop_back();
    return Add(std::move(done));
  }
  bool Add(json::value v) {
    if (stack_.empty()) {
      result = std::move(v);
    } else if (stack_.back().is_object()) {
      stack_.back().as_object().emplace(pending_keys_.back(), std::move(v));
      pending_keys_.pop_back();
    } else {
      stack_.back().as_array().push_back(std::move(v));
    }
    return true;
  }

  std::vector<json::value> stack_;
  std::vector<std::string> pending_keys_;
  std::string key_;
  std::string string_;
};

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
    return base::InvalidArgument("the body is not valid JSON (" + ec.message() + " at byte " +
                                 std::to_string(n) + ")");
  }
  return std::move(parser.handler().result);
}

}  // namespace sluice::push
